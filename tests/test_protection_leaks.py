"""The leaks of the black-box scan, on raw bytes: Indico's HTTP API cache (real Redis) after visibility,
registration and management changes, in every format and auth mode, and the meeting's own secrets typed into its
name/description by a manager or pasted into its agenda on Zoom."""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from indico.core.config import config
from indico.modules.api.models.keys import APIKey
from indico.modules.events.models.events import EventType
from indico.modules.events.registration.models.registrations import RegistrationState
from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm, LogKind
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation
from indico.web.http_api.handlers import normalizeQuery
from redis import from_url as redis_from_url
from sqlalchemy.orm.attributes import flag_modified
from test_protection_matrix import (
    ANONYMOUS,
    JOIN_URL,
    LOGGED,
    MANAGER,
    PASSCODE,
    PWD,
    REGISTRANT,
    ROOM_NAME,
    ZOOM_ID,
    Encoded,
    World,
    assert_secrets,
)
from test_webhooks import post_signed

from indico_vc_zoom.protection import EVERYONE, NO_ONE, REGISTERED
from indico_vc_zoom.redaction import REDACTED


#: every serializer of the export API; they share one cache entry (Indico drops the extension from the key)
FORMATS = ('json', 'jsonp', 'xml', 'ics', 'atom', 'html')
AUTH_MODES = ('anonymous', 'api_key', 'signed_api_key', 'session')


@pytest.fixture
def world(db, create_event, create_user, zoom_plugin):
    return lambda mode, **kw: World(db, create_event, create_user, mode, **kw)


class ApiCaller:
    """Calls ``/export/event/N.<format>`` as one viewer in one auth mode, without ``nc=yes`` (cache in play)."""

    def __init__(self, w, viewer, auth, test_client, login):
        self.w = w
        self.auth = auth
        self.user = w.users.get(viewer)
        assert (auth == 'anonymous') == (self.user is None)
        self.client = login(self.user) if auth == 'session' else test_client
        if auth in ('api_key', 'signed_api_key'):
            self.key = APIKey(token=str(uuid4()), secret=str(uuid4()), user=self.user)
            w.db.session.add(self.key)
            w.db.session.flush()

    def get(self, event, fmt='json', **params):
        path = f'/export/event/{event.id}.{fmt}'
        if self.auth in ('api_key', 'signed_api_key'):
            params['ak'] = self.key.token
        if self.auth == 'signed_api_key':
            params['timestamp'] = str(int(time.time()))
            query = urlencode(params)
            params['signature'] = hmac.new(self.key.secret.encode(), normalizeQuery(path, query).encode(),
                                           hashlib.sha1).hexdigest()
        headers = {}
        if self.auth == 'session':
            params['ca'] = 'yes'
            headers['X-CSRF-Token'] = self.client.csrf_token
        resp = self.client.get(f'{path}?{urlencode(params)}', headers=headers)
        assert resp.status_code == 200, (fmt, resp.status_code, resp.data[:500])
        return resp.get_data(as_text=True)


def api_entries(text):
    [result] = json.loads(text)['results']
    return result.get('videoconference', [])


def cached_api_answers():
    """The raw bytes Indico keeps in Redis for the HTTP API (what a later request is served from)."""
    redis = redis_from_url(config.REDIS_CACHE_URL)
    return [redis.get(key) for key in redis.keys('*legacy-http-api*')]


def assert_cache_has_no_secrets():
    answers = cached_api_answers()
    assert answers  # Indico did cache the answer: the checks below are not vacuous
    for raw in answers:
        assert ROOM_NAME.encode() in raw
        for secret in (JOIN_URL, PWD, PASSCODE, str(ZOOM_ID)):
            assert secret.encode() not in raw


def served_from_cache(w, caller, event, change_access):
    """Ask fresh (filling the cache), change access, ask again in every format; the answers are checked to come
    from the cache (a title changed meanwhile is not in them)."""
    fresh = caller.get(event)
    assert api_entries(fresh)[0]['cached'] is False
    assert_secrets([Encoded(fresh), json.dumps(json.loads(fresh))], full=True)
    assert_cache_has_no_secrets()
    change_access()
    old_title = event.title
    event.title = 'Renamed after the cache was filled'
    w.db.session.flush()
    answers = {fmt: caller.get(event, fmt) for fmt in FORMATS}
    for fmt, text in answers.items():
        assert old_title in text, fmt  # served from the cache
        assert 'Renamed after' not in text, fmt
    [entry] = api_entries(answers['json'])
    assert (entry['name'], entry['url'], entry['passcode'], entry['cached']) == (ROOM_NAME, None, None, True)
    assert 'zoom_id' not in entry
    return answers


@pytest.mark.parametrize('auth', AUTH_MODES)
def test_cached_api_answer_after_visibility_tightened(auth, world, test_client, login):
    """Scenario 1: everyone -> no one; the cached answer carries no link, in any format or auth mode."""
    w = world(EVERYONE)
    event = w.make_event(EventType.meeting)
    caller = ApiCaller(w, ANONYMOUS if auth == 'anonymous' else LOGGED, auth, test_client, login)

    def tighten():
        w.assoc.data = {**w.assoc.data, 'password_visibility': NO_ONE}
        flag_modified(w.assoc, 'data')

    answers = served_from_cache(w, caller, event, tighten)
    assert_secrets([Encoded(text) for text in answers.values()], full=False)
    # asked uncached, the answer is fresh and follows the new visibility
    fresh = caller.get(event, nc='yes')
    assert 'Renamed after' in fresh
    assert api_entries(fresh)[0]['visible_to'] == NO_ONE
    assert_secrets([Encoded(fresh), json.dumps(json.loads(fresh))], full=False)


@pytest.mark.parametrize('auth', ('api_key', 'session'))
@pytest.mark.parametrize('change', ('registration_withdrawn', 'management_lost'))
def test_cached_api_answer_after_access_lost(change, auth, world, test_client, login):
    """Scenario 2: a withdrawn registration or lost management; the cached answer carries no link."""
    if change == 'registration_withdrawn':
        w = world(REGISTERED)
        event = w.make_event(EventType.meeting)
        viewer = REGISTRANT

        def lose_access():
            w.registration.state = RegistrationState.withdrawn
    else:
        w = world(NO_ONE)
        event = w.make_event(EventType.meeting)
        viewer = MANAGER

        def lose_access():
            event.update_principal(w.users[MANAGER], full_access=False)
    caller = ApiCaller(w, viewer, auth, test_client, login)
    answers = served_from_cache(w, caller, event, lose_access)
    assert_secrets([Encoded(text) for text in answers.values()], full=False)
    assert not event.can_manage(w.users[viewer]) and not event.is_user_registered(w.users[viewer])
    assert_secrets([Encoded(caller.get(event, nc='yes'))], full=False)


def test_cached_copy_is_not_shared_between_requesters(world, test_client, login):
    """A manager's fresh answer fills the cache under the manager's key only, and even that copy has no link."""
    w = world(NO_ONE)
    event = w.make_event(EventType.meeting)
    manager = ApiCaller(w, MANAGER, 'api_key', test_client, login)
    fresh = manager.get(event)
    assert_secrets([Encoded(fresh), json.dumps(json.loads(fresh))], full=True)
    anonymous = ApiCaller(w, ANONYMOUS, 'anonymous', test_client, login)
    assert_secrets([Encoded(anonymous.get(event)), Encoded(anonymous.get(event, 'xml'))], full=False)
    assert len(cached_api_answers()) == 2
    assert_cache_has_no_secrets()


# --- the meeting's own secrets in its texts ----------------------------------------------------------------------

def edit_form(room, assoc, **changes):
    data = {'vc-name': room.name, 'vc-description': room.data.get('description') or '',
            'vc-password': room.data['password'], 'vc-password_visibility': NO_ONE, 'vc-host_choice': 'myself',
            'vc-linking': 'event', 'vc-show': 'y'}
    return {**data, **{f'vc-{key}': value for key, value in changes.items()}}


def anonymous_surfaces(test_client, event):
    """Raw bytes of every anonymous surface that shows a meeting's name or description."""
    return [Encoded(test_client.get(url).get_data(as_text=True))
            for url in (f'/event/{event.id}/', f'/event/{event.id}/videoconference/',
                        f'/export/event/{event.id}.json?nc=yes', f'/export/event/{event.id}.xml?nc=yes',
                        f'/event/{event.id}/event.ics')]


def assert_no_meeting_secrets(texts, room):
    join_url, passcode = room.data['join_url'], room.data['password']
    pwd = join_url.split('pwd=')[1]
    for text in texts:
        for secret in (join_url, pwd, passcode, str(room.data['zoom_id'])):
            assert secret not in text


@pytest.mark.parametrize('field', ('name', 'description'))
def test_manager_text_with_join_secrets_is_refused(field, zoom_room_event, login, zoom_host, zoom_sim, test_client,
                                                  db):
    """Scenario 3: an edit putting the meeting's link, pwd, passcode, ID or start URL into its text is refused."""
    room, event = zoom_room_event
    assoc = VCRoomEventAssociation.query.filter_by(event_id=event.id).one()
    [meeting] = zoom_sim.meetings()
    before = (room.name, json.dumps(room.data, sort_keys=True))
    secrets = [('the join link', room.data['join_url']), ('the passcode', room.data['password']),
               ('the join link', room.data['join_url'].split('pwd=')[1]),
               ('a link to the meeting or its Zoom ID', str(room.data['zoom_id'])),
               ('a start URL', meeting['start_url'])]
    client = login(zoom_host)
    for kind, value in secrets:
        text = f'Join: {value}' if field == 'description' else f'Sync {value}'[:60]
        resp = client.post(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/',
                           edit_form(room, assoc, **{field: text}))
        html = resp.json['html'] if resp.is_json and 'html' in resp.json else resp.get_data(as_text=True)
        assert not (resp.is_json and resp.json.get('success'))
        if field == 'description' or len(value) < 50:  # a name is cut at 60 characters: still this meeting's
            assert f'The {field} contains {kind} of this meeting' in html
        assert f'The {field} contains' in html
        assert f'the {field} is shown to people who may not see the join link' in html
    db.session.expire_all()
    assert (room.name, json.dumps(room.data, sort_keys=True)) == before
    assert [r for r in zoom_sim.requests() if r['method'] == 'PATCH'] == []
    assert_no_meeting_secrets(anonymous_surfaces(test_client, event), room)


def test_create_with_passcode_in_name_is_refused(db, zoom_plugin, zoom_host, create_event, login, zoom_sim):
    event = create_event(type_=EventType.meeting)
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Sync, code 55501234', 'vc-description': 'Passcode: 55501234', 'vc-password': '55501234',
        'vc-password_visibility': NO_ONE, 'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y',
        'vc-meeting_type': 'meeting'})
    html = resp.json['html']
    assert 'The name contains the passcode of this meeting' in html
    assert 'The description contains the passcode of this meeting' in html
    assert VCRoom.query.count() == 0
    assert zoom_sim.meetings() == []


def test_manager_text_without_secrets_is_saved(zoom_room_event, login, zoom_host, zoom_sim, db):
    room, event = zoom_room_event
    assoc = VCRoomEventAssociation.query.filter_by(event_id=event.id).one()
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/',
                                 edit_form(room, assoc, description='Agenda: room 81 on floor 2'))
    assert resp.json.get('success'), resp.json
    assert room.data['description'] == 'Agenda: room 81 on floor 2'


def zoom_side_update(zoom_sim, room, **changes):
    """Change the meeting on the simulator as a Zoom user would; returns the webhook Zoom sends about it."""
    result = zoom_sim.send_webhook('meeting.updated', id=room.data['zoom_id'], changes=changes,
                                   url='http://127.0.0.1:9/unreachable', secret='not-used')
    return result['sent']


def test_zoom_agenda_with_join_link_is_stored_redacted(zoom_room_event, zoom_sim, test_client, db):
    """Scenario 4: the agenda (and topic) edited on Zoom with the join link and passcode in them."""
    room, event = zoom_room_event
    join_url, passcode = room.data['join_url'], room.data['password']
    webhook = zoom_side_update(zoom_sim, room, agenda=f'Join here: {join_url} (passcode {passcode}). Bring slides.',
                               topic=f'Sync {passcode}')
    assert join_url in json.dumps(webhook)
    resp = post_signed(test_client, webhook)
    assert resp.status_code in (200, 204), resp.data
    db.session.expire_all()
    assert room.data['description'] == f'Join here: {REDACTED} (passcode {REDACTED}). Bring slides.'
    assert room.name == f'Sync {REDACTED}'
    assert json.dumps(room.data).count(join_url) == 1  # the join URL itself, nowhere else
    # kept only where the passcodes live (the phone passcode of an all-digit passcode is the same)
    assert passcode not in json.dumps({**room.data, 'password': None, 'zoom': {**room.data['zoom'], 'password': None},
                                       'dial_in': {**room.data['dial_in'], 'passcode': None}})
    assert_no_meeting_secrets(anonymous_surfaces(test_client, event), room)
    [entry] = (EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.management, kind=LogKind.change)
               .filter(EventLogEntry.summary.contains('join details removed')).all())
    assert entry.data['Removed from the description'] == 'the join link, the passcode'
    assert entry.data['Removed from the name'] == 'the passcode'
    for value in entry.data.values():
        assert join_url not in str(value) and passcode not in str(value)


def test_zoom_agenda_with_new_passcode_is_redacted_on_refresh(zoom_room_event, zoom_sim, login, zoom_host,
                                                              test_client, db):
    """Text arriving through a refresh (opening the edit form) is redacted too, also with a new passcode."""
    room, event = zoom_room_event
    zoom_side_update(zoom_sim, room, password='Zx9981', agenda='New code Zx9981, ID ' + str(room.data['zoom_id']))
    assoc = VCRoomEventAssociation.query.filter_by(event_id=event.id).one()
    client = login(zoom_host)
    for _ in range(2):  # Zoom keeps the text: the second refresh redacts it again, but logs nothing new
        resp = client.get(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/')
        assert resp.status_code == 200
    db.session.expire_all()
    assert room.data['password'] == 'Zx9981'
    assert room.data['description'] == f'New code {REDACTED}, ID {REDACTED}'
    assert_no_meeting_secrets(anonymous_surfaces(test_client, event), room)
    assert (EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.management, kind=LogKind.change)
            .filter(EventLogEntry.summary.contains('join details removed')).count()) == 1


@pytest.mark.parametrize(('text', 'expected', 'kinds'), (
    ('Join https://zoom.example/j/81234567890?pwd=SECRETpwdVALUE now', f'Join {REDACTED} now', ['the join link']),
    ('pwd SECRETpwdVALUE', f'pwd {REDACTED}', ['the join link']),
    ('Code: 73914682.', f'Code: {REDACTED}.', ['the passcode']),
    ('ID 812 3456 7890 or 812-3456-7890', f'ID {REDACTED} or {REDACTED}', ['a link to the meeting or its Zoom ID']),
    ('(https://zoom.example/s/81234567890?zak=tok)', f'({REDACTED})', ['a start URL']),
    ('any start https://zoom.example/s/1?zak=tok', f'any start {REDACTED}', ['a start URL']),
    ('Room 1812345678901, other meeting https://zoom.example/j/999', None, []),
))
def test_redaction_of_text(text, expected, kinds):
    from indico_vc_zoom.redaction import redact, secrets_pattern
    pattern = secrets_pattern(ZOOM_ID, [PASSCODE], [JOIN_URL])
    assert redact(text, pattern) == (expected or text, kinds)
