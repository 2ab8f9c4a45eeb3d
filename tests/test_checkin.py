"""Check-in by Zoom through the real webhook endpoint: the simulator runs the meeting and sends Zoom's signed
``meeting.participant_joined``; the matching registration is checked in by Indico's own check-in, once."""

import pytest
from indico.core.db import db
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.models.registrations import Registration, RegistrationState
from indico.modules.events.registration.util import create_personal_data_fields
from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm
from sqlalchemy import event as sa_event
from test_registration import commits_signal, register, registration_room  # noqa: F401 (fixtures)

from indico_vc_zoom.models.zoom_checkins import ZoomCheckin
from indico_vc_zoom.models.zoom_registrants import ZoomRegistrant
from tests.test_meeting_runs import START, run
from tests.test_webhooks import post_signed


JOINED = '2026-03-02T09:03:00Z'


def edit(client, vc_room, event, **changes):
    assoc = vc_room.events[0]
    data = {'vc-name': vc_room.name, 'vc-description': 'desc', 'vc-password': vc_room.data['password'],
            'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y',
            **{f'vc-{k}': v for k, v in changes.items()}}
    return client.post(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/', data)


def regform_of(event):
    regform = RegistrationForm(event=event, title='Participants', currency='EUR')
    create_personal_data_fields(regform)
    for field in regform.sections[0].fields:
        field.is_enabled = True
    db.session.flush()
    return regform


def registration(event, regform, email, state=RegistrationState.complete, first_name='Rita'):
    reg = Registration(registration_form=regform, first_name=first_name, last_name='Registrant', state=state,
                       currency='EUR', email=email, user=None)
    event.registrations.append(reg)
    db.session.flush()
    return reg


def join(test_client, zoom_sim, room, **participant):
    return run(test_client, zoom_sim, 'join', room.data['zoom_id'],
               participant={'name': 'Rita R.', 'join_time': JOINED, **participant})[0]


def indico_checkin_logs(event):
    """The entries Indico's own check-in writes (its signal handler), in the participants realm."""
    return [e.summary for e in EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.participants)
            if 'checked in' in e.summary]


def zoom_checkin_logs(event):
    return [e for e in EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.management)
            if 'checked in by Zoom' in e.summary]


@pytest.fixture
def email_room(zoom_room_event, test_client, login, zoom_host, zoom_sim):
    room, event = zoom_room_event
    resp = edit(login(zoom_host), room, event, checkin='email')
    assert resp.status_code == 200 and resp.json.get('success'), resp.data
    db.session.expire_all()
    assert room.data['checkin'] == 'email'
    assert zoom_sim.requests() == []  # a check-in choice is Indico's only: no Zoom call
    run(test_client, zoom_sim, 'start', room.data['zoom_id'], start_time=START)
    return room, event


def test_join_by_email_checks_in_once(email_room, test_client, zoom_sim, login, zoom_host, create_user):
    room, event = email_room
    regform = regform_of(event)
    rita = registration(event, regform, 'rita@example.com')
    other = registration(event, regform, 'other@example.com', first_name='Otto')
    assert join(test_client, zoom_sim, room, email='Rita@Example.COM') == {'status': 'applied'}
    db.session.expire_all()
    assert rita.checked_in and rita.checked_in_dt is not None
    assert not other.checked_in
    assert indico_checkin_logs(event) == ['"Rita Registrant" has been checked in']
    [log] = zoom_checkin_logs(event)
    assert log.data['Matched by'] == 'e-mail'
    [row] = ZoomCheckin.query.filter_by(vc_room_id=room.id).all()
    assert (row.registration_id, row.zoom_name, row.matched_by) == (rita.id, 'Rita R.', 'email')
    # a second join, then a manager resets the check-in and Rita joins again: Zoom checked her in once
    assert join(test_client, zoom_sim, room, email='rita@example.com') == {'status': 'ignored'}
    rita.checked_in = False
    db.session.flush()
    assert join(test_client, zoom_sim, room, email='rita@example.com') == {'status': 'ignored'}
    db.session.expire_all()
    assert not rita.checked_in
    assert len(zoom_checkin_logs(event)) == 1
    # the managers see who Zoom checked in; an attendee does not
    manage = login(zoom_host).get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    assert 'vc-zoom-checkins' in manage and 'Rita Registrant' in manage
    attendee = create_user(91, email='attendee@example.com')
    page = login(attendee).get(f'/event/{event.id}/').get_data(as_text=True)
    assert 'vc-zoom-checkins' not in page and 'Rita Registrant' not in page


def test_replayed_webhook_and_unknown_participants_change_nothing(email_room, test_client, zoom_sim):
    room, event = email_room
    regform = regform_of(event)
    rita = registration(event, regform, 'rita@example.com')
    pending = registration(event, regform, 'pending@example.com', state=RegistrationState.pending)
    answer, sent = run(test_client, zoom_sim, 'join', room.data['zoom_id'],
                       participant={'name': 'Rita', 'email': 'rita@example.com', 'join_time': JOINED})
    assert answer == {'status': 'applied'}
    assert post_signed(test_client, sent).json == {'status': 'ignored'}  # Zoom retries a delivery
    for who in ({'email': 'stranger@example.com'}, {'email': ''}, {'email': 'pending@example.com'}):
        assert join(test_client, zoom_sim, room, **who) == {'status': 'ignored'}
    db.session.expire_all()
    assert rita.checked_in and not pending.checked_in
    assert ZoomCheckin.query.count() == 1
    assert len(indico_checkin_logs(event)) == 1


def test_checkin_off_costs_no_query(zoom_room_event, test_client, zoom_sim):
    room, event = zoom_room_event
    run(test_client, zoom_sim, 'start', room.data['zoom_id'], start_time=START)
    rita = registration(event, regform_of(event), 'rita@example.com')
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, 'before_cursor_execute', record)
    try:
        assert join(test_client, zoom_sim, room, email='rita@example.com') == {'status': 'ignored'}
        off = [s for s in statements if 'event_registration' in s]
        room.data = {**room.data, 'checkin': 'email'}
        db.session.flush()
        del statements[:]
        assert join(test_client, zoom_sim, room, email='rita@example.com') == {'status': 'applied'}
    finally:
        sa_event.remove(db.engine, 'before_cursor_execute', record)
    assert off == []  # the room lookup only
    assert [s for s in statements if 'event_registration' in s]  # the same join with check-in on looks
    db.session.expire_all()
    assert rita.checked_in


@pytest.mark.parametrize('participant', [None, 'Rita', {'email': 5}, {'registrant_id': ['x']},
                                         {'email': 'a@example.com', 'join_time': 'soon'},
                                         {'user_name': 'x' * 5000}])
def test_malformed_participant_webhooks_are_400(email_room, test_client, zoom_sim, participant):
    room, _event = email_room
    sent = zoom_sim.run('join', room.data['zoom_id'], participant={'name': 'Rita', 'email': 'r@example.com'})['sent']
    if participant is None:
        del sent['payload']['object']['participant']
    else:
        sent['payload']['object']['participant'] = participant
    resp = post_signed(test_client, sent)
    assert resp.status_code == 400, resp.data
    assert ZoomCheckin.query.count() == 0


def test_registrant_mode_needs_registration(zoom_room_event, login, zoom_host, zoom_sim):
    room, event = zoom_room_event
    resp = edit(login(zoom_host), room, event, checkin='registrant')
    assert resp.status_code == 200
    assert not resp.json.get('success')
    assert 'needs Zoom registration' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert room.data.get('checkin', 'off') == 'off'


def test_join_by_personal_link_checks_the_registrant_in(registration_room, app, test_client, zoom_sim, login,  # noqa: F811
                                                        zoom_host, create_user):
    room, event, regform, _assoc = registration_room
    resp = edit(login(zoom_host), room, event, registration='y', checkin='registrant')
    assert resp.status_code == 200 and resp.json.get('success'), resp.data
    ada = create_user(81, first_name='Ada', last_name='Attendee', email='ada@example.com')
    bob = create_user(82, first_name='Bob', last_name='Byemail', email='bob@example.com')
    ada_reg, bob_reg = register(app, regform, ada), register(app, regform, bob)
    registrant = ZoomRegistrant.query.filter_by(vc_room_id=room.id, registration_id=ada_reg.id).one()
    run(test_client, zoom_sim, 'start', room.data['zoom_id'], start_time=START)
    # Ada joins by her personal link (Zoom sends her registrant id), from a Zoom account of another address
    assert join(test_client, zoom_sim, room, email='ada.private@example.org',
                registrant_id=registrant.zoom_registrant_id) == {'status': 'applied'}
    # Bob joins with someone else's link: in registrant mode his e-mail does not count
    assert join(test_client, zoom_sim, room, email='bob@example.com', registrant_id='unknownRegistrant') == \
        {'status': 'ignored'}
    db.session.expire_all()
    assert ada_reg.checked_in and not bob_reg.checked_in
    [row] = ZoomCheckin.query.all()
    assert (row.registration_id, row.matched_by) == (ada_reg.id, 'registrant')


def test_fuzzed_participant_webhooks_never_fail(email_room, test_client):
    """Zoom-signed ``participant_joined`` bodies with odd participants: 200 or 400, never a 5xx, nobody checked in
    but the one registration whose address came."""
    import itertools
    import json
    import time

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.conftest import WEBHOOK_TOKEN
    from tests.test_webhooks_fuzz import json_values, mostly, nasty_text
    from zoom_simulator import sign

    room, event = email_room
    rita = registration(event, regform_of(event), 'rita@example.com')
    clock = itertools.count(int(time.time() * 1000))
    texts = st.text(max_size=30) | nasty_text | st.sampled_from(['rita@example.com', 'RITA@example.com', ''])
    participants = st.fixed_dictionaries({}, optional={
        'email': mostly(texts), 'user_name': mostly(texts), 'registrant_id': mostly(texts),
        'join_time': mostly(st.sampled_from(['2026-03-02T09:03:00Z', '2026-03-02T09:03:00', 'now', '']) | st.none()),
        'id': json_values, 'participant_uuid': json_values})
    replies = []

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(participant=mostly(participants, json_values), uuid=mostly(st.text(min_size=1, max_size=20)))
    def check(participant, uuid):
        body = {'event': 'meeting.participant_joined', 'event_ts': next(clock),
                'payload': {'account_id': 'acc', 'object': {'id': room.data['zoom_id'], 'uuid': uuid,
                                                            'participant': participant}}}
        raw = json.dumps(body).encode()
        ts = str(int(time.time()))
        resp = test_client.post('/api/plugin/zoom/webhook', data=raw, content_type='application/json',
                                headers={'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, raw)})
        assert resp.status_code in (200, 400), (resp.status_code, resp.data)
        replies.append((resp.status_code, resp.json.get('status')))

    check()
    assert {status for status, _ in replies} == {200, 400}
    assert sum(reply == 'applied' for _, reply in replies) <= 1
    assert [r.registration_id for r in ZoomCheckin.query] in ([], [rita.id])
