"""Zoom webhooks: signature checks, URL validation, and what each event does to Indico's rooms.

Requests are built the way Zoom builds them (``zoom_simulator.sign``) and go through Indico's test client.
"""

import json
import logging
import time

import pytest
from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation, VCRoomStatus

from indico_vc_zoom.webhooks import verification
from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator import sign
from zoom_simulator.webhooks import encrypt_token


URL = '/api/plugin/zoom/webhook'


def signed_headers(body, token=WEBHOOK_TOKEN, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {'x-zm-request-timestamp': timestamp, 'x-zm-signature': sign(token, timestamp, body),
            'User-Agent': 'Zoom Marketplace/1.0a'}


def post(client, body, headers):
    return client.post(URL, data=body, headers=headers, content_type='application/json')


def post_signed(client, payload, token=WEBHOOK_TOKEN, timestamp=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(client, body, signed_headers(body, token, timestamp))


def event_body(event, zoom_id, ts=None, **fields):
    return {'event': event, 'event_ts': int(time.time() * 1000) if ts is None else ts,
            'payload': {'account_id': 'acc', 'operator': 'someone@example.com', 'operator_id': 'op',
                        'object': {'id': zoom_id, 'uuid': 'uuid==', **fields}}}


def management_log(event):
    # e-mails sent about an event are logged too, in another realm
    return EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.management)


def log_count(event):
    return management_log(event).count()


def last_log(event):
    return management_log(event).order_by(EventLogEntry.id.desc()).first()


def snapshot(room):
    return json.dumps(room.data, sort_keys=True), room.name, room.status




@pytest.fixture
def room(zoom_room_event):
    return zoom_room_event[0]


# --- pure verification ----------------------------------------------------------------------------------------------

def test_sign_matches_zoom():
    body = b'{"event": "meeting.updated"}'
    assert verification.sign('secret', '1700000000', body) == sign('secret', '1700000000', body)
    assert verification.encrypt_token('secret', 'abc') == encrypt_token('secret', 'abc')


def zoom_headers(token, timestamp, body):
    return {'x-zm-request-timestamp': str(timestamp), 'x-zm-signature': sign(token, str(timestamp), body)}


def test_verify_signature_accepts_zoom_signature():
    body = b'{"a": 1}'
    now = 1_700_000_000
    headers = {'X-Zm-Request-Timestamp': str(now), 'X-Zm-Signature': sign('tok', str(now), body)}
    assert verification.verify_signature('tok', headers, body, now=now)
    assert verification.verify_signature('tok', headers, body, now=now + 300)
    assert verification.verify_signature('tok', headers, body, now=now - 300)
    assert not verification.verify_signature('tok', headers, body, now=now + 301)
    assert verification.authenticate('tok', headers, body, now=now) == 'signature'


@pytest.mark.parametrize(('name', 'change'), [
    ('stale', lambda h, now: zoom_headers('tok', now - 301, b'{"a": 1}')),
    ('future', lambda h, now: zoom_headers('tok', now + 301, b'{"a": 1}')),
    ('timestamp not signed', lambda h, now: {**h, 'x-zm-request-timestamp': str(now - 1)}),
    ('forged', lambda h, now: {**h, 'x-zm-signature': sign('other', str(now), b'{"a": 1}')}),
    ('no signature', lambda h, now: {'x-zm-request-timestamp': h['x-zm-request-timestamp']}),
    ('no timestamp', lambda h, now: {'x-zm-signature': h['x-zm-signature']}),
    ('nothing', lambda h, now: {}),
    ('non-numeric timestamp', lambda h, now: {**h, 'x-zm-request-timestamp': 'abc'}),
    ('negative timestamp', lambda h, now: {**h, 'x-zm-request-timestamp': '-1'}),
    ('unicode digits', lambda h, now: {**h, 'x-zm-request-timestamp': '١٧٠٠٠٠٠٠٠٠'}),
    ('huge timestamp', lambda h, now: {**h, 'x-zm-request-timestamp': '9' * 5000}),
    ('non-ascii signature', lambda h, now: {**h, 'x-zm-signature': 'v0=é' + h['x-zm-signature'][4:]}),
    ('bytes values', lambda h, now: {k: v.encode() for k, v in h.items()}),
    ('signature without v0', lambda h, now: {**h, 'x-zm-signature': h['x-zm-signature'][3:]}),
])
def test_verify_signature_rejects(name, change):
    body = b'{"a": 1}'
    now = 1_700_000_000
    headers = change({'x-zm-request-timestamp': str(now), 'x-zm-signature': sign('tok', str(now), body)}, now)
    assert not verification.verify_signature('tok', headers, body, now=now)
    assert verification.authenticate('tok', headers, body, legacy=True, now=now) is None


def test_verify_signature_rejects_other_body_and_no_token():
    now = 1_700_000_000
    headers = {'x-zm-request-timestamp': str(now), 'x-zm-signature': sign('tok', str(now), b'{"a": 1}')}
    assert not verification.verify_signature('tok', headers, b'{"a": 2}', now=now)
    assert not verification.verify_signature('', headers, b'{"a": 1}', now=now)
    assert not verification.verify_signature('tok', None, b'{"a": 1}', now=now)


def test_verify_legacy():
    assert verification.verify_legacy('tok', {'Authorization': 'tok'})
    assert not verification.verify_legacy('tok', {'authorization': 'tok2'})
    assert not verification.verify_legacy('tok', {'authorization': 'tök'})
    assert not verification.verify_legacy('tok', {})
    assert not verification.verify_legacy('', {'authorization': ''})
    assert verification.authenticate('tok', {'authorization': 'tok'}, b'{}', legacy=False) is None
    assert verification.authenticate('tok', {'authorization': 'tok'}, b'{}', legacy=True) == 'legacy'


# --- authentication through the endpoint -------------------------------------------------------------------------

def test_url_validation(test_client, zoom_plugin):
    resp = post_signed(test_client, {'event': 'endpoint.url_validation', 'event_ts': 1,
                                     'payload': {'plainToken': 'qgg8vlvZRS6UYooatFL8Aw'}})
    assert resp.status_code == 200
    assert resp.json == {'plainToken': 'qgg8vlvZRS6UYooatFL8Aw',
                         'encryptedToken': encrypt_token(WEBHOOK_TOKEN, 'qgg8vlvZRS6UYooatFL8Aw')}


@pytest.mark.parametrize('payload', [{}, {'plainToken': ''}, {'plainToken': 5}, None])
def test_url_validation_malformed(test_client, zoom_plugin, payload):
    resp = post_signed(test_client, {'event': 'endpoint.url_validation', 'payload': payload})
    assert resp.status_code == 400
    assert 'encryptedToken' not in resp.json


def test_url_validation_needs_signature(test_client, zoom_plugin):
    zoom_plugin.settings.set('webhook_legacy_token', True)
    body = json.dumps({'event': 'endpoint.url_validation', 'payload': {'plainToken': 'abc'}}).encode()
    for headers in ({}, {'authorization': WEBHOOK_TOKEN}, signed_headers(body, token='wrong')):
        resp = post(test_client, body, headers)
        assert resp.status_code == 401
        assert 'encryptedToken' not in resp.json


def test_no_token_configured_refuses_everything(test_client, zoom_plugin, room):
    zoom_plugin.settings.set('webhook_token', '')
    zoom_plugin.settings.set('webhook_legacy_token', True)
    before = snapshot(room)
    body = json.dumps(event_body('meeting.deleted', room.data['zoom_id'])).encode()
    for headers in (signed_headers(body), signed_headers(body, token=''), {'authorization': ''}, {}):
        resp = post(test_client, body, headers)
        assert resp.status_code == 403
    resp = post_signed(test_client, {'event': 'endpoint.url_validation', 'payload': {'plainToken': 'abc'}}, token='')
    assert resp.status_code == 403
    assert snapshot(room) == before


@pytest.mark.parametrize('case', ['missing', 'forged', 'stale', 'future', 'other body', 'legacy off', 'garbage'])
def test_unauthenticated_requests_change_nothing(test_client, zoom_room_event, case):
    room, event = zoom_room_event
    body = json.dumps(event_body('meeting.deleted', room.data['zoom_id'])).encode()
    headers = {
        'missing': {},
        'forged': signed_headers(body, token='not-the-token'),
        # a margin: the request is handled a moment after the timestamp is taken
        'stale': signed_headers(body, timestamp=int(time.time()) - 310),
        'future': signed_headers(body, timestamp=int(time.time()) + 310),
        'other body': signed_headers(body.replace(b'deleted', b'updated')),
        'legacy off': {'authorization': WEBHOOK_TOKEN},
        'garbage': {'x-zm-request-timestamp': '12ab', 'x-zm-signature': 'v0=\xe9\xff'},
    }[case]
    before, logs = snapshot(room), log_count(event)
    resp = post(test_client, body, headers)
    assert resp.status_code == 401
    assert resp.json == {'error': 'invalid signature'}
    assert snapshot(room) == before
    assert log_count(event) == logs


def test_legacy_token_when_enabled(test_client, zoom_plugin, zoom_room_event, smtp):
    room, event = zoom_room_event
    zoom_plugin.settings.set('webhook_legacy_token', True)
    body = json.dumps(event_body('meeting.updated', room.data['zoom_id'], topic='Via legacy')).encode()
    assert post(test_client, body, {'authorization': 'wrong'}).status_code == 401
    resp = post(test_client, body, {'authorization': WEBHOOK_TOKEN})
    assert resp.status_code == 200
    assert room.name == 'Via legacy'


def test_secrets_not_logged(test_client, room, caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps(event_body('meeting.updated', room.data['zoom_id'], topic='Logged')).encode()
    headers = signed_headers(body)
    expected_forged = signed_headers(body, token='forged')
    assert post(test_client, body, expected_forged).status_code == 401
    assert post(test_client, body, headers).status_code == 200
    text = '\n'.join(r.getMessage() for r in caplog.records)
    assert 'Applied Zoom webhook meeting.updated' in text
    assert 'Refused a Zoom webhook' in text
    assert WEBHOOK_TOKEN not in text
    assert headers['x-zm-signature'][3:] not in text
    assert expected_forged['x-zm-signature'][3:] not in text


# --- events -------------------------------------------------------------------------------------------------------

def test_meeting_updated_follows_zoom_without_calls(test_client, zoom_room_event, zoom_sim):
    room, event = zoom_room_event
    logs = log_count(event)
    resp = post_signed(test_client, event_body(
        'meeting.updated', room.data['zoom_id'], topic='Renamed on Zoom', agenda='New agenda', duration=90,
        start_time='2030-01-02T10:00:00Z', timezone='Europe/Zurich',
        settings={'waiting_room': True, 'host_video': True, 'audio': 'both'}))
    assert resp.status_code == 200
    assert resp.json == {'status': 'applied'}
    assert room.name == 'Renamed on Zoom'
    assert room.data['description'] == 'New agenda'
    assert room.data['waiting_room'] is True
    assert room.data['mute_host_video'] is False
    assert room.data['zoom']['duration'] == 90
    assert room.data['zoom']['start_time'] == '2030-01-02T10:00:00Z'
    assert 'audio' not in room.data['zoom']
    assert zoom_sim.requests() == []  # the payload was enough
    assert log_count(event) == logs + 1
    entry = last_log(event)
    assert entry.summary == 'Zoom meeting "Renamed on Zoom" was changed on Zoom'
    assert entry.data['Changed on Zoom'] == 'agenda, duration, settings, start_time, timezone, topic'


def test_password_change_without_join_url_gets_meeting_once(test_client, room, zoom_sim):
    zoom_id = room.data['zoom_id']
    old_url = room.data['join_url']
    # change it on Zoom's side first, so the GET returns the new join link
    zoom_sim.send_webhook('meeting.updated', zoom_id, changes={'password': '87654321'}, url='http://127.0.0.1:9/',
                          secret='unused')
    zoom_sim.clear_requests()
    resp = post_signed(test_client, event_body('meeting.updated', zoom_id, password='87654321'))
    assert resp.status_code == 200
    assert room.data['password'] == '87654321'
    sim_meeting = next(m for m in zoom_sim.meetings() if m['id'] == zoom_id)
    assert room.data['join_url'] == sim_meeting['join_url'] != old_url
    assert [(r['method'], r['path']) for r in zoom_sim.requests()] == [('GET', f'/v2/meetings/{zoom_id}')]
    assert 'start_url' not in json.dumps(room.data)


def test_password_change_with_join_url_needs_no_call(test_client, room, zoom_sim):
    zoom_id = room.data['zoom_id']
    resp = post_signed(test_client, event_body('meeting.updated', zoom_id, password='11112222',
                                               join_url=f'https://zoom.example/j/{zoom_id}?pwd=NEW'))
    assert resp.status_code == 200
    assert room.data['password'] == '11112222'
    assert room.data['join_url'] == f'https://zoom.example/j/{zoom_id}?pwd=NEW'
    assert zoom_sim.requests() == []


def test_password_change_when_zoom_is_down_drops_stale_pwd(test_client, room, zoom_sim):
    zoom_sim.fault(r'^/v2/(meetings|webinars)/', status=503, times=20)
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], password='33334444'))
    assert resp.status_code == 200
    assert room.data['password'] == '33334444'
    assert 'pwd=' not in room.data['join_url']
    assert str(room.data['zoom_id']) in room.data['join_url']


def test_host_change_to_indico_user(test_client, zoom_room_event, zoom_sim, create_user):
    room, event = zoom_room_event
    other = create_user(2, email='newhost@example.com', first_name='New', last_name='Host')
    zoom_user = zoom_sim.add_user('newhost@example.com', 'New', 'Host')
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], host_id=zoom_user['id']))
    assert resp.status_code == 200
    assert room.data['zoom_host_id'] == zoom_user['id']
    assert room.data['host'] == room.data['host_applied'] == other.identifier
    assert room.data['host_email'] == 'newhost@example.com'
    assert [(r['method'], r['path']) for r in zoom_sim.requests()] == [('GET', f'/v2/users/{zoom_user["id"]}')]
    entry = last_log(event)
    assert entry.data['New host'] == 'New Host (newhost@example.com)'


def test_host_change_with_email_in_payload_needs_no_call(test_client, room, zoom_sim, create_user):
    other = create_user(2, email='second@example.com')
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], host_id='zoomHost2',
                                               host_email='second@example.com'))
    assert resp.status_code == 200
    assert room.data['host'] == other.identifier
    assert zoom_sim.requests() == []


def test_host_change_to_someone_unknown_to_indico(test_client, room, zoom_sim, zoom_host):
    zoom_user = zoom_sim.add_user('outsider@zoom.example', 'Out', 'Sider')
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], host_id=zoom_user['id']))
    assert resp.status_code == 200
    assert room.data['zoom_host_id'] == zoom_user['id']
    assert room.data['host_email'] == 'outsider@zoom.example'
    assert room.data['host'] == zoom_host.identifier  # no Indico user to map to


def test_host_change_when_zoom_does_not_know_the_user(test_client, room, zoom_sim, zoom_host):
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], host_id='vanished'))
    assert resp.status_code == 200
    assert room.data['zoom_host_id'] == 'vanished'
    assert 'host_email' not in room.data  # the previous host's address would be wrong
    assert room.data['host'] == zoom_host.identifier
    assert [r['path'] for r in zoom_sim.requests()] == ['/v2/users/vanished']


def test_update_of_fields_not_mirrored_changes_nothing_visible(test_client, zoom_room_event, zoom_sim):
    room, event = zoom_room_event
    before, logs = json.loads(json.dumps(room.data)), log_count(event)
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'],
                                               recurrence={'type': 1}, tracking_fields=[]))
    assert resp.json == {'status': 'applied'}
    assert {k: v for k, v in room.data.items() if k != 'last_webhook'} == before
    assert log_count(event) == logs
    assert zoom_sim.requests() == []


def test_meeting_deleted(test_client, zoom_room_event, smtp, create_event, create_user, zoom_plugin):
    room, event = zoom_room_event
    zoom_plugin.settings.set('notification_emails', ['vc-admins@example.com'])
    other_event = create_event(title='Second event')
    other_manager = create_user(3, email='manager2@example.com')
    other_event.update_principal(other_manager, full_access=True)
    VCRoomEventAssociation(vc_room=room, linked_event=other_event, show=True, data={'password_visibility': 'no_one'})
    logs = {e: log_count(e) for e in (event, other_event)}
    resp = post_signed(test_client, event_body('meeting.deleted', room.data['zoom_id'], host_id='x', topic='Gone'))
    assert resp.status_code == 200
    assert room.status == VCRoomStatus.deleted
    for ev in (event, other_event):
        assert log_count(ev) == logs[ev] + 1
        entry = last_log(ev)
        assert entry.summary == 'Zoom meeting "Webhook meeting" was deleted on Zoom'
        assert entry.data['Zoom ID'] == room.data['zoom_id']
    assert len(smtp.outbox) == 2  # one per event
    assert all(m['Subject'].endswith('Videoconference deleted on Zoom: Webhook meeting') for m in smtp.outbox)
    recipients = [set(m.details.rcpttos) for m in smtp.outbox]
    assert any('manager2@example.com' in r for r in recipients)
    assert any(zoom_room_event[0].created_by_user.email in r for r in recipients)
    assert all('vc-admins@example.com' in r for r in recipients)
    # a second delivery (Zoom retries) changes nothing and sends nothing
    count = len(smtp.outbox)
    resp = post_signed(test_client, event_body('meeting.deleted', room.data['zoom_id']))
    assert resp.status_code == 200
    assert resp.json == {'status': 'ignored'}
    assert len(smtp.outbox) == count
    assert log_count(event) == logs[event] + 1


def test_converted_to_webinar_and_back(test_client, room, zoom_sim):
    zoom_id = room.data['zoom_id']
    resp = post_signed(test_client, event_body('meeting.converted_to_webinar', zoom_id, type=5,
                                               join_url=f'https://zoom.example/w/{zoom_id}?pwd=W'))
    assert resp.status_code == 200
    assert room.data['meeting_type'] == 'webinar'
    assert room.data['join_url'] == f'https://zoom.example/w/{zoom_id}?pwd=W'
    assert 'waiting_room' not in room.data['zoom']
    resp = post_signed(test_client, event_body('webinar.updated', zoom_id, topic='Now a webinar'))
    assert resp.json == {'status': 'applied'}
    assert room.name == 'Now a webinar'
    assert room.data['meeting_type'] == 'webinar'
    resp = post_signed(test_client, event_body('webinar.converted_to_meeting', zoom_id, type=2,
                                               join_url=f'https://zoom.example/j/{zoom_id}?pwd=M'))
    assert resp.json == {'status': 'applied'}
    assert room.data['meeting_type'] == 'meeting'
    assert zoom_sim.requests() == []
    resp = post_signed(test_client, event_body('meeting.deleted', zoom_id))
    assert resp.json == {'status': 'applied'}
    assert room.status == VCRoomStatus.deleted


def test_conversion_without_join_url_gets_meeting(test_client, room, zoom_sim):
    zoom_id = room.data['zoom_id']
    zoom_sim.send_webhook('meeting.converted_to_webinar', zoom_id, url='http://127.0.0.1:9/', secret='unused')
    zoom_sim.clear_requests()
    resp = post_signed(test_client, event_body('meeting.converted_to_webinar', zoom_id, type=5))
    assert resp.status_code == 200
    assert room.data['meeting_type'] == 'webinar'
    assert room.data['join_url'] == zoom_sim.webinars()[0]['join_url']
    assert [(r['method'], r['path']) for r in zoom_sim.requests()] == [('GET', f'/v2/webinars/{zoom_id}')]


def test_conversion_without_type_keeps_stored_type_consistent(test_client, room, zoom_sim):
    assert room.data['zoom']['zoom_type'] == 2
    resp = post_signed(test_client, event_body('meeting.converted_to_webinar', room.data['zoom_id'],
                                               join_url='https://zoom.example/w/1?pwd=W'))
    assert resp.json == {'status': 'applied'}
    assert room.data['meeting_type'] == 'webinar'
    assert room.data['zoom']['zoom_type'] == 5
    assert zoom_sim.requests() == []


def test_zoom_id_as_string(test_client, room):
    resp = post_signed(test_client, event_body('meeting.updated', str(room.data['zoom_id']), topic='String id'))
    assert resp.json == {'status': 'applied'}
    assert room.name == 'String id'


def test_room_with_string_zoom_id_is_found(test_client, db, room):
    zoom_id = room.data['zoom_id']
    room.data = {**room.data, 'zoom_id': str(zoom_id)}
    db.session.flush()
    resp = post_signed(test_client, event_body('meeting.updated', zoom_id, topic='Found anyway'))
    assert resp.json == {'status': 'applied'}
    assert room.name == 'Found anyway'


@pytest.mark.parametrize('payload', [
    event_body('meeting.updated', 1, topic='Nobody has this'),
    event_body('meeting.deleted', 999999999),
    {'event': 'meeting.registration_created', 'payload': {'object': {'id': 'whatever'}}},
    {'event': 'meeting.sharing_started', 'event_ts': 1, 'payload': {'object': {'id': '{zoom_id}'}}},
    event_body('meeting.started', 999999999),
    event_body('recording.completed', 999999999, share_url='https://zoom.example/rec/share/x'),
])
def test_unknown_meetings_and_events_are_ignored(test_client, zoom_room_event, payload):
    room, event = zoom_room_event
    payload = json.loads(json.dumps(payload).replace('"{zoom_id}"', str(room.data['zoom_id'])))
    before, logs = snapshot(room), log_count(event)
    resp = post_signed(test_client, payload)
    assert resp.status_code == 200
    assert resp.json == {'status': 'ignored'}
    assert snapshot(room) == before
    assert log_count(event) == logs


def test_deleted_room_is_not_updated(test_client, db, room):
    room.status = VCRoomStatus.deleted
    db.session.flush()
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], topic='Too late'))
    assert resp.json == {'status': 'ignored'}
    assert room.name == 'Webhook meeting'


def _malformed(zoom_id):
    ok = event_body('meeting.updated', zoom_id)
    obj = ok['payload']['object']
    return {
        'not json': b'{"event": ',
        'not utf-8': b'{"event": "\xff"}',
        'list': b'[1, 2]',
        'string': b'"meeting.updated"',
        'empty': b'',
        'deep': b'[' * 100000 + b']' * 100000,
        'huge int': b'{"event": "meeting.updated", "event_ts": ' + b'9' * 5000 + b'}',
        'no event': {'payload': {}},
        'event not a string': {'event': 5},
        'no event_ts': {k: v for k, v in ok.items() if k != 'event_ts'},
        'event_ts string': {**ok, 'event_ts': '123'},
        'event_ts bool': {**ok, 'event_ts': True},
        'no payload': {'event': 'meeting.deleted', 'event_ts': 1},
        'payload list': {**ok, 'payload': []},
        'no object': {**ok, 'payload': {'account_id': 'x'}},
        'object string': {**ok, 'payload': {'object': 'x'}},
        'no id': {**ok, 'payload': {'object': {'topic': 'x'}}},
        'id float': {**ok, 'payload': {'object': {**obj, 'id': 1.5}}},
        'id negative': {**ok, 'payload': {'object': {**obj, 'id': -zoom_id}}},
        'id word': {**ok, 'payload': {'object': {**obj, 'id': 'abc'}}},
        'id huge': {**ok, 'payload': {'object': {**obj, 'id': 10 ** 30}}},
        'topic int': {**ok, 'payload': {'object': {**obj, 'topic': 5}}},
        'topic empty': {**ok, 'payload': {'object': {**obj, 'topic': ' '}}},
        'password null': {**ok, 'payload': {'object': {**obj, 'password': None}}},
        'join_url scheme': {**ok, 'payload': {'object': {**obj, 'join_url': 'javascript:alert(1)'}}},
        'duration string': {**ok, 'payload': {'object': {**obj, 'duration': '60'}}},
        'type of webinar': {**ok, 'payload': {'object': {**obj, 'type': 5}}},
        'settings list': {**ok, 'payload': {'object': {**obj, 'settings': []}}},
        'setting string': {**ok, 'payload': {'object': {**obj, 'settings': {'waiting_room': 'yes'}}}},
        'host_id list': {**ok, 'payload': {'object': {**obj, 'host_id': ['a']}}},
        # valid JSON, but PostgreSQL cannot store NUL and UTF-8 has no lone surrogates
        'topic NUL': {**ok, 'payload': {'object': {**obj, 'topic': 'a\x00b'}}},
        'agenda surrogate': {**ok, 'payload': {'object': {**obj, 'agenda': '\ud800'}}},
        'host_id surrogate': {**ok, 'payload': {'object': {**obj, 'host_id': 'x\udfff'}}},
        'plainToken NUL': {'event': 'endpoint.url_validation', 'payload': {'plainToken': '\x00'}},
        'plainToken surrogate': {'event': 'endpoint.url_validation', 'payload': {'plainToken': '\ud800'}},
    }


@pytest.mark.parametrize('case', list(_malformed(1)))
def test_malformed_signed_payloads_are_400(test_client, zoom_room_event, case):
    room, event = zoom_room_event
    payload = _malformed(room.data['zoom_id'])[case]
    before, logs = snapshot(room), log_count(event)
    resp = post_signed(test_client, payload)
    assert resp.status_code == 400
    assert set(resp.json) == {'error'}
    assert len(resp.data) < 200
    assert snapshot(room) == before
    assert log_count(event) == logs


def test_same_event_twice_is_applied_once(test_client, zoom_room_event):
    room, event = zoom_room_event
    body = json.dumps(event_body('meeting.updated', room.data['zoom_id'], topic='Once')).encode()
    logs = log_count(event)
    assert post(test_client, body, signed_headers(body)).json == {'status': 'applied'}
    room.name = 'Renamed in Indico meanwhile'
    # Zoom retries with a new signature timestamp; the body is the same
    assert post(test_client, body, signed_headers(body, timestamp=int(time.time()) - 5)).json == \
        {'status': 'duplicate'}
    assert room.name == 'Renamed in Indico meanwhile'
    assert log_count(event) == logs + 1


def test_other_event_of_same_millisecond_is_applied(test_client, room):
    ts = int(time.time() * 1000)
    zoom_id = room.data['zoom_id']
    assert post_signed(test_client, event_body('meeting.updated', zoom_id, ts, topic='A')).json == \
        {'status': 'applied'}
    resp = post_signed(test_client, event_body('meeting.converted_to_webinar', zoom_id, ts, type=5,
                                               join_url='https://zoom.example/w/1'))
    assert resp.json == {'status': 'applied'}
    assert room.data['meeting_type'] == 'webinar'


def test_older_event_is_ignored(test_client, room):
    zoom_id = room.data['zoom_id']
    now = int(time.time() * 1000)
    assert post_signed(test_client, event_body('meeting.updated', zoom_id, now, topic='Newer')).json == \
        {'status': 'applied'}
    resp = post_signed(test_client, event_body('meeting.updated', zoom_id, now - 1000, topic='Older'))
    assert resp.status_code == 200
    assert resp.json == {'status': 'duplicate'}
    assert room.name == 'Newer'
