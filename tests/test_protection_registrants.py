"""The protection matrix in registration mode: each registrant's personal Zoom link reaches that registrant only.

The meeting requires Zoom registration; two registrants have personal links (stored as the sync stores them). On
every surface, in the raw bytes served or sent: a registrant finds their own link and never the other's, never the
general link, its passcode or the phone dial-in; a logged-in user who is not registered, an anonymous visitor, an
iCal file (downloaded or e-mailed) and an e-mail for someone else carry no personal link at all; the event's
manager sees the general link (as the host would) and no personal link on the event's pages.
"""

import json
from uuid import uuid4

import pytest
from indico.modules.api.models.keys import APIKey
from indico.modules.events.layout import layout_settings
from indico.modules.events.models.events import EventType
from indico.modules.events.registration.models.registrations import RegistrationState
from indico.modules.events.registration.notifications import notify_registration_creation
from indico.modules.events.reminders.models.reminders import EventReminder
from indico.util.date_time import now_utc
from sqlalchemy.orm.attributes import flag_modified
from test_protection_matrix import (
    ANONYMOUS,
    DIAL_NUMBER,
    JOIN_URL,
    LOGGED,
    MANAGER,
    PASSCODE,
    PHONE_PASSCODE,
    PWD,
    REGISTRANT,
    ROOM_NAME,
    START_SECRET,
    ZOOM_ID,
    Encoded,
    World,
    ical_attachments,
    mail_texts,
    page_text,
    unfold_ical,
)

from indico_lines import STANDARD_REMINDER
from indico_vc_zoom.models.zoom_registrants import APPROVED, ZoomRegistrant
from indico_vc_zoom.protection import EVERYONE


OTHER = 'other_registrant'
VIEWERS = (ANONYMOUS, LOGGED, REGISTRANT, OTHER, MANAGER)
TOKENS = {REGISTRANT: 'PERSONALtokenAAAA', OTHER: 'PERSONALtokenBBBB'}
PERSONAL = {viewer: f'https://zoom.example/w/{ZOOM_ID}?tk={token}' for viewer, token in TOKENS.items()}
SURFACES = ('lecture_page', 'meeting_page', 'conference_home', 'conference_vc_page', 'meeting_timetable',
            'conference_timetable', 'event_ical', 'category_ical', 'http_api', 'reminder_ical', 'registration_emails',
            'registration_page')


@pytest.fixture
def world(db, create_event, create_user, zoom_plugin):
    return lambda mode, **kw: World(db, create_event, create_user, mode, **kw)


@pytest.fixture
def client_for(test_client, login):
    return lambda w, viewer: test_client if viewer == ANONYMOUS else login(w.users[viewer])


def registration_world(world, create_user, zoom_plugin, type_=EventType.meeting, link_to=None):
    """The matrix's world, its meeting in registration mode (even with the most open visibility), two registrants
    with their personal links."""
    zoom_plugin.settings.set('allow_registration', True)
    w = world(EVERYONE)
    w.users[OTHER] = create_user(2005, first_name='Olga', last_name='Other', email='other.registrant@example.test')
    event = w.make_event(type_, link_to=link_to)
    w.vc_room.data['registration'] = True
    flag_modified(w.vc_room, 'data')
    registrations = {REGISTRANT: w.registration, OTHER: w.register(w.users[OTHER], RegistrationState.complete)}
    for viewer, registration in registrations.items():
        w.db.session.add(ZoomRegistrant(vc_room_id=w.vc_room.id, registration_id=registration.id,
                                        zoom_registrant_id=f'reg-{viewer}', email=registration.email,
                                        first_name=registration.first_name, last_name=registration.last_name,
                                        join_url=PERSONAL[viewer], status=APPROVED))
    w.db.session.flush()
    w.registrations = registrations
    return w, event


def assert_only(texts, viewer, general=False, own=True):
    """No personal link but the viewer's own (present when ``own``), the general link only when ``general``."""
    decoded = '\n'.join(t for t in texts if not isinstance(t, Encoded))
    for text in texts:
        assert START_SECRET not in text
        for other, token in TOKENS.items():
            if other != viewer or not own:
                assert token not in text, f'{other} link in what {viewer} gets'
        if not general:
            for secret in (JOIN_URL, f'pwd={PWD}', PASSCODE, PHONE_PASSCODE, DIAL_NUMBER):
                assert secret not in text
    if own and viewer in TOKENS:
        assert PERSONAL[viewer] in decoded
    if general:
        assert JOIN_URL in decoded


def api_query(w, viewer):
    if viewer == ANONYMOUS:
        return 'nc=yes'
    key = APIKey(token=str(uuid4()), secret=str(uuid4()), user=w.users[viewer])
    w.db.session.add(key)
    w.db.session.flush()
    return f'nc=yes&ak={key.token}'


@pytest.mark.parametrize('viewer', VIEWERS)
@pytest.mark.parametrize('surface', SURFACES)
def test_personal_links_reach_their_registrant_only(surface, viewer, world, create_user, zoom_plugin, client_for,
                                                    smtp, app):
    link_to = 'contribution' if surface.endswith('timetable') else None
    type_ = {'lecture_page': EventType.lecture, 'conference_home': EventType.conference,
             'conference_vc_page': EventType.conference, 'conference_timetable': EventType.conference}.get(
        surface, EventType.meeting)
    w, event = registration_world(world, create_user, zoom_plugin, type_, link_to)
    client = client_for(w, viewer)
    manager = viewer == MANAGER
    if surface in ('lecture_page', 'meeting_page', 'conference_vc_page', 'meeting_timetable',
                   'conference_timetable', 'conference_home'):
        url = f'/event/{event.id}/' + {'conference_vc_page': 'videoconference/',
                                       'conference_timetable': 'timetable/?view=standard'}.get(surface, '')
        if surface == 'conference_home':
            layout_settings.set(event, 'show_vc_rooms', True)
        text = page_text(client.get(url))
        if surface != 'conference_home':
            assert ROOM_NAME in text or f'id="vc-room-{w.assoc.id}"' in text
        assert_only([text], viewer, general=manager)
    elif surface in ('event_ical', 'category_ical'):
        url = f'/event/{event.id}/event.ics' if surface == 'event_ical' else f'/category/{event.category_id}/events.ics'
        raw = client.get(url).get_data(as_text=True)
        assert 'BEGIN:VEVENT' in raw
        assert_only([Encoded(raw), unfold_ical(raw)], viewer, general=manager)
    elif surface == 'http_api':
        resp = client_for(w, ANONYMOUS).get(f'/export/event/{event.id}.json?{api_query(w, viewer)}')
        raw = resp.get_data(as_text=True)
        [entry] = json.loads(raw)['results'][0]['videoconference']
        assert entry['url'] == (JOIN_URL if manager else PERSONAL.get(viewer))
        assert_only([Encoded(raw), json.dumps(json.loads(raw))], viewer, general=manager)
    elif surface == 'reminder_ical':
        # a reminder's calendar file is for nobody in particular: no link at all, for whomever it is sent to
        address = w.users[viewer].email if viewer != ANONYMOUS else 'anonymous@example.test'
        reminder = EventReminder(event=event, creator=w.users[MANAGER], scheduled_dt=now_utc(), attach_ical=True,
                                 recipients=[address], message='See you', reply_to_address='noreply@example.test',
                                 **STANDARD_REMINDER)
        w.db.session.add(reminder)
        w.db.session.flush()
        reminder.send()
        assert ical_attachments(smtp.outbox)
        assert_only(mail_texts(smtp.outbox), viewer, own=False)
    elif surface == 'registration_emails':
        # Indico's registration e-mail: the registrant's own link in her body, never in the calendar file
        registration = w.registrations.get(viewer) or w.register(
            w.users.get(viewer), RegistrationState.pending,
            email=None if viewer != ANONYMOUS else 'anonymous@example.test')
        with app.test_request_context():
            notify_registration_creation(registration)
        [ics] = ical_attachments(smtp.outbox)
        assert_only([ics], viewer, own=False)
        texts = mail_texts(smtp.outbox)
        assert_only(texts, viewer, own=viewer in TOKENS)
    elif surface == 'registration_page':
        if viewer == ANONYMOUS:
            url = f'/event/{event.id}/registrations/{w.regform.id}/?token={w.registration.uuid}'
        else:
            url = f'/event/{event.id}/registrations/{w.regform.id}/'
        from indico.modules.events.features.util import set_feature_enabled
        set_feature_enabled(event, 'registration', True)
        resp = client.get(url)
        text = resp.get_data(as_text=True)
        assert resp.status_code == 200
        # managers see no one's personal link on their own registration page (they have none)
        assert_only([text], viewer, own=viewer in TOKENS)


def test_registration_mode_overrides_the_visibility(world, create_user, zoom_plugin, client_for):
    """Even "everyone" visibility gives the general link to nobody but managers and the host in this mode."""
    w, event = registration_world(world, create_user, zoom_plugin)
    text = page_text(client_for(w, LOGGED).get(f'/event/{event.id}/'))
    assert ROOM_NAME in text and JOIN_URL not in text and 'PERSONALtoken' not in text
