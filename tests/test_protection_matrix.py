"""Join-link protection matrix: protection x 4 visibility modes x 4 viewers x surface, asserted on raw output.

Each case builds one event with a Zoom room created directly in the DB (the Zoom side does not matter here),
renders one surface for one viewer and checks the response bytes / iCal text / API JSON / e-mail bytes: the join
URL, its ``pwd=`` value, the passcode and the phone dial-in (number, meeting ID, phone passcode) must be present
exactly where :func:`join_link_access` allows, and a start URL planted in ``vc_room.data`` must never appear.
The public event runs through every surface; a protected contribution, a protected session block, a protected event
and an event in a protected category run through the surfaces that show rooms linked to them.
"""

import json
import re
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import current_app
from indico.core.db.sqlalchemy.protection import ProtectionMode
from indico.modules.api.models.keys import APIKey
from indico.modules.events.contributions.models.contributions import Contribution
from indico.modules.events.layout import layout_settings
from indico.modules.events.models.events import EventType
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.models.registrations import Registration, RegistrationState
from indico.modules.events.registration.notifications import notify_registration_creation
from indico.modules.events.registration.util import create_personal_data_fields
from indico.modules.events.reminders.models.reminders import EventReminder
from indico.modules.events.sessions.models.blocks import SessionBlock
from indico.modules.events.sessions.models.sessions import Session
from indico.modules.events.timetable.models.entries import TimetableEntry, TimetableEntryType
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from indico.modules.vc.notifications import notify_created
from indico.util.date_time import now_utc

from indico_lines import CONFERENCE_HOME_BOX, STANDARD_REMINDER
from indico_vc_zoom.notifications import notify_attached, notify_modified, notify_remote_deleted
from indico_vc_zoom.protection import EVERYONE, LOGGED_IN, NO_ONE, REGISTERED, VISIBILITY_MODES


PASSCODE = '73914682'
PWD = 'SECRETpwdVALUE'
ZOOM_ID = 81234567890
JOIN_URL = f'https://zoom.example/j/{ZOOM_ID}?pwd={PWD}'
PUBLIC_URL = f'https://zoom.example/j/{ZOOM_ID}'
# never stored by the plugin; planted to prove no surface prints arbitrary data keys
START_URL = f'https://zoom.example/s/{ZOOM_ID}?zak=STARTzakSECRET'
START_SECRET = 'STARTzakSECRET'
# phone dial-in as stored from Zoom (dialin.py); the phone passcode differs from PASSCODE here only so that each is
# found on its own (Zoom derives a different one when the passcode is not all digits)
PHONE_PASSCODE = '50617283'
DIAL_NUMBER = '+41 432107042'
DIAL_DIGITS = '432107042'  # in every spelling of the number: as shown and in the tel: link
PHONE_MEETING_ID = '812 3456 7890'
DIAL_IN = {'meeting_id': str(ZOOM_ID), 'passcode': PHONE_PASSCODE,
           'numbers': [{'country': 'CH', 'country_name': 'Switzerland', 'city': 'Zurich', 'number': DIAL_NUMBER,
                        'type': 'toll'}]}
ROOM_NAME = 'Weekly sync ZR'
LINKED_TITLE = 'Talk with video'
ADMIN_LIST = 'zoom-admins@example.test'

ANONYMOUS = 'anonymous'
LOGGED = 'logged_in'
REGISTRANT = 'registered'
MANAGER = 'manager'
VIEWERS = (ANONYMOUS, LOGGED, REGISTRANT, MANAGER)

#: surfaces that cannot know who will read them: only what "everyone" may see
RECIPIENT_UNKNOWN = {'reminder_ical', 'registration_ical'}
#: surfaces showing the join button only (the passcode travels inside the link as ``pwd=``)
LINK_ONLY = {'conference_home'}
SURFACES = (
    'lecture_page', 'meeting_page', 'conference_home', 'conference_vc_page',  # event pages
    'meeting_timetable', 'conference_timetable',  # the timetable's "vc-actions" hook
    'event_ical', 'category_ical', 'http_api',  # exports
    'manage_page',  # the management info box
    'reminder_ical', 'registration_ical', 'plugin_emails',  # e-mails
)
PUBLIC = 'public'
#: what is protected -> the viewers in its ACL (the event's manager may access everything of the event)
PROTECTIONS = {
    'contribution': {LOGGED, MANAGER},  # a protected contribution the room is linked to
    'block': {LOGGED, MANAGER},  # a session block of a protected session the room is linked to
    'event': {REGISTRANT, MANAGER},  # a protected event
    'category': {REGISTRANT, MANAGER},  # an event inheriting from a protected category
}
#: the surfaces each protection runs through: where rooms linked to the protected object show
PROTECTED_SURFACES = {
    'contribution': ('conference_vc_page', 'http_api'),
    'block': ('conference_timetable', 'http_api'),
    'event': ('meeting_page', 'event_ical', 'reminder_ical'),
    'category': ('category_ical', 'http_api'),
}
MATRIX = [(PUBLIC, mode, viewer, surface) for surface in SURFACES for mode in VISIBILITY_MODES for viewer in VIEWERS]
MATRIX += [(protection, mode, viewer, surface) for protection, surfaces in PROTECTED_SURFACES.items()
           for surface in surfaces for mode in VISIBILITY_MODES for viewer in VIEWERS]
MATRIX_SIZE = len(MATRIX)


def mode_allows(mode, viewer):
    """The spec, written independently of protection.py: who may see everything on a viewer-aware surface."""
    if viewer == MANAGER:
        return True
    return {EVERYONE: True,
            LOGGED_IN: viewer in (LOGGED, REGISTRANT),
            REGISTERED: viewer == REGISTRANT,
            NO_ONE: False}[mode]


def may_access(protection, viewer):
    """The spec: who may access what the room is linked to (and its event)."""
    return protection == PUBLIC or viewer in PROTECTIONS[protection]


def may_open_category(protection, viewer):
    # the event's manager is in the event's ACL, not in its category's: the category calendar stays closed
    return protection != 'category' or viewer in PROTECTIONS[protection] - {MANAGER}


def expected_full(mode, viewer, surface, protection=PUBLIC):
    if surface == 'category_ical' and not may_open_category(protection, viewer):
        return False
    if surface in RECIPIENT_UNKNOWN:
        return mode == EVERYONE and protection == PUBLIC
    if surface in ('manage_page', 'plugin_emails'):
        # managers only: others are refused / never receive these e-mails
        return viewer == MANAGER
    return mode_allows(mode, viewer) and may_access(protection, viewer)


class Encoded(str):
    """Bytes as sent, where a URL may be folded (iCal: 75-octet lines) or escaped (JSON: ``\\/``).

    Checked only for absence; the same output is also given decoded, checked for presence and absence.
    """


def unfold_ical(text):
    """RFC 5545 unfolding and text unescaping, so a folded URL is found (or not) as one string."""
    return re.sub(r'\r?\n[ \t]', '', text).replace('\\n', '\n').replace('\\,', ',').replace('\\;', ';')


def assert_secrets(texts, full, passcode_shown=True, public_link=False):
    """The secrets are present in the decoded output (``full``) or absent from every text; the start URL never.

    The phone dial-in goes with the passcode: shown where it is (``passcode_shown``), absent where the link is.
    """
    for text in texts:
        assert START_SECRET not in text
        assert START_URL not in text
        if not full:
            assert PWD not in text
            assert 'pwd=' not in text
            assert PASSCODE not in text
            assert JOIN_URL not in text
            assert PHONE_PASSCODE not in text
            if not public_link:
                # the meeting ID is the passcode-less link in disguise, and so is a dial-in number
                assert str(ZOOM_ID) not in text
                assert PHONE_MEETING_ID not in text
                assert DIAL_DIGITS not in text
    if full:
        decoded = '\n'.join(text for text in texts if not isinstance(text, Encoded))
        assert JOIN_URL in decoded
        if passcode_shown:
            assert PASSCODE in decoded
            assert DIAL_NUMBER in decoded
            assert PHONE_PASSCODE in decoded


# --- world building ---------------------------------------------------------------------------------------------

class World:
    def __init__(self, db, create_event, create_user, mode, public_link=False, protection=PUBLIC):
        self.db = db
        self.create_event = create_event
        self.mode = mode
        self.public_link = public_link
        self.protection = protection
        self.host = create_user(2001, first_name='Hannah', last_name='Host', email='host@example.test')
        self.users = {LOGGED: create_user(2002, email='logged@example.test'),
                      REGISTRANT: create_user(2003, email='registrant@example.test'),
                      MANAGER: create_user(2004, email='manager@example.test')}
        self.event = None

    def make_event(self, type_=EventType.meeting, link_to=None):
        start = now_utc(exact=False) + timedelta(days=3)
        event = self.create_event(type_=type_, title=f'Protected event {type_.name}', start_dt=start,
                                  end_dt=start + timedelta(hours=3))
        event.update_principal(self.users[MANAGER], full_access=True)
        assert event.effective_protection_mode == ProtectionMode.public
        self.event = event
        regform = RegistrationForm(event=event, title='Registration', currency='EUR', attach_ical=True)
        create_personal_data_fields(regform)
        for field in regform.sections[0].fields:
            field.is_enabled = True
        self.regform = regform
        self.registration = self.register(self.users[REGISTRANT], RegistrationState.complete)
        link_to = {'contribution': 'contribution', 'block': 'block'}.get(self.protection, link_to)
        link_object = event
        if link_to == 'contribution':
            link_object = Contribution(event=event, title=LINKED_TITLE, duration=timedelta(minutes=30))
            self.db.session.add(TimetableEntry(event=event, object=link_object, start_dt=start,
                                               type=TimetableEntryType.CONTRIBUTION))
        elif link_to == 'block':
            link_object = SessionBlock(session=Session(event=event, title='Parallel track'), title=LINKED_TITLE,
                                       duration=timedelta(minutes=90))
            self.db.session.add(TimetableEntry(event=event, object=link_object, start_dt=start,
                                               type=TimetableEntryType.SESSION_BLOCK))
        self.protect(event, link_object)
        self.vc_room = VCRoom(type='zoom', name=ROOM_NAME, status=VCRoomStatus.created, created_by_user=self.host,
                              data={'zoom_id': ZOOM_ID, 'meeting_type': 'meeting', 'host': self.host.identifier,
                                    'host_email': self.host.email, 'password': PASSCODE, 'join_url': JOIN_URL,
                                    'start_url': START_URL, 'description': '', 'dial_in': DIAL_IN,
                                    'zoom': {'topic': ROOM_NAME, 'password': PASSCODE, 'start_url': START_URL}})
        self.assoc = VCRoomEventAssociation(vc_room=self.vc_room, link_object=link_object, show=True,
                                            data={'password_visibility': self.mode, 'public_link': self.public_link})
        self.db.session.add_all([regform, self.vc_room, self.assoc])
        self.db.session.flush()
        return event

    def protect(self, event, link_object):
        """Protect what ``self.protection`` names, with an ACL of the viewers :data:`PROTECTIONS` lists."""
        if self.protection == PUBLIC:
            return
        protected = {'event': event, 'category': event.category, 'contribution': link_object,
                     'block': getattr(link_object, 'session', None)}[self.protection]
        protected.protection_mode = ProtectionMode.protected
        for viewer in PROTECTIONS[self.protection] - {MANAGER}:
            protected.update_principal(self.users[viewer], read_access=True)
        self.db.session.flush()
        assert self.protection != 'category' or event.effective_protection_mode == ProtectionMode.protected

    def may_open_event(self, viewer):
        return self.protection not in ('event', 'category') or may_access(self.protection, viewer)

    def register(self, user, state, email=None):
        reg = Registration(registration_form=self.regform, first_name=user.first_name if user else 'Anne',
                           last_name=user.last_name if user else 'Nonymous', state=state, currency='EUR',
                           email=email or user.email, user=user)
        self.event.registrations.append(reg)
        self.db.session.flush()
        return reg

    def email_of(self, viewer):
        return 'anonymous@example.test' if viewer == ANONYMOUS else self.users[viewer].email


@pytest.fixture
def world(db, create_event, create_user, zoom_plugin):
    return lambda mode, **kw: World(db, create_event, create_user, mode, **kw)


@pytest.fixture
def client_for(test_client, login):
    """The HTTP client of a viewer: a plain test client for anonymous, a logged-in one otherwise."""
    def _client_for(world, viewer):
        return test_client if viewer == ANONYMOUS else login(world.users[viewer])
    return _client_for


def page_text(resp):
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def envelope_recipients(message):
    """Who the SMTP server delivered to (Bcc included, unlike the headers)."""
    return {addr.lower() for addr in message.details.rcpttos}


def mail_texts(messages, address=None):
    """Raw bytes plus every decoded part (iCal unfolded) of the e-mails delivered to ``address`` (all if None)."""
    texts = []
    for message in messages:
        if address is not None and address not in envelope_recipients(message):
            continue
        texts.append(Encoded(message.as_string()))
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if payload:
                decoded = payload.decode('utf-8', 'replace')
                if part.get_content_type() == 'text/calendar':
                    texts += [Encoded(decoded), unfold_ical(decoded)]
                else:
                    texts.append(decoded)
    return texts


def ical_attachments(messages):
    return [unfold_ical(part.get_payload(decode=True).decode())
            for message in messages for part in message.walk() if part.get_content_type() == 'text/calendar']


# --- the matrix ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(('protection', 'mode', 'viewer', 'surface'), MATRIX,
                         ids=[f'{s}-{m}-{v}' + (f'-{p}-protected' if p != PUBLIC else '') for p, m, v, s in MATRIX])
def test_join_link_matrix(protection, mode, viewer, surface, world, client_for, smtp, zoom_plugin):
    w = world(mode, protection=protection)
    full = expected_full(mode, viewer, surface, protection)
    texts = SURFACE_RENDERERS[surface](w, viewer, client_for, smtp, zoom_plugin)
    assert texts
    assert_secrets(texts, full, passcode_shown=surface not in LINK_ONLY)


def event_page(w, viewer, client_for, url):
    """A page of the event; a viewer who may not open the event is refused (login page or 403)."""
    resp = client_for(w, viewer).get(url)
    if w.may_open_event(viewer):
        return page_text(resp)
    assert resp.status_code in (302, 403), resp.status_code
    return resp.get_data(as_text=True)


def _lecture_page(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.lecture)
    text = page_text(client_for(w, viewer).get(f'/event/{event.id}/'))
    assert ROOM_NAME in text  # the room is rendered: the absence checks are not vacuous
    return [text]


def _meeting_page(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    text = event_page(w, viewer, client_for, f'/event/{event.id}/')
    assert (ROOM_NAME in text) == w.may_open_event(viewer)
    return [text]


def _conference_home(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.conference)
    layout_settings.set(event, 'show_vc_rooms', True)
    text = page_text(client_for(w, viewer).get(f'/event/{event.id}/'))
    assert CONFERENCE_HOME_BOX in text  # Indico's box is there (it differs between the lines), with our buttons:
    assert ('Join link restricted' in text) != expected_full(w.mode, viewer, 'conference_home')
    return [text]


def _conference_vc_page(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.conference)
    text = event_page(w, viewer, client_for, f'/event/{event.id}/videoconference/')
    assert (ROOM_NAME in text) == w.may_open_event(viewer)
    if w.may_open_event(viewer):
        assert ('Only for those who may access' in text) != may_access(w.protection, viewer)
    return [text]


def _timetable(w, viewer, client_for, event_type, url):
    # linked to a contribution or session block, the room shows only through the timetable's "vc-actions" hook
    event = w.make_event(event_type, link_to='contribution')
    text = event_page(w, viewer, client_for, url.format(event.id))
    if may_access(w.protection, viewer):
        assert LINKED_TITLE in text
        assert f'id="vc-room-{w.assoc.id}"' in text
    return [text]


def _meeting_timetable(w, viewer, client_for, smtp, plugin):
    return _timetable(w, viewer, client_for, EventType.meeting, '/event/{}/')


def _conference_timetable(w, viewer, client_for, smtp, plugin):
    # a conference's timetable in the meeting layout carries the same "vc-actions" hook
    return _timetable(w, viewer, client_for, EventType.conference, '/event/{}/timetable/?view=standard')


def _event_ical(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    resp = client_for(w, viewer).get(f'/event/{event.id}/event.ics')
    raw = resp.get_data(as_text=True)
    if not w.may_open_event(viewer):
        assert resp.status_code in (302, 403)
        return [raw]
    assert resp.status_code == 200
    assert 'BEGIN:VEVENT' in raw
    return [Encoded(raw), unfold_ical(raw)]


def _category_ical(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    resp = client_for(w, viewer).get(f'/category/{event.category_id}/events.ics')
    raw = resp.get_data(as_text=True)
    if not may_open_category(w.protection, viewer):
        assert resp.status_code in (302, 403)
        return [raw]
    assert resp.status_code == 200
    assert unfold_ical(raw).count('BEGIN:VEVENT') == 1
    assert f'/event/{event.id}/' in unfold_ical(raw)
    return [Encoded(raw), unfold_ical(raw)]


def _http_api(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    query = 'nc=yes'
    if viewer != ANONYMOUS:
        key = APIKey(token=str(uuid4()), secret=str(uuid4()), user=w.users[viewer])
        w.db.session.add(key)
        w.db.session.flush()
        query += f'&ak={key.token}'
    resp = client_for(w, ANONYMOUS).get(f'/export/event/{event.id}.json?{query}')
    assert resp.status_code == 200
    raw = resp.get_data(as_text=True)
    results = json.loads(raw)['results']
    if not w.may_open_event(viewer):
        assert results == []
        return [Encoded(raw), raw]
    [result] = results
    if not may_access(w.protection, viewer):
        # rooms of a contribution / session block the requester cannot access are not listed
        assert 'videoconference' not in result
        return [Encoded(raw), json.dumps(result)]
    [entry] = result['videoconference']
    assert entry['name'] == ROOM_NAME
    assert entry['visible_to'] == w.mode
    assert entry['cached'] is False
    full = expected_full(w.mode, viewer, 'http_api', w.protection)
    assert (entry['url'], entry['passcode']) == ((JOIN_URL, PASSCODE) if full else (None, None))
    assert entry['dial_in'] == (DIAL_IN if full else None)
    return [Encoded(raw), json.dumps(json.loads(raw))]


def _manage_page(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    resp = client_for(w, viewer).get(f'/event/{event.id}/manage/videoconference/')
    text = resp.get_data(as_text=True)
    if viewer == MANAGER:
        assert resp.status_code == 200
        assert ROOM_NAME in text
    else:
        assert resp.status_code in (302, 403)
    return [text]


def _reminder_ical(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    reminder = EventReminder(event=event, creator=w.users[MANAGER], scheduled_dt=now_utc(), attach_ical=True,
                             recipients=[w.email_of(viewer)], message='See you there',
                             reply_to_address='noreply@example.test', **STANDARD_REMINDER)
    w.db.session.add(reminder)
    w.db.session.flush()
    reminder.send()
    [ics] = ical_attachments(smtp.outbox)
    assert 'BEGIN:VEVENT' in ics
    assert mail_texts(smtp.outbox) == mail_texts(smtp.outbox, w.email_of(viewer))  # all of it went to the viewer
    return mail_texts(smtp.outbox)


def _registration_ical(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    if viewer == REGISTRANT:
        registration = w.registration
    elif viewer == ANONYMOUS:
        registration = w.register(None, RegistrationState.complete, email=w.email_of(ANONYMOUS))
    else:
        # pending approval: not an active registration, the logged-in viewer stays unregistered
        state = RegistrationState.complete if viewer == MANAGER else RegistrationState.pending
        registration = w.register(w.users[viewer], state)
    assert event.is_user_registered(w.users.get(viewer)) == (viewer in (REGISTRANT, MANAGER))
    notify_registration_creation(registration)
    [ics] = ical_attachments(smtp.outbox)
    assert 'BEGIN:VEVENT' in ics
    assert mail_texts(smtp.outbox) == mail_texts(smtp.outbox, w.email_of(viewer))  # all of it went to the viewer
    return mail_texts(smtp.outbox)


def _plugin_emails(w, viewer, client_for, smtp, plugin):
    event = w.make_event(EventType.meeting)
    plugin.settings.set('notification_emails', [ADMIN_LIST])
    manager = w.users[MANAGER]
    # Indico sends this one from its VC management pages (its template uses relative URLs of that blueprint)
    with current_app.test_request_context(f'/event/{event.id}/manage/videoconference/'):
        notify_created(plugin, w.vc_room, w.assoc, event, manager)
    notify_attached(plugin, w.vc_room, w.assoc, event, manager)
    notify_modified(plugin, w.vc_room, event, manager, {'Changed': 'password, topic'})
    notify_remote_deleted(plugin, w.vc_room, [event])
    everyone = mail_texts(smtp.outbox)
    assert len(smtp.outbox) == 4
    # each of these goes to privileged people only: the acting manager, the host and the admins' list
    allowed = {manager.email, w.host.email, ADMIN_LIST, event.creator.email}
    for message in smtp.outbox:
        assert envelope_recipients(message) <= allowed
    assert any(ADMIN_LIST in envelope_recipients(message) for message in smtp.outbox)
    assert any(JOIN_URL in text and PASSCODE in text for text in everyone)  # the creation e-mail
    return mail_texts(smtp.outbox, w.email_of(viewer)) or ['(no e-mail for this viewer)']


SURFACE_RENDERERS = {
    'lecture_page': _lecture_page,
    'meeting_page': _meeting_page,
    'conference_home': _conference_home,
    'conference_vc_page': _conference_vc_page,
    'meeting_timetable': _meeting_timetable,
    'conference_timetable': _conference_timetable,
    'event_ical': _event_ical,
    'category_ical': _category_ical,
    'http_api': _http_api,
    'manage_page': _manage_page,
    'reminder_ical': _reminder_ical,
    'registration_ical': _registration_ical,
    'plugin_emails': _plugin_emails,
}


class MatrixSummary:
    """Adds the matrix size to pytest's terminal summary (also with ``-q``), for the README."""

    def __init__(self, session):
        self.session = session

    def pytest_terminal_summary(self, terminalreporter):
        generated = [item for item in self.session.items if item.originalname == 'test_join_link_matrix']
        nodeids = {item.nodeid for item in generated}
        passed = sum(1 for rep in terminalreporter.stats.get('passed', []) if rep.nodeid in nodeids)
        protected = sum(len(surfaces) for surfaces in PROTECTED_SURFACES.values())
        terminalreporter.write_line(
            f'join-link protection matrix: {len(generated)} generated cases ({len(VISIBILITY_MODES)} modes x '
            f'{len(VIEWERS)} viewers x ({len(SURFACES)} surfaces of a public event + {protected} surfaces of '
            f'{len(PROTECTIONS)} protected objects)), {passed} passed')


def test_matrix_size(request):
    [parametrize] = [mark for mark in test_join_link_matrix.pytestmark if mark.name == 'parametrize']
    protected_surfaces = sum(len(surfaces) for surfaces in PROTECTED_SURFACES.values())
    assert len(set(parametrize.args[1])) == MATRIX_SIZE == len(VISIBILITY_MODES) * len(VIEWERS) * (
        len(SURFACES) + protected_surfaces) == 208 + 144
    assert set(SURFACE_RENDERERS) == set(SURFACES)
    assert set(PROTECTED_SURFACES) == set(PROTECTIONS)
    if not request.config.pluginmanager.has_plugin('vc-zoom-protection-matrix'):
        request.config.pluginmanager.register(MatrixSummary(request.session), 'vc-zoom-protection-matrix')
    print(f'join-link protection matrix: {MATRIX_SIZE} cases')
