"""Meetings and webinars: CRUD shapes, status codes, validation, schedule_for."""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoom_simulator.pytest_plugin import zoom_view


ISO_Z = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


def test_create_meeting_shape(api, sim):
    meeting = api.create(topic='Weekly sync', type=2, start_time='2030-03-04T10:00:00Z', duration=45,
                         timezone='Europe/Zurich', agenda='Talk', password='abc123',
                         settings={'waiting_room': True, 'join_before_host': True})
    alice = api.get('/users/me').json()
    assert isinstance(meeting['id'], int)
    assert 10**9 <= meeting['id'] < 10**11  # 10-11 digits, like Zoom's
    assert len(str(meeting['id'])) in (10, 11)
    assert meeting['uuid'] and meeting['uuid'] != str(meeting['id'])
    assert (meeting['host_id'], meeting['host_email']) == (alice['id'], alice['email'])
    assert 'assistant_id' not in meeting
    assert (meeting['topic'], meeting['type'], meeting['status']) == ('Weekly sync', 2, 'waiting')
    assert meeting['start_time'] == '2030-03-04T10:00:00Z'
    assert (meeting['duration'], meeting['timezone'], meeting['agenda']) == (45, 'Europe/Zurich', 'Talk')
    assert ISO_Z.match(meeting['created_at'])
    assert meeting['password'] == 'abc123'
    assert meeting['h323_password'].isdigit()
    assert meeting['pstn_password'] == meeting['h323_password']
    assert meeting['encrypted_password']
    assert meeting['join_url'] == f'{sim.url}/j/{meeting["id"]}?pwd={meeting["encrypted_password"]}'
    assert re.fullmatch(rf'{re.escape(sim.url)}/s/{meeting["id"]}\?zak=[\w-]+', meeting['start_url'])
    assert meeting['pre_schedule'] is False
    settings_ = meeting['settings']
    assert settings_['waiting_room'] is True
    assert settings_['join_before_host'] is True
    # defaults filled in like Zoom does
    assert settings_['host_video'] is False
    assert settings_['participant_video'] is False
    assert settings_['mute_upon_entry'] is False
    assert settings_['auto_recording'] == 'none'
    assert settings_['alternative_hosts'] == ''
    assert settings_['approval_type'] == 2
    assert zoom_view(sim.meetings()) == [meeting]


def test_numeric_password_is_its_own_phone_password(api):
    meeting = api.create(password='123456')
    assert meeting['h323_password'] == meeting['pstn_password'] == '123456'


def test_generated_password_and_defaults(api):
    meeting = api.create()
    assert meeting['type'] == 2
    assert meeting['topic'] == 'Zoom Meeting'
    assert meeting['duration'] == 60
    assert ISO_Z.match(meeting['start_time'])
    assert re.fullmatch(r'[A-Za-z0-9]{6}', meeting['password'])
    assert 'pwd=' in meeting['join_url']


def test_local_start_time_uses_timezone(api):
    meeting = api.create(start_time='2030-07-01T10:00:00', timezone='Europe/Zurich')
    assert meeting['start_time'] == '2030-07-01T08:00:00Z'  # CEST is UTC+2


@pytest.mark.parametrize('meeting_type', [1, 3, 8])
def test_start_time_only_for_scheduled_types(api, meeting_type):
    meeting = api.create(type=meeting_type, start_time='2030-03-04T10:00:00Z')
    assert meeting['type'] == meeting_type
    assert 'start_time' not in meeting


def test_get_patch_delete(api, sim):
    meeting = api.create(topic='Before', settings={'waiting_room': True, 'mute_upon_entry': True})
    path = f'/meetings/{meeting["id"]}'

    resp = api.get(path)
    assert resp.status_code == 200
    assert resp.json() == meeting

    resp = api.patch(path, json={'topic': 'After', 'duration': 90, 'password': 'newpw',
                                 'settings': {'waiting_room': False, 'host_video': True}})
    assert resp.status_code == 204
    assert resp.content == b''
    updated = api.get(path).json()
    assert (updated['topic'], updated['duration'], updated['password']) == ('After', 90, 'newpw')
    # settings are merged key by key
    assert updated['settings']['waiting_room'] is False
    assert updated['settings']['host_video'] is True
    assert updated['settings']['mute_upon_entry'] is True
    # a new passcode means a new pwd= in the join link
    assert updated['encrypted_password'] != meeting['encrypted_password']
    assert updated['join_url'].endswith(f'?pwd={updated["encrypted_password"]}')
    assert (updated['uuid'], updated['host_id'], updated['created_at']) == \
        (meeting['uuid'], meeting['host_id'], meeting['created_at'])

    resp = api.delete(path)
    assert resp.status_code == 204
    assert resp.content == b''
    resp = api.get(path)
    assert resp.status_code == 404
    assert resp.json() == {'code': 3001, 'message': f'Meeting does not exist: {meeting["id"]}.'}
    assert api.delete(path).status_code == 404
    assert api.patch(path, json={'topic': 'x'}).status_code == 404
    assert sim.meetings() == []


def test_patch_type_and_start_time(api):
    meeting = api.create(type=3)
    path = f'/meetings/{meeting["id"]}'
    assert api.patch(path, json={'type': 2, 'start_time': '2031-01-02T03:04:05Z'}).status_code == 204
    updated = api.get(path).json()
    assert (updated['type'], updated['start_time']) == (2, '2031-01-02T03:04:05Z')
    assert api.patch(path, json={'type': 3}).status_code == 204
    assert 'start_time' not in api.get(path).json()


def test_unknown_settings_keys_are_dropped(api):
    # Zoom ignores keys it does not know; only strict mode catches the typo.
    meeting = api.create(settings={'waiting_rooms': True})
    assert 'waiting_rooms' not in meeting['settings']
    assert meeting['settings']['waiting_room'] is False


@pytest.mark.parametrize(('kind', 'bad_type'), [('meeting', 4), ('meeting', 5), ('meeting', '2'), ('meeting', True),
                                                ('webinar', 2), ('webinar', 7)])
def test_type_validation(api, kind, bad_type):
    resp = api.post(f'/users/me/{kind}s', json={'topic': 'x', 'type': bad_type})
    assert resp.status_code == 400
    body = resp.json()
    assert body['code'] == 300
    assert body['message'] == 'Invalid field.'
    assert [e['field'] for e in body['errors']] == ['type']
    assert body['errors'][0]['message']


def test_patch_type_validation(api):
    meeting = api.create()
    resp = api.patch(f'/meetings/{meeting["id"]}', json={'type': 5})
    assert resp.status_code == 400
    assert resp.json()['errors'][0]['field'] == 'type'
    assert api.get(f'/meetings/{meeting["id"]}').json()['type'] == 2


@pytest.mark.parametrize('password', ['12345678901', 'has space', 'bad!', 'äöü', 42])
def test_invalid_password(api, password):
    resp = api.post('/users/me/meetings', json={'password': password})
    assert resp.status_code == 400
    body = resp.json()
    assert body['code'] == 300
    assert body['errors'][0]['field'] == 'password'


@pytest.mark.parametrize(('field', 'value'), [('duration', 'long'), ('duration', -5), ('start_time', 'tomorrow'),
                                              ('timezone', 'Mars/Olympus'), ('topic', 'x' * 201),
                                              ('settings', 'on'), ('settings', {'waiting_room': 'yes'}),
                                              ('settings', {'auto_recording': 'tape'})])
def test_field_validation(api, field, value):
    resp = api.post('/users/me/meetings', json={field: value})
    assert resp.status_code == 400
    body = resp.json()
    assert body['code'] == 300
    assert body['errors'][0]['field'].split('.')[0] == field


@given(password=st.text(alphabet='abcXYZ019@-_*!# ."é', max_size=13))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_password_rule_property(api, sim, password):
    sim.configure(daily_limit=None)
    resp = api.post('/users/me/meetings', json={'password': password})
    valid = len(password) <= 10 and all(c.isascii() and (c.isalnum() or c in '@-_*') for c in password)
    assert resp.status_code == (201 if valid else 400), (password, resp.text)
    if valid:
        assert resp.json()['password'] == password


@pytest.mark.parametrize('raw', [b'{not json', b'[1, 2]', b'', b'"text"'])
def test_body_must_be_json_object(api, raw):
    resp = api.post('/users/me/meetings', data=raw, headers={'Content-Type': 'application/json'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 300, 'message': 'Request Body should be a valid JSON object.'}


def test_create_for_unknown_user(api, sim):
    resp = api.post('/users/ghost@example.com/meetings', json={'topic': 'x'})
    assert resp.status_code == 404
    assert resp.json() == {'code': 1001, 'message': 'User does not exist: ghost@example.com.'}
    assert sim.meetings() == []


def test_schedule_for_on_create(api, sim):
    """Zoom documents 400/3000 'You cannot schedule a meeting for {0}.' for POST /users/{userId}/meetings:
    the path user needs scheduling privilege (be the target's assistant) to use schedule_for."""
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    alice = api.get('/users/me').json()
    resp = api.post('/users/me/meetings', json={'topic': 'For Bob', 'schedule_for': 'bob@example.com'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 3000, 'message': 'You cannot schedule a meeting for bob@example.com.'}
    assert sim.meetings() == []
    assert api.post(f'/users/{bob["id"]}/assistants', json={'assistants': [{'id': alice['id']}]}).status_code == 201
    meeting = api.create(user='me', topic='For Bob', schedule_for='bob@example.com')
    assert (meeting['host_id'], meeting['host_email']) == (bob['id'], 'bob@example.com')
    assert meeting['assistant_id'] == alice['id']
    [view] = sim.meetings()
    assert view['_simulator']['scheduler_id'] == alice['id']
    assert view['_simulator']['scheduler_email'] == 'alice@example.com'
    # scheduling for oneself needs no privilege and sets no assistant
    assert 'assistant_id' not in api.create(user='bob@example.com', schedule_for=bob['id'])


def test_schedule_for_refused_after_the_assistant_is_removed(api, sim):
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    alice = api.get('/users/me').json()
    api.post(f'/users/{bob["id"]}/assistants', json={'assistants': [{'id': alice['id']}]})
    assert api.create(schedule_for=bob['id'])['host_id'] == bob['id']
    assert api.delete(f'/users/{bob["id"]}/assistants/{alice["id"]}').status_code == 204
    resp = api.post('/users/me/meetings', json={'schedule_for': bob['id']})
    assert (resp.status_code, resp.json()['code']) == (400, 3000)


def test_schedule_for_instant_meeting_of_another_user(api, sim):
    """Zoom documents 400/3000 'Instant meetings do not support the schedule_for parameter'."""
    bob = sim.add_user('bob@example.com')
    alice = api.get('/users/me').json()
    api.post(f'/users/{bob["id"]}/assistants', json={'assistants': [{'id': alice['id']}]})
    resp = api.post('/users/me/meetings', json={'type': 1, 'schedule_for': bob['id']})
    assert resp.status_code == 400
    assert resp.json()['code'] == 3000
    assert 'Instant meetings do not support the schedule_for parameter' in resp.json()['message']


def test_schedule_for_unknown_user(api, sim):
    resp = api.post('/users/me/meetings', json={'schedule_for': 'ghost@example.com'})
    assert resp.status_code == 404
    assert resp.json() == {'code': 1001, 'message': 'User does not exist: ghost@example.com.'}
    assert sim.meetings() == []


def test_schedule_for_on_patch_needs_the_schedulers_privilege(api, sim):
    """Zoom documents 400/3000 'You cannot schedule a meeting for "{0}".' for PATCH /meetings/{meetingId}; the
    account acting is the meeting's scheduler."""
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    alice = api.get('/users/me').json()
    meeting = api.create()
    path = f'/meetings/{meeting["id"]}'
    resp = api.patch(path, json={'schedule_for': bob['id']})
    assert resp.status_code == 400
    assert resp.json() == {'code': 3000, 'message': 'You cannot schedule a meeting for "bob@example.com".'}
    assert api.get(path).json()['host_id'] == alice['id']
    api.post(f'/users/{bob["id"]}/assistants', json={'assistants': [{'id': alice['id']}]})
    assert api.patch(path, json={'schedule_for': bob['id']}).status_code == 204
    updated = api.get(path).json()
    assert (updated['host_id'], updated['host_email']) == (bob['id'], 'bob@example.com')
    assert updated['assistant_id'] == alice['id']
    assert sim.meetings()[0]['_simulator']['scheduler_id'] == alice['id']
    resp = api.patch(path, json={'schedule_for': 'ghost@example.com'})
    assert resp.status_code == 404
    assert resp.json()['code'] == 1001
    # back to the scheduler itself: always allowed, and no assistant any more
    assert api.patch(path, json={'schedule_for': alice['id']}).status_code == 204
    back = api.get(path).json()
    assert back['host_id'] == alice['id']
    assert 'assistant_id' not in back


def test_patch_of_a_meeting_created_by_an_assistant_acts_as_the_assistant(api, sim):
    bob = sim.add_user('bob@example.com')
    carol = sim.add_user('carol@example.com')
    alice = api.get('/users/me').json()
    for host in (bob, carol):
        api.post(f'/users/{host["id"]}/assistants', json={'assistants': [{'id': alice['id']}]})
    meeting = api.create(schedule_for=bob['id'])
    # alice (the scheduler) may move it to carol although bob is no assistant of carol
    assert api.patch(f'/meetings/{meeting["id"]}', json={'schedule_for': carol['id']}).status_code == 204
    assert api.get(f'/meetings/{meeting["id"]}').json()['host_id'] == carol['id']


@pytest.mark.parametrize('webinar_type', [5, 6, 9])
def test_webinar_types(api, sim, webinar_type):
    webinar = api.create('webinar', topic='Talk', type=webinar_type, start_time='2030-03-04T10:00:00Z')
    assert webinar['type'] == webinar_type
    assert ('start_time' in webinar) == (webinar_type == 5)
    assert webinar['join_url'].startswith(f'{sim.url}/w/{webinar["id"]}?pwd=')
    assert webinar['settings']['panelists_video'] is False
    assert webinar['settings']['contact_email'] == 'alice@example.com'
    assert zoom_view(sim.webinars()) == [webinar]
    assert sim.meetings() == []


def test_webinar_crud_and_kind_separation(api):
    webinar = api.create('webinar', topic='Talk')
    meeting = api.create('meeting', topic='Sync')
    assert webinar['type'] == 5
    wpath = f'/webinars/{webinar["id"]}'
    assert api.get(wpath).json() == webinar
    resp = api.get(f'/webinars/{meeting["id"]}')
    assert resp.status_code == 404
    assert resp.json() == {'code': 3001, 'message': f'Webinar does not exist: {meeting["id"]}.'}
    resp = api.get(f'/meetings/{webinar["id"]}')
    assert resp.status_code == 404
    assert resp.json() == {'code': 3001, 'message': f'Meeting does not exist: {webinar["id"]}.'}
    assert api.patch(wpath, json={'topic': 'Talk 2', 'settings': {'question_and_answer': {'enable': False}}}) \
        .status_code == 204
    updated = api.get(wpath).json()
    assert updated['topic'] == 'Talk 2'
    assert updated['settings']['question_and_answer'] == {'enable': False}
    assert api.delete(wpath).status_code == 204
    assert api.get(wpath).status_code == 404
    assert api.get(f'/meetings/{meeting["id"]}').status_code == 200


def test_non_numeric_meeting_id(api):
    resp = api.get('/meetings/abc')
    assert resp.status_code == 404
    assert resp.json()['code'] == 3001


def test_unknown_route(api):
    resp = api.get('/nothing/here')
    assert resp.status_code == 404
    assert resp.json()['code'] == 404
    assert api.request('PUT', '/meetings/1').status_code == 405


def test_list_meetings_of_user(api, sim):
    bob = sim.add_user('bob@example.com')
    mine = api.create(topic='Mine')
    api.create(user=bob['id'], topic='Bob')
    listed = api.get('/users/me/meetings').json()
    assert [m['id'] for m in listed['meetings']] == [mine['id']]


def test_join_link_page(api, http):
    meeting = api.create()
    assert http.get(meeting['join_url']).status_code == 200
    assert http.get(meeting['start_url']).status_code == 200
    api.delete(f'/meetings/{meeting["id"]}')
    assert http.get(meeting['join_url']).status_code == 404


def _response_schema(spec, path, method, status):
    return spec['paths'][path][method]['responses'][status]['content']['application/json']['schema']


def test_responses_match_zoom_spec(api, sim, spec_path):
    """What the simulator answers fits the response schemas of Zoom's OpenAPI description."""
    from openapi_schema_validator import OAS30Validator

    with open(spec_path, encoding='utf-8') as f:
        spec = json.load(f)
    sim.add_user('bob@example.com')
    api.post('/users/me/assistants', json={'assistants': [{'email': 'bob@example.com'}]})
    meeting = api.create(topic='x', settings={'waiting_room': True})
    webinar = api.create('webinar', topic='y')
    checks = [
        ('/users/{userId}/meetings', 'post', '201', meeting),
        ('/meetings/{meetingId}', 'get', '200', api.get(f'/meetings/{meeting["id"]}').json()),
        ('/users/{userId}/webinars', 'post', '201', webinar),
        ('/webinars/{webinarId}', 'get', '200', api.get(f'/webinars/{webinar["id"]}').json()),
        ('/users/{userId}', 'get', '200', api.get('/users/me').json()),
        ('/users/{userId}/assistants', 'get', '200', api.get('/users/me/assistants').json()),
    ]
    for path, method, status, body in checks:
        errors = [e.message for e in OAS30Validator(_response_schema(spec, path, method, status)).iter_errors(body)]
        assert errors == [], (path, method, errors)


def test_empty_password_means_no_passcode(api):
    meeting = api.create(password='')
    assert (meeting['password'], meeting['encrypted_password']) == ('', '')
    assert 'pwd=' not in meeting['join_url']
