"""Join-link protection beyond the matrix: defaults, the passcode-less link, privileged viewers, registrations,
hidden/deleted associations, and a meeting created through the real UI flow (the simulator's start URL)."""

import json
import re
from datetime import timedelta

import pytest
from indico.core.db.sqlalchemy.protection import ProtectionMode
from indico.modules.events.models.events import EventType
from indico.modules.events.registration.models.registrations import RegistrationState
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from indico.util.date_time import now_utc
from test_protection_matrix import (
    ANONYMOUS,
    JOIN_URL,
    LOGGED,
    MANAGER,
    PASSCODE,
    PUBLIC_URL,
    PWD,
    REGISTRANT,
    ROOM_NAME,
    START_SECRET,
    ZOOM_ID,
    World,
    assert_secrets,
    unfold_ical,
)

from indico_vc_zoom.protection import (
    EVERYONE,
    INACCESSIBLE,
    LOGGED_IN,
    NO_ONE,
    NOTHING,
    REGISTERED,
    VISIBILITY_MODES,
    join_link_access,
)


@pytest.fixture
def world(db, create_event, create_user, zoom_plugin):
    return lambda mode, **kw: World(db, create_event, create_user, mode, **kw)


@pytest.fixture
def client_for(test_client, login):
    return lambda world, viewer: test_client if viewer == ANONYMOUS else login(world.users[viewer])


def checked_visibility(resp):
    """The value of the checked ``password_visibility`` radio button of a rendered form (a dialog: JSON)."""
    assert resp.status_code == 200
    html = resp.json['html'] if resp.is_json else resp.get_data(as_text=True)
    checked = [tag for tag in re.findall(r'<input[^>]*name="vc-password_visibility"[^>]*>', html)
               if re.search(r'\schecked\b', tag)]
    assert len(checked) == 1, checked
    return re.search(r'value="([^"]+)"', checked[0]).group(1)


def api_entries(client, event, query='nc=yes'):
    resp = client.get(f'/export/event/{event.id}.json?{query}')
    assert resp.status_code == 200
    [result] = json.loads(resp.get_data(as_text=True))['results']
    return result.get('videoconference', [])


@pytest.mark.parametrize('default', VISIBILITY_MODES)
def test_default_visibility_follows_setting(default, db, zoom_plugin, create_event, create_user, login):
    zoom_plugin.settings.set('default_visibility', default)
    manager = create_user(2004, email='manager@example.test')
    event = create_event(type_=EventType.meeting)
    event.update_principal(manager, full_access=True)
    db.session.flush()
    client = login(manager)
    assert checked_visibility(client.get(f'/event/{event.id}/manage/videoconference/zoom/create')) == default
    assert checked_visibility(client.get(f'/event/{event.id}/manage/videoconference/zoom/attach/')) == default


def test_stored_visibility_missing_follows_setting(db, zoom_plugin, create_event, create_user, world):
    w = world(LOGGED_IN)
    w.make_event()
    w.assoc.data = {}
    db.session.flush()
    logged_in = w.users[LOGGED]
    assert zoom_plugin.settings.get('default_visibility') == LOGGED_IN  # the shipped default
    assert join_link_access(None, w.assoc) is NOTHING
    assert join_link_access(logged_in, w.assoc).join_url == JOIN_URL
    zoom_plugin.settings.set('default_visibility', EVERYONE)
    assert join_link_access(None, w.assoc).join_url == JOIN_URL


@pytest.mark.parametrize(('mode', 'viewer'), ((LOGGED_IN, ANONYMOUS), (REGISTERED, ANONYMOUS), (REGISTERED, LOGGED),
                                               (NO_ONE, ANONYMOUS), (NO_ONE, LOGGED)))
def test_public_link_without_passcode(mode, viewer, world, client_for, test_client):
    """Viewers not allowed the passcode still get the link without it when the association says so."""
    w = world(mode, public_link=True)
    event = w.make_event(EventType.meeting)
    assert join_link_access(w.users.get(viewer), w.assoc).passcode is None  # a restricted case indeed
    client = client_for(w, viewer)
    page = client.get(f'/event/{event.id}/').get_data(as_text=True)
    ics = unfold_ical(client.get(f'/event/{event.id}/event.ics').get_data(as_text=True))
    for text in (page, ics):
        assert PUBLIC_URL in text
        assert_secrets([text], full=False, public_link=True)
    assert 'Join link restricted' not in page  # the Join button leads to the passcode-less link
    [entry] = api_entries(test_client, event) if viewer == ANONYMOUS else [None]
    if entry is not None:
        assert (entry['url'], entry['passcode'], entry['zoom_id']) == (PUBLIC_URL, None, ZOOM_ID)


@pytest.mark.parametrize('who', ('host', 'service_manager', 'admin'))
def test_privileged_viewers_see_all_even_for_no_one(who, db, world, create_user, login, zoom_plugin):
    w = world(NO_ONE)
    event = w.make_event(EventType.meeting)
    if who == 'host':
        user = w.host
    elif who == 'service_manager':
        user = create_user(2010, email='zoom-manager@example.test')
        zoom_plugin.settings.acls.add_principal('managers', user)
    else:
        user = create_user(2011, email='admin@example.test', admin=True)
    assert not event.can_manage(user) or who == 'admin'
    page = login(user).get(f'/event/{event.id}/').get_data(as_text=True)
    assert_secrets([page], full=True)
    # ... and an ordinary logged-in user does not
    page = login(w.users[LOGGED]).get(f'/event/{event.id}/').get_data(as_text=True)
    assert ROOM_NAME in page
    assert_secrets([page], full=False)


@pytest.mark.parametrize('state', (RegistrationState.pending, RegistrationState.withdrawn,
                                   RegistrationState.rejected, 'deleted'))
def test_inactive_registration_is_not_registered(state, db, world, create_user, login):
    w = world(REGISTERED)
    event = w.make_event(EventType.meeting)
    user = create_user(2020, email='almost@example.test')
    if state == 'deleted':
        w.register(user, RegistrationState.complete).is_deleted = True
    else:
        w.register(user, state)
    db.session.flush()
    page = login(user).get(f'/event/{event.id}/').get_data(as_text=True)
    assert ROOM_NAME in page
    assert_secrets([page], full=False)
    # the fixture's complete registration does count
    page = login(w.users[REGISTRANT]).get(f'/event/{event.id}/').get_data(as_text=True)
    assert_secrets([page], full=True)


@pytest.mark.parametrize('change', ('hidden', 'deleted'))
def test_hidden_or_deleted_association_is_nowhere(change, db, world, test_client, login):
    w = world(EVERYONE)
    event = w.make_event(EventType.meeting)
    if change == 'hidden':
        w.assoc.show = False
    else:
        w.vc_room.status = VCRoomStatus.deleted
    db.session.flush()
    for client in (test_client, login(w.users[MANAGER])):
        page = client.get(f'/event/{event.id}/').get_data(as_text=True)
        ics = client.get(f'/event/{event.id}/event.ics').get_data(as_text=True)
        assert_secrets([page, unfold_ical(ics)], full=False)
    assert api_entries(test_client, event) == []
    if change == 'deleted':
        assert join_link_access(w.users[MANAGER], w.assoc) is NOTHING


def test_protected_contribution_room_not_in_api(db, world, test_client):
    w = world(EVERYONE)
    event = w.make_event(EventType.meeting, link_to='contribution')
    contribution = w.assoc.link_object
    assert [e['linked_to'] for e in api_entries(test_client, event)] == ['contribution']
    contribution.protection_mode = contribution.protection_mode.protected
    db.session.flush()
    assert api_entries(test_client, event) == []


@pytest.mark.parametrize('protected', ('event', 'contribution'))
def test_linked_object_access_is_needed_by_privileged_viewers_too(protected, db, world, create_user, zoom_plugin):
    """The host and Zoom service managers see nothing of a meeting linked to what they cannot access."""
    w = world(EVERYONE)
    w.make_event(EventType.meeting, link_to='contribution' if protected == 'contribution' else None)
    service_manager = create_user(2010, email='zoom-manager@example.test')
    zoom_plugin.settings.acls.add_principal('managers', service_manager)
    assert join_link_access(w.host, w.assoc).join_url == JOIN_URL
    obj = w.event if protected == 'event' else w.assoc.link_object
    obj.protection_mode = ProtectionMode.protected
    db.session.flush()
    for user in (None, w.host, service_manager, w.users[LOGGED]):
        assert join_link_access(user, w.assoc) is INACCESSIBLE
    assert join_link_access(w.users[MANAGER], w.assoc).join_url == JOIN_URL
    assert join_link_access(create_user(2011, email='admin@example.test', admin=True), w.assoc).join_url == JOIN_URL


def test_real_meeting_never_shows_the_start_url(db, smtp, zoom_plugin, zoom_host, zoom_sim, create_event, login,
                                                test_client):
    """A meeting created through the UI against the simulator: its join link where allowed, its start URL nowhere."""
    start = now_utc() + timedelta(days=2)
    event = create_event(type_=EventType.lecture, start_dt=start, end_dt=start + timedelta(hours=2))
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    manager = login(zoom_host)
    resp = manager.post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Real meeting', 'vc-description': '', 'vc-password': '55501234',
        'vc-password_visibility': REGISTERED, 'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y',
        'vc-meeting_type': 'meeting',
    })
    assert resp.status_code == 200, resp.data
    [meeting] = zoom_sim.meetings()
    start_url, join_url = meeting['start_url'], meeting['join_url']
    zak = re.search(r'zak=([^&]+)', start_url).group(1)
    room = VCRoom.query.filter_by(name='Real meeting').one()
    assert room.data['join_url'] == join_url
    assert 'start_url' not in json.dumps(room.data)
    outputs = {}
    for name, client in (('manager', manager), ('anonymous', test_client)):
        outputs[name] = [client.get(f'/event/{event.id}/').get_data(as_text=True),
                         unfold_ical(client.get(f'/event/{event.id}/event.ics').get_data(as_text=True)),
                         client.get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)]
    outputs['anonymous'].append(test_client.get(f'/export/event/{event.id}.json?nc=yes').get_data(as_text=True))
    outputs['e-mails'] = [message.as_string() for message in smtp.outbox]
    assert outputs['e-mails']  # the creation e-mail
    for texts in outputs.values():
        for text in texts:
            assert start_url not in text
            assert zak not in text
            assert START_SECRET not in text
    assert join_url in outputs['manager'][0]
    assert '55501234' in outputs['manager'][0]
    assert all(join_url not in text and '55501234' not in text and 'pwd=' not in text for text in outputs['anonymous'])


def test_secret_constants_are_distinct():
    # the absence checks are only meaningful if these strings cannot appear by accident
    assert PWD in JOIN_URL and PASSCODE not in JOIN_URL and str(ZOOM_ID) in PUBLIC_URL and 'pwd' not in PUBLIC_URL
