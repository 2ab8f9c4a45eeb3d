"""Attendance lists: after ``meeting.ended`` the participant report is fetched once (paginated) and stored, shown
to managers only, exported as CSV/XLSX; a licence error is a message, not a failure."""

import csv
import io

import pytest
from test_registration import commits_signal, register, registration_room  # noqa: F401 (fixtures)

from indico_vc_zoom import attendance
from indico_vc_zoom.models.zoom_attendance import ReportStatus, ZoomAttendanceReport
from tests.test_meeting_runs import END, START, run


PEOPLE = [('Ann Example', 'ann@example.com'), ('Bob Example', 'bob@example.com'), ('Cyd Guest', '')]


def _meeting_with_people(test_client, zoom_sim, room):
    zoom_id = room.data['zoom_id']
    run(test_client, zoom_sim, 'start', zoom_id, start_time=START)
    for name, email in PEOPLE:
        run(test_client, zoom_sim, 'join', zoom_id, participant={'name': name, 'email': email,
                                                                 'join_time': '2026-03-02T09:05:00Z'})
    # Ann leaves and comes back: two rows in Zoom's report, one person here
    run(test_client, zoom_sim, 'leave', zoom_id, participant={'email': 'ann@example.com',
                                                              'leave_time': '2026-03-02T09:35:00Z'})
    run(test_client, zoom_sim, 'join', zoom_id, participant={'name': 'Ann Example', 'email': 'ann@example.com',
                                                             'join_time': '2026-03-02T09:50:00Z'})
    return run(test_client, zoom_sim, 'end', zoom_id, end_time=END)


def test_report_fetched_once_paginated_and_matched(test_client, zoom_room_event, zoom_sim, create_user, login,
                                                   zoom_host, monkeypatch, db):
    room, event = zoom_room_event
    ann = create_user(71, email='ann@example.com')
    monkeypatch.setattr(attendance, 'REPORT_PAGE_SIZE', 2)
    answer, _sent = _meeting_with_people(test_client, zoom_sim, room)
    pages = [r for r in zoom_sim.requests() if '/past_meetings/' in r['path']]
    assert len(pages) == 2  # 4 rows (Ann joined twice), 2 per page
    report = ZoomAttendanceReport.query.filter_by(vc_room_id=room.id).one()
    assert report.status == ReportStatus.done
    by_email = {a.email: a for a in report.attendees}
    assert set(by_email) == {'ann@example.com', 'bob@example.com', ''}
    assert by_email['ann@example.com'].user == ann
    assert by_email['ann@example.com'].minutes == 30 + 22
    assert len(by_email['ann@example.com'].sessions) == 2
    assert by_email['bob@example.com'].minutes == 67
    # the same end again: nothing fetched a second time
    zoom_sim.clear_requests()
    manage = login(zoom_host).get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    assert 'Bob Example' in manage
    assert 'vc-zoom-attendance-table' in manage
    assert zoom_sim.requests() == []


def test_export_csv_xlsx_for_managers_only(test_client, zoom_room_event, zoom_sim, login, zoom_host, create_user,
                                          make_test_client):
    room, event = zoom_room_event
    _meeting_with_people(test_client, zoom_sim, room)
    report = ZoomAttendanceReport.query.filter_by(vc_room_id=room.id).one()
    assoc = room.events[0]
    base = f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/attendance/{report.id}'
    resp = login(zoom_host).get(f'{base}.csv')
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip('\ufeff'))))
    assert {r['Name'] for r in rows} == {name for name, _ in PEOPLE}
    assert {r['Minutes'] for r in rows if r['Name'] == 'Bob Example'} == {'67'}
    resp = login(zoom_host).get(f'{base}.xlsx')
    assert resp.status_code == 200
    assert resp.data[:2] == b'PK'  # a zip: XLSX
    other = create_user(72, email='other@example.com')
    assert login(other).get(f'{base}.csv').status_code == 403
    assert make_test_client().get(f'{base}.csv').status_code in (302, 401, 403)
    for client in (login(other), make_test_client()):
        page = client.get(f'/event/{event.id}/').get_data(as_text=True)
        assert 'Bob Example' not in page and 'bob@example.com' not in page


def test_licence_error_is_a_message(test_client, zoom_room_event, zoom_sim, login, zoom_host):
    room, event = zoom_room_event
    zoom_sim.configure(paid_account=False)
    _meeting_with_people(test_client, zoom_sim, room)
    report = ZoomAttendanceReport.query.filter_by(vc_room_id=room.id).one()
    assert report.status == ReportStatus.plan_required
    assert 'paid' in report.message
    assert report.attendees == []
    manage = login(zoom_host).get(f'/event/{event.id}/manage/videoconference/')
    assert manage.status_code == 200
    assert 'needs a paid plan' in manage.get_data(as_text=True)


@pytest.mark.parametrize('status', [500, 404])
def test_zoom_failure_fails_the_report_not_the_webhook(test_client, zoom_room_event, zoom_sim, status):
    room, _event = zoom_room_event
    zoom_sim.fault('/v2/past_meetings/', status=status, times=10)
    _meeting_with_people(test_client, zoom_sim, room)
    report = ZoomAttendanceReport.query.filter_by(vc_room_id=room.id).one()
    assert report.status == ReportStatus.failed
    assert report.message


def test_report_matches_personal_links_and_registered_addresses(registration_room, app, test_client, zoom_sim,  # noqa: F811
                                                                create_user):
    """A participant who joined by a personal link is that registrant's registration (whatever Zoom e-mail they
    used); one without is matched by the address of a registration that has no Indico user."""
    from indico.core.db import db
    from indico.modules.events.registration.models.registrations import Registration, RegistrationState

    from indico_vc_zoom.models.zoom_registrants import ZoomRegistrant

    room, event, regform, _assoc = registration_room
    ada = create_user(83, first_name='Ada', last_name='Attendee', email='ada@example.com')
    ada_reg = register(app, regform, ada)
    registrant = ZoomRegistrant.query.filter_by(vc_room_id=room.id, registration_id=ada_reg.id).one()
    guest_reg = Registration(registration_form=regform, first_name='Gus', last_name='Guest', email='gus@example.org',
                             state=RegistrationState.complete, currency='EUR', user=None)
    event.registrations.append(guest_reg)
    db.session.flush()
    zoom_id = room.data['zoom_id']
    run(test_client, zoom_sim, 'start', zoom_id, start_time=START)
    run(test_client, zoom_sim, 'join', zoom_id, participant={'name': 'Ada', 'email': 'ada.home@example.net',
                                                             'registrant_id': registrant.zoom_registrant_id})
    run(test_client, zoom_sim, 'join', zoom_id, participant={'name': 'Gus', 'email': 'Gus@example.org'})
    run(test_client, zoom_sim, 'end', zoom_id, end_time=END)
    report = ZoomAttendanceReport.query.filter_by(vc_room_id=room.id).one()
    assert report.status == ReportStatus.done
    by_name = {a.name: a for a in report.attendees}
    assert by_name['Ada'].registration == ada_reg
    assert by_name['Ada'].user is None  # her Zoom address is no Indico user's
    assert by_name['Gus'].registration == guest_reg
