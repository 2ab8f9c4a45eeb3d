"""Zoom registration for an event's registrants, through Indico's real registration code and the simulator."""

import pytest
from indico.core import signals
from indico.core.db import db
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.util import create_personal_data_fields, create_registration

from indico_vc_zoom.models.zoom_registrants import APPROVED, CANCELLED, ZoomRegistrant
from indico_vc_zoom.protection import join_link_access


@pytest.fixture
def commits_signal(db, monkeypatch):
    """Indico's test ``db`` turns commit into flush; in production the after-commit signal queues the syncs."""
    def _commit():
        db.session.flush()
        signals.core.after_commit.send()
    monkeypatch.setattr(db.session, 'commit', _commit)


@pytest.fixture
def registration_room(zoom_room_event, zoom_plugin, zoom_sim, commits_signal, login, zoom_host):
    vc_room, event = zoom_room_event
    zoom_plugin.settings.set('allow_registration', True)
    regform = RegistrationForm(event=event, title='Participants', currency='EUR')
    create_personal_data_fields(regform)
    for field in regform.sections[0].fields:
        field.is_enabled = True
    db.session.flush()
    assoc = vc_room.events[0]
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/', {
        'vc-name': vc_room.name, 'vc-description': 'desc', 'vc-password': vc_room.data['password'],
        'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y',
        'vc-registration': 'y'})
    assert resp.status_code == 200 and resp.json.get('success'), resp.data
    zoom_sim.clear_requests()
    return vc_room, event, regform, assoc


def register(app, regform, user):
    fields = {f.personal_data_type.name: f for f in regform.active_fields if f.personal_data_type}
    data = {fields['email'].html_field_name: user.email, fields['first_name'].html_field_name: user.first_name,
            fields['last_name'].html_field_name: user.last_name, 'email': user.email}
    with app.test_request_context():
        registration = create_registration(regform, data, notify_user=False)
        db.session.commit()
    return registration


def registrant_calls(zoom_sim):
    return [r for r in zoom_sim.requests() if '/registrants' in r['path']]


def test_meeting_requires_registration_on_zoom(registration_room, zoom_sim):
    vc_room = registration_room[0]
    meeting = next(m for m in zoom_sim.meetings() if m['id'] == vc_room.data['zoom_id'])
    assert meeting['settings']['approval_type'] == 0


def test_registering_adds_a_zoom_registrant_once(app, registration_room, zoom_sim, create_user):
    vc_room, event, regform, assoc = registration_room
    user = create_user(2001, first_name='Rita', last_name='Registrant', email='rita@example.test')
    other = create_user(2002, email='other@example.test')
    registration = register(app, regform, user)
    assert len(registrant_calls(zoom_sim)) == 1
    row = ZoomRegistrant.query.get((vc_room.id, registration.id))
    assert row.status == APPROVED and 'tk=' in row.join_url
    # personal link for her, nothing for another logged-in user or anonymous; never the general link
    assert join_link_access(user, assoc).join_url == row.join_url
    assert join_link_access(other, assoc).link is None
    assert join_link_access(None, assoc).link is None
    # replaying the sync changes nothing on Zoom
    from indico_vc_zoom.registration.tasks import run_sync
    zoom_sim.clear_requests()
    assert run_sync(vc_room)['calls'] == 0
    assert registrant_calls(zoom_sim) == []


def test_withdrawn_registration_is_cancelled(app, registration_room, zoom_sim, create_user):
    vc_room, event, regform, assoc = registration_room
    user = create_user(2003, first_name='Wim', email='wim@example.test')
    registration = register(app, regform, user)
    zoom_sim.clear_requests()
    with app.test_request_context():
        registration.update_state(withdrawn=True)
        db.session.commit()
    calls = registrant_calls(zoom_sim)
    assert [(c['method'], c['path'].rsplit('/', 1)[-1]) for c in calls] == [('PUT', 'status')]
    assert ZoomRegistrant.query.get((vc_room.id, registration.id)).status == CANCELLED
    assert join_link_access(user, assoc).link is None


def test_attaching_to_a_second_event_is_refused(registration_room, create_event, login, zoom_host):
    vc_room, event, regform, assoc = registration_room
    other = create_event(start_dt=event.start_dt, end_dt=event.end_dt)
    other.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{other.id}/manage/videoconference/zoom/attach/', {
        'vc-room': vc_room.id, 'vc-password_visibility': 'logged_in', 'vc-linking': 'event', 'vc-show': 'y'})
    assert b'requires registration' in resp.data
    assert {a.event for a in vc_room.events} == {event}
