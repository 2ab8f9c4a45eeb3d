"""Zoom registration for an event's registrants, through Indico's real registration code and the simulator."""

import pytest
from indico.core import signals
from indico.core.db import db
from indico.modules.events.features.util import set_feature_enabled
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
    set_feature_enabled(event, 'registration', True)
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
    return [r for r in zoom_sim.requests() if 'registrants' in r['path']]


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


def register_notified(app, regform, user):
    """Register the way the form does, with Indico's e-mail to the registrant."""
    fields = {f.personal_data_type.name: f for f in regform.active_fields if f.personal_data_type}
    data = {fields['email'].html_field_name: user.email, fields['first_name'].html_field_name: user.first_name,
            fields['last_name'].html_field_name: user.last_name, 'email': user.email}
    with app.test_request_context():
        registration = create_registration(regform, data, notify_user=True)
        db.session.commit()
    return registration


def mails_to(smtp, address):
    return [m for m in smtp.outbox if address in m['To']]


def mail_text(message):
    import email.policy
    from email import message_from_string
    parsed = message_from_string(message.as_string(), policy=email.policy.default)
    return '\n'.join(part.get_content() for part in parsed.walk() if part.get_content_maintype() == 'text')


def log_lines(event):
    return [(e.summary, e.data) for e in event.log_entries]


def sync_url(assoc):
    return f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/registrants/sync'


def in_html(url, body):
    from markupsafe import escape
    return url in body or str(escape(url)) in body


def sent_emails(event):
    """``(to, subject, body)`` of every e-mail Indico sent for the event (its e-mail log, what went out), newest
    first (explicitly: without an ORDER BY PostgreSQL's order depends on what earlier tests left in the table)."""
    from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm
    entries = (EventLogEntry.query.with_parent(event).filter_by(realm=EventLogRealm.emails)
               .order_by(EventLogEntry.id.desc()))
    return [(e.data['to'], e.data['subject'], e.data['body']) for e in entries]


def test_registration_emails_carry_only_the_own_link(app, registration_room, zoom_sim, create_user, smtp):
    """Indico's e-mail goes out before the background sync asked Zoom: it has no link; the plugin's follow-up
    e-mail, to the registrant only, has it. A later Indico e-mail to her carries her link (and only hers)."""
    vc_room, event, regform, assoc = registration_room
    rita = create_user(2011, first_name='Rita', last_name='R', email='rita11@example.test')
    bob = create_user(2012, first_name='Bob', last_name='B', email='bob12@example.test')
    registration = register_notified(app, regform, rita)
    register_notified(app, regform, bob)
    link = ZoomRegistrant.query.get((vc_room.id, registration.id)).join_url
    bob_link = ZoomRegistrant.query.filter(ZoomRegistrant.registration_id != registration.id).one().join_url
    to_rita = [(subject, body) for to, subject, body in sent_emails(event) if to == [rita.email]]
    assert sorted((in_html(link, body), 'Zoom link' in subject) for subject, body in to_rita) == [(False, False),
                                                                                          (True, True)]
    for to, _subject, body in sent_emails(event):
        if to in ([rita.email], [bob.email]):  # registrants never get the general link
            assert not in_html(vc_room.data['join_url'], body)
        if to != [rita.email]:
            assert not in_html(link, body)  # nobody else ever gets her link
    # the follow-up really went out, to her alone
    assert any(in_html(link, mail_text(m)) for m in mails_to(smtp, rita.email))
    assert all(not in_html(link, mail_text(m)) for m in smtp.outbox if rita.email not in m['To'])
    # an Indico e-mail sent while her link is valid carries it
    from indico.modules.events.registration.notifications import notify_registration_modification
    before = len(sent_emails(event))
    with app.test_request_context():
        notify_registration_modification(registration, notify_user=True)
    new = [(to, body) for to, subject, body in sent_emails(event)[:-before or None]]
    [body] = [body for to, body in new if to == [rita.email]]
    assert in_html(link, body) and not in_html(bob_link, body)
    assert all(not in_html(link, body) for to, body in new if to != [rita.email])


def test_registration_page_shows_the_own_link_only(app, registration_room, zoom_sim, create_user, login):
    vc_room, event, regform, assoc = registration_room
    rita = create_user(2021, first_name='Rita', last_name='R', email='rita21@example.test')
    bob = create_user(2022, first_name='Bob', last_name='B', email='bob22@example.test')
    registration = register(app, regform, rita)
    register(app, regform, bob)
    link = ZoomRegistrant.query.get((vc_room.id, registration.id)).join_url
    bob_link = ZoomRegistrant.query.filter(ZoomRegistrant.registration_id != registration.id).one().join_url
    url = f'/event/{event.id}/registrations/{regform.id}/'
    resp = login(rita).get(url)
    page = resp.data.decode()
    assert resp.status_code == 200
    assert in_html(link, page) and not in_html(bob_link, page) and not in_html(vc_room.data['join_url'], page)
    page = login(bob).get(url).data.decode()
    assert in_html(bob_link, page) and not in_html(link, page)
    # the link of her registration is not given to someone holding only the registration's permalink
    anonymous = app.test_client().get(f'{url}?token={registration.uuid}').data.decode()
    assert not in_html(link, anonymous)


def test_sync_now_adds_in_batches_and_is_idempotent(app, registration_room, zoom_sim, create_user, login,
                                                    zoom_host):
    from indico_vc_zoom.registration import hooks
    vc_room, event, regform, assoc = registration_room
    # registrations made while the signals are not followed (e.g. before the meeting had registration)
    users = [create_user(2100 + i, first_name=f'U{i}', last_name='L', email=f'u{i}@example.test') for i in range(35)]
    with pytest.MonkeyPatch.context() as patch:  # its own: undoing the test's would undo the fixtures' too
        patch.setattr(hooks, 'queue_sync', lambda *a, **k: None)
        for user in users:
            register(app, regform, user)
    assert registrant_calls(zoom_sim) == []
    manager = login(zoom_host)
    page = manager.get(f'/event/{event.id}/manage/videoconference/').data.decode()
    assert 'Sync registrants now' in page and sync_url(assoc) in page
    resp = manager.post(sync_url(assoc), prefix='')
    assert resp.status_code == 302
    calls = registrant_calls(zoom_sim)
    assert [c['path'].rsplit('/', 1)[-1] for c in calls] == ['batch_registrants', 'batch_registrants']
    assert ZoomRegistrant.query.filter_by(vc_room_id=vc_room.id, status=APPROVED).count() == 35
    page = manager.get(f'/event/{event.id}/manage/videoconference/').data.decode()
    assert '35 added' in page and '35 approved, 0 cancelled' in page
    zoom_sim.clear_requests()
    manager.post(sync_url(assoc), prefix='')
    assert registrant_calls(zoom_sim) == []
    assert 'nothing was sent to Zoom' in manager.get(f'/event/{event.id}/manage/videoconference/').data.decode()


def test_sync_now_is_for_managers_with_csrf(registration_room, zoom_sim, login, create_user, zoom_host):
    vc_room, event, regform, assoc = registration_room
    outsider = create_user(2201, email='outsider@example.test')
    assert login(outsider).post(sync_url(assoc), prefix='').status_code == 403
    assert login(zoom_host).client.post(sync_url(assoc)).status_code == 400  # no CSRF token
    assert login(zoom_host).client.get(sync_url(assoc)).status_code == 405
    assert zoom_sim.requests() == []


def test_a_429_is_retried_and_logged(app, registration_room, zoom_sim, create_user):
    """Zoom's per-second 429 (Retry-After) beyond the client's own retries: the task sends itself again (at once
    in an eager run), the registrant is added, and the event log says it is tried again."""
    vc_room, event, regform, assoc = registration_room
    zoom_sim.fault(r'/registrants$', status=429, method='POST', times=3,
                   body={'code': 429, 'message': 'You have reached the maximum per-second rate limit for this API.'},
                   headers={'Retry-After': '0', 'X-RateLimit-Type': 'QPS'})
    registration = register(app, regform, create_user(2301, first_name='Q', email='q@example.test'))
    assert [c['method'] for c in registrant_calls(zoom_sim)] == ['POST'] * 4
    assert ZoomRegistrant.query.get((vc_room.id, registration.id)).status == APPROVED
    reasons = [d.get('Reason', '') for s, d in log_lines(event) if 'not synchronized' in s]
    assert any('(429)' in r and 'Trying again in 1 s' in r for r in reasons), reasons


def test_a_registrants_daily_limit_is_honoured_and_reported(app, registration_room, zoom_sim, create_user):
    """Zoom allows a few requests per registrant and day (documented 429): the others are still added, the limited
    one waits for Zoom's reset (no further call today) and the event log says when it is tried again."""
    from indico_vc_zoom.registration.tasks import retry_plan, run_sync
    from indico_vc_zoom.zoom.errors import ZoomRateLimited
    vc_room, event, regform, assoc = registration_room
    zoom_sim.configure(registrant_daily_limit=2)
    limited = create_user(2401, first_name='L', email='limited@example.test')
    registration = register(app, regform, limited)
    with app.test_request_context():
        registration.update_state(withdrawn=True)  # add + cancel: her daily allowance is used up
        db.session.commit()
    zoom_sim.clear_requests()
    with app.test_request_context():
        registration.update_state(withdrawn=False)
        db.session.commit()
    assert [c['status'] for c in registrant_calls(zoom_sim)] == [429]
    assert ZoomRegistrant.query.get((vc_room.id, registration.id)).status == CANCELLED  # waits for the reset
    [reason] = [d['Reason'] for s, d in log_lines(event) if 'not synchronized' in s]
    assert "Zoom's daily limit of registrant requests is reached" in reason
    assert 'Trying again' in reason or 'Not tried again by itself' in reason
    # a worker waits until Zoom's reset (00:00 UTC), never sooner
    exc = ZoomRateLimited('x', daily=True, resets_at=None)
    countdown, eta = retry_plan(exc, 0)
    assert countdown is None and (eta.hour, eta.minute) == (0, 0)
    zoom_sim.configure(registrant_daily_limit=3)
    assert run_sync(vc_room)['approved'] == 1


def test_registration_needs_a_fixed_time(registration_room, create_event, login, zoom_host, zoom_sim):
    """A meeting without a fixed future time would be Zoom's type 3, which takes no registrants: a form error."""
    from datetime import timedelta

    from indico.util.date_time import now_utc
    vc_room, event, regform, assoc = registration_room
    past = create_event(start_dt=now_utc() - timedelta(days=2), end_dt=now_utc() - timedelta(days=2, hours=-2))
    past.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{past.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Too late', 'vc-password': '12345678', 'vc-password_visibility': 'logged_in',
        'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y', 'vc-meeting_type': 'meeting',
        'vc-registration': 'y'})
    assert resp.status_code == 200
    assert 'fixed time in the future' in resp.json['html']
    assert not resp.json.get('success')
    assert [r for r in zoom_sim.requests() if r['method'] == 'POST'] == []


def test_clone_gets_a_new_meeting_with_registration(app, registration_room, create_event, zoom_sim, create_user,
                                                    zoom_host):
    from datetime import timedelta

    from indico.modules.vc.clone import VCCloner
    from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
    vc_room, event, regform, assoc = registration_room
    old_registration = register(app, regform, create_user(2501, first_name='O', email='old@example.test'))
    new_event = create_event(start_dt=event.start_dt + timedelta(days=7), end_dt=event.end_dt + timedelta(days=7))
    zoom_sim.clear_requests()
    with app.test_request_context():
        VCCloner(event).run(new_event, set(), {})
    calls = [(c['method'], c['path']) for c in zoom_sim.requests()]
    assert [m for m, p in calls if m != 'GET'] == ['POST']  # one create; no registrant of the old event
    clone = VCRoomEventAssociation.query.filter_by(event_id=new_event.id).one()
    assert clone.vc_room != vc_room and clone.vc_room.data['registration']
    assert clone.vc_room.data['zoom_id'] != vc_room.data['zoom_id']
    meeting = next(m for m in zoom_sim.meetings() if m['id'] == clone.vc_room.data['zoom_id'])
    assert meeting['settings']['approval_type'] == 0 and meeting['type'] == 2
    assert meeting['_simulator']['registrants'] == []
    assert ZoomRegistrant.query.filter_by(vc_room_id=clone.vc_room.id).count() == 0
    assert {a.event for a in vc_room.events} == {event}  # the old meeting keeps its event and registrant
    assert ZoomRegistrant.query.get((vc_room.id, old_registration.id)).status == APPROVED


def test_clone_without_zoom_leaves_nothing_half_made(app, registration_room, create_event, zoom_sim):
    from datetime import timedelta

    from indico.modules.vc.clone import VCCloner
    from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation
    vc_room, event, regform, assoc = registration_room
    new_event = create_event(start_dt=event.start_dt + timedelta(days=7), end_dt=event.end_dt + timedelta(days=7))
    rooms_before = VCRoom.query.count()
    zoom_sim.fault(r'/users/[^/]+/meetings$', status=400, method='POST',
                   body={'code': 3000, 'message': 'Cannot create the meeting.'})
    with app.test_request_context():
        VCCloner(event).run(new_event, set(), {})
    assert VCRoomEventAssociation.query.filter_by(event_id=new_event.id).count() == 0
    assert VCRoom.query.count() == rooms_before
    assert any('not cloned' in s and 'Cannot create' in d.get('Reason', '') for s, d in log_lines(new_event))


def test_rejection_and_changed_email(app, registration_room, zoom_sim, create_user, smtp):
    """A manager rejecting cancels on Zoom; a changed e-mail (Indico's modify flow) replaces the registrant, whose
    new personal link is e-mailed to the new address only."""
    from indico.modules.events.registration.util import modify_registration
    vc_room, event, regform, assoc = registration_room
    regform.moderation_enabled = True  # awaiting approval: active, so a Zoom registrant (all registrations count)
    rejected = register(app, regform, create_user(2601, first_name='R', email='rejected@example.test'))
    assert rejected.state.name == 'pending' and ZoomRegistrant.query.get((vc_room.id, rejected.id))
    regform.moderation_enabled = False
    zoom_sim.clear_requests()
    with app.test_request_context():
        rejected.update_state(rejected=True)
        db.session.commit()
    assert [(c['method'], c['body']['action']) for c in registrant_calls(zoom_sim)] == [('PUT', 'cancel')]
    assert ZoomRegistrant.query.get((vc_room.id, rejected.id)).status == CANCELLED

    moving = register(app, regform, create_user(2602, first_name='M', last_name='Mover', email='old@example.test'))
    old_link = ZoomRegistrant.query.get((vc_room.id, moving.id)).join_url
    zoom_sim.clear_requests()
    fields = {f.personal_data_type.name: f for f in regform.active_fields if f.personal_data_type}
    with app.test_request_context():
        modify_registration(moving, {fields['email'].html_field_name: 'new@example.test',
                                     fields['first_name'].html_field_name: 'M',
                                     fields['last_name'].html_field_name: 'Mover'}, notify_user=False)
        db.session.commit()
    assert [c['method'] for c in registrant_calls(zoom_sim)] == ['DELETE', 'POST']
    row = ZoomRegistrant.query.get((vc_room.id, moving.id))
    assert row.email == 'new@example.test' and row.join_url != old_link
    [(to, body)] = [(to, body) for to, subject, body in sent_emails(event)[:1]]
    assert to == ['new@example.test'] and in_html(row.join_url, body) and not in_html(old_link, body)
