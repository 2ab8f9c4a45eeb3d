"""Meeting runs (issue 14.5): start, join, leave, end and recordings send Zoom's webhooks; reports follow."""

import json
from urllib.parse import quote

import pytest
from test_zsim_webhooks import SECRET, Receiver

from zoom_simulator import sign


@pytest.fixture
def receiver(sim):
    rec = Receiver()
    sim.configure(webhook_url=rec.url, webhook_secret=SECRET)
    yield rec
    rec.close()


def _sent(receiver, index=-1):
    request = receiver.received[index]
    headers = {k.lower(): v for k, v in request['headers'].items()}
    assert headers['x-zm-signature'] == sign(SECRET, headers['x-zm-request-timestamp'], request['raw'])
    return json.loads(request['raw'])


def _run_meeting(sim, api, kind='meeting', people=('bob@example.com', 'guest@example.org')):
    obj = api.create(kind, topic='Run me', start_time='2030-05-01T10:00:00Z', settings={'approval_type': 0})
    sim.run('start', obj['id'], start_time='2030-05-01T10:00:00Z')
    for minute, email in enumerate(people):
        sim.run('join', obj['id'], participant={'name': email.split('@')[0], 'email': email,
                                                'join_time': f'2030-05-01T10:0{minute}:00Z'})
    done = sim.run('end', obj['id'], end_time='2030-05-01T10:45:00Z')
    return obj, done['run']


def test_meeting_run_webhooks(api, sim, receiver):
    """meeting.started / participant_joined / participant_left / ended, with Zoom's payload shapes."""
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    meeting = api.create(topic='Standup', settings={'approval_type': 0})
    reg = api.post(f'/meetings/{meeting["id"]}/registrants',
                   json={'email': 'guest@example.org', 'first_name': 'Guest'}).json()
    result = sim.run('start', meeting['id'])
    assert result['status'] == 200
    assert result['run'] == meeting['uuid']
    started = _sent(receiver)
    assert started['event'] == 'meeting.started' and isinstance(started['event_ts'], int)
    assert started['payload']['account_id'] == 'sim-account'
    obj = started['payload']['object']
    assert {k: obj[k] for k in ('id', 'uuid', 'host_id', 'topic', 'type')} == {
        'id': meeting['id'], 'uuid': meeting['uuid'], 'host_id': meeting['host_id'], 'topic': 'Standup', 'type': 2}
    assert obj['start_time'].endswith('Z')
    assert api.get(f'/meetings/{meeting["id"]}').json()['status'] == 'started'

    sim.run('join', meeting['id'], participant={'name': 'Bob', 'email': 'bob@example.com'})
    joined = _sent(receiver)['payload']['object']['participant']
    assert (joined['user_name'], joined['email'], joined['id'], joined['registrant_id']) == (
        'Bob', 'bob@example.com', bob['id'], '')
    assert joined['user_id'] and joined['participant_uuid'] and joined['join_time'].endswith('Z')
    sim.run('join', meeting['id'], participant={'name': 'Guest', 'email': 'guest@example.org'})
    guest = _sent(receiver)['payload']['object']['participant']
    assert guest['registrant_id'] == reg['registrant_id']  # matched by e-mail, as Zoom links registrants
    assert guest['id'] == ''  # not a user of the account
    sim.run('leave', meeting['id'], participant={'email': 'guest@example.org'})
    left = _sent(receiver)
    assert left['event'] == 'meeting.participant_left'
    assert left['payload']['object']['participant']['leave_time'].endswith('Z')
    assert left['payload']['object']['participant']['participant_uuid'] == guest['participant_uuid']

    sim.run('end', meeting['id'])
    ended = _sent(receiver)
    assert ended['event'] == 'meeting.ended'
    assert ended['payload']['object']['uuid'] == meeting['uuid']
    assert ended['payload']['object']['end_time'].endswith('Z')
    after = api.get(f'/meetings/{meeting["id"]}').json()
    assert after['status'] == 'waiting'
    assert after['uuid'] != meeting['uuid']  # the next instance gets its own UUID
    assert [r['event'] for r in map(json.loads, (x['raw'] for x in receiver.received))] == [
        'meeting.started', 'meeting.participant_joined', 'meeting.participant_joined',
        'meeting.participant_left', 'meeting.ended']


@pytest.mark.parametrize(('body', 'status'), [
    ({'action': 'end', 'id': 1}, 404), ({'action': 'fly', 'id': 1}, 400), ({'action': 'start'}, 400)])
def test_run_bad_requests(api, sim, http, body, status):
    assert http.post(f'{sim.url}/_simulator/run', json=body).status_code == status


def test_run_needs_a_running_meeting(api, sim, http):
    meeting = api.create()
    resp = http.post(f'{sim.url}/_simulator/run', json={'action': 'join', 'id': meeting['id'],
                                                         'participant': {'email': 'x@example.com'}})
    assert resp.status_code == 400
    sim.run('start', meeting['id'])
    assert http.post(f'{sim.url}/_simulator/run', json={'action': 'start', 'id': meeting['id']}).status_code == 400
    assert http.post(f'{sim.url}/_simulator/run', json={'action': 'leave', 'id': meeting['id'],
                                                         'participant': {'email': 'x@example.com'}}).status_code == 400


def test_without_a_webhook_url_the_state_still_changes(api, sim):
    meeting = api.create()
    result = sim.run('start', meeting['id'])
    assert result['status'] is None and 'nothing was sent' in result['error']
    assert result['sent']['event'] == 'meeting.started'
    assert api.get(f'/meetings/{meeting["id"]}').json()['status'] == 'started'
    assert [r['uuid'] for r in sim.runs()] == [meeting['uuid']]


def test_past_participants_report(api, sim):
    """GET /past_meetings/{meetingId}/participants: by instance UUID (or id: the latest instance)."""
    sim.add_user('bob@example.com')
    meeting, uuid = _run_meeting(sim, api, people=('bob@example.com', 'guest@example.org', 'third@example.org'))
    report = api.get(f'/past_meetings/{quote(uuid, safe="")}/participants').json()
    assert report['total_records'] == 3 and report['next_page_token'] == ''
    first = report['participants'][0]
    assert set(first) >= {'id', 'name', 'user_email', 'user_id', 'registrant_id', 'join_time', 'leave_time',
                          'duration'}
    assert (first['user_email'], first['join_time'], first['leave_time']) == (
        'bob@example.com', '2030-05-01T10:00:00Z', '2030-05-01T10:45:00Z')
    assert first['duration'] == 45 * 60
    by_id = api.get(f'/past_meetings/{meeting["id"]}/participants').json()
    assert by_id['participants'] == report['participants']
    page = api.get(f'/past_meetings/{meeting["id"]}/participants', params={'page_size': 2}).json()
    assert len(page['participants']) == 2 and page['next_page_token']
    rest = api.get(f'/past_meetings/{meeting["id"]}/participants',
                   params={'page_size': 2, 'next_page_token': page['next_page_token']}).json()
    assert [p['user_email'] for p in rest['participants']] == ['third@example.org']
    assert rest['next_page_token'] == ''


def test_report_errors(api, sim):
    """Documented: 404/3001 'Meeting ID is invalid or not end.'; 400/200 'Only available for paid account'."""
    meeting = api.create()
    resp = api.get(f'/past_meetings/{meeting["id"]}/participants')
    assert (resp.status_code, resp.json()) == (404, {'code': 3001, 'message': 'Meeting ID is invalid or not end.'})
    sim.run('start', meeting['id'])
    # a running instance has not ended yet
    assert api.get(f'/past_meetings/{quote(meeting["uuid"], safe="")}/participants').status_code == 404
    sim.configure(paid_account=False)
    resp = api.get(f'/past_meetings/{meeting["id"]}/participants')
    assert resp.status_code == 400
    assert resp.json() == {'code': 200, 'message': 'Only available for paid account: sim-account.'}


def test_one_participant_gives_no_rows(api, sim):
    """The spec: 'the API doesn't return results if there's only one participant in a meeting'."""
    meeting, uuid = _run_meeting(sim, api, people=('solo@example.org',))
    report = api.get(f'/past_meetings/{meeting["id"]}/participants').json()
    assert report['participants'] == [] and report['total_records'] == 0


def test_double_encoded_uuid(api, sim):
    """UUIDs beginning with '/' or containing '//' must be double-encoded, as the spec notes."""
    meeting = api.create()
    sim.simulator.state.objects['meeting'][meeting['id']]['uuid'] = '/ab//cd+ef=='  # such UUIDs exist on Zoom
    sim.run('start', meeting['id'])
    for email in ('a@example.org', 'b@example.org'):
        sim.run('join', meeting['id'], participant={'email': email})
    sim.run('end', meeting['id'])
    double = quote(quote('/ab//cd+ef==', safe=''), safe='')
    report = api.get(f'/past_meetings/{double}/participants').json()
    assert [p['user_email'] for p in report['participants']] == ['a@example.org', 'b@example.org']


def test_webinar_run_and_report(api, sim, receiver):
    webinar, uuid = _run_meeting(sim, api, kind='webinar', people=('a@example.org', 'b@example.org'))
    events = [json.loads(x['raw'])['event'] for x in receiver.received]
    assert events == ['webinar.started', 'webinar.participant_joined', 'webinar.participant_joined', 'webinar.ended']
    report = api.get(f'/past_webinars/{webinar["id"]}/participants').json()
    assert [p['user_email'] for p in report['participants']] == ['a@example.org', 'b@example.org']
    # a webinar instance is not a past meeting
    assert api.get(f'/past_meetings/{webinar["id"]}/participants').status_code == 404
    resp = api.get(f'/past_webinars/{api.create()["id"]}/participants')
    assert (resp.status_code, resp.json()) == (404, {'code': 3001, 'message': 'Webinar does not exist.'})


def test_recording_lifecycle(api, sim, receiver):
    """recording.completed / trashed / deleted webhooks; GET /meetings/{id}/recordings answers 404/3301 'There is
    no recording for this meeting.' when there is none."""
    meeting = api.create(password='pw1')
    resp = api.get(f'/meetings/{meeting["id"]}/recordings')
    assert (resp.status_code, resp.json()) == (404, {'code': 3301,
                                                     'message': 'There is no recording for this meeting.'})
    _, uuid = _run_meeting(sim, api)  # another meeting
    sim.run('start', meeting['id'])
    sim.run('end', meeting['id'])
    sim.run('recording_completed', meeting['id'], files=['MP4', 'M4A', 'TRANSCRIPT'])
    completed = _sent(receiver)
    assert completed['event'] == 'recording.completed' and completed['download_token']
    obj = completed['payload']['object']
    assert (obj['id'], obj['uuid'], obj['host_id'], obj['recording_count']) == (
        meeting['id'], meeting['uuid'], meeting['host_id'], 3)
    assert obj['share_url'] and obj['password'] == 'pw1' and obj['recording_play_passcode']
    files = obj['recording_files']
    assert [f['file_type'] for f in files] == ['MP4', 'M4A', 'TRANSCRIPT']
    assert set(files[0]) >= {'id', 'file_type', 'recording_type', 'recording_start', 'recording_end',
                             'file_size', 'play_url', 'download_url', 'status'}
    assert files[0]['recording_type'] == 'shared_screen_with_speaker_view' and files[0]['status'] == 'completed'
    assert obj['total_size'] == sum(f['file_size'] for f in files)
    got = api.get(f'/meetings/{meeting["id"]}/recordings').json()
    assert got['recording_files'] == files and got['share_url'] == obj['share_url']
    assert 'download_access_token' not in got
    assert api.get(f'/meetings/{quote(meeting["uuid"], safe="")}/recordings').json()['uuid'] == meeting['uuid']
    with_token = api.get(f'/meetings/{meeting["id"]}/recordings', params={'include_fields': 'download_access_token'})
    assert with_token.json()['download_access_token']

    sim.run('recording_trashed', meeting['id'])
    trashed = _sent(receiver)
    assert trashed['event'] == 'recording.trashed'
    assert trashed['payload']['operator_id'] == meeting['host_id']
    assert api.get(f'/meetings/{meeting["id"]}/recordings').json()['code'] == 3301
    sim.run('recording_deleted', meeting['id'])
    assert _sent(receiver)['event'] == 'recording.deleted'
    assert api.get(f'/meetings/{meeting["id"]}/recordings').status_code == 404


def test_recording_needs_an_ended_run(api, sim, http):
    meeting = api.create()
    sim.run('start', meeting['id'])
    resp = http.post(f'{sim.url}/_simulator/run', json={'action': 'recording_completed', 'id': meeting['id']})
    assert resp.status_code == 400


def test_report_calls_pass_strict_mode(zoom_sim, make_api, get_token, spec_path):
    zoom_sim.configure(spec=spec_path)
    api = make_api(get_token())
    meeting = api.create()
    _, uuid = _run_meeting(zoom_sim, api)
    zoom_sim.run('recording_completed', uuid=uuid)
    for path in (f'/past_meetings/{quote(uuid, safe="")}/participants?page_size=300',
                 f'/meetings/{quote(uuid, safe="")}/recordings?include_fields=download_access_token'):
        resp = api.get(path)
        assert resp.status_code == 200, resp.text
    assert api.get(f'/meetings/{meeting["id"]}/recordings?ttl=-1').json()['message'] == 'Validation Failed.'
