"""Attendance lists of ended Zoom meetings: Zoom's participant report fetched once in the background (Celery) after
``meeting.ended``, stored per person (matched to Indico users and registrations), shown to managers, exported.
"""

from collections import defaultdict
from datetime import datetime

from flask import request
from indico.core.celery import celery
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.events.registration.models.registrations import Registration
from indico.modules.users.util import get_user_by_email
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
from indico.util.date_time import now_utc
from indico.util.spreadsheets import send_csv, send_xlsx
from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert

from indico_vc_zoom.compat import is_eager_run
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.i18n import _, local_datetime
from indico_vc_zoom.management import RHManageZoomLink
from indico_vc_zoom.models.zoom_attendance import ReportStatus, ZoomAttendanceReport, ZoomAttendee
from indico_vc_zoom.models.zoom_registrants import ZoomRegistrant
from indico_vc_zoom.request_cache import request_cached
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomPlanRequired, ZoomRateLimited, ZoomUnavailable


logger = Logger.get('vc_zoom')

#: seconds before each retry while Zoom is unavailable
RETRY_DELAYS = (30, 120, 600, 1800)
#: rows per page of Zoom's report (Zoom's maximum)
REPORT_PAGE_SIZE = 300
_reports = ZoomAttendanceReport.__table__


def _parse(value):
    return datetime.fromisoformat(value.replace('Z', '+00:00')) if value else None


def report_pending(record, notification):
    """A pending report of the ended instance for this room (once; ``None`` if it exists): its id."""
    stmt = (insert(_reports)
            .values(vc_room_id=record.vc_room_id, uuid=notification.uuid, kind=notification.kind,
                    start_dt=_parse(notification.start_time), end_dt=_parse(notification.end_time),
                    status=ReportStatus.pending)
            .on_conflict_do_nothing(index_elements=[_reports.c.vc_room_id, _reports.c.uuid])
            .returning(_reports.c.id))
    row = db.session.execute(stmt).first()
    return row[0] if row else None


def queue_report(report_id):
    """Queue the fetch of a committed pending report (a broker failure is logged; the report stays pending)."""
    try:
        fetch_attendance.delay(report_id)
    except Exception:
        logger.exception('Could not queue the Zoom attendance report %s', report_id)


@celery.task(name='vc_zoom.fetch_attendance', plugin='vc_zoom', request_context=True, bind=True,
             ignore_result=True)
def fetch_attendance(self, report_id, attempt=0):
    """Fetch and store the participant report of one ended meeting instance (if still pending)."""
    try:
        return fetch(report_id)
    except (ZoomUnavailable, ZoomRateLimited) as exc:
        if is_eager_run(self) or attempt >= len(RETRY_DELAYS) or getattr(exc, 'daily', False):
            _finish(report_id, ReportStatus.failed, str(exc))
            return 'failed'
        logger.info('Fetching Zoom attendance report %s later: %s', report_id, exc)
        # sent again rather than Task.retry(), which re-raises instead of retrying under Indico 3.2 (see tasks.py)
        fetch_attendance.apply_async((report_id,), {'attempt': attempt + 1}, countdown=RETRY_DELAYS[attempt])
        return 'retrying'


def fetch(report_id):
    """``'done'``, ``'plan_required'``, ``'failed'`` or ``'skipped'`` (gone, or fetched already)."""
    report = ZoomAttendanceReport.get(report_id)
    if report is None or report.status != ReportStatus.pending:
        return 'skipped'
    uuid, kind = report.uuid, report.kind
    client = get_client()
    db.session.commit()  # no connection held while Zoom answers
    try:
        participants = list(client.iter_past_participants(uuid, kind=kind, page_size=REPORT_PAGE_SIZE))
    except ZoomPlanRequired as exc:
        _finish(report_id, ReportStatus.plan_required,
                f'Zoom has no participant reports for this account: it needs a paid plan ({exc.message})')
        return 'plan_required'
    except ZoomNotFound as exc:
        _finish(report_id, ReportStatus.failed, f'Zoom has no report of this meeting: {exc.message}')
        return 'failed'
    except (ZoomUnavailable, ZoomRateLimited):
        raise
    except ZoomError as exc:
        _finish(report_id, ReportStatus.failed, str(exc))
        return 'failed'
    report = ZoomAttendanceReport.get(report_id)
    if report is None or report.status != ReportStatus.pending:
        db.session.rollback()
        return 'skipped'
    report.attendees = attendees_from(participants, report.vc_room_id)
    report.status = ReportStatus.done
    report.fetched_dt = now_utc()
    db.session.commit()
    logger.info('Stored the Zoom attendance report %s: %d people', report_id, len(report.attendees))
    return 'done'


def _finish(report_id, status, message):
    report = ZoomAttendanceReport.get(report_id)
    if report is None or report.status != ReportStatus.pending:
        db.session.rollback()
        return
    report.status, report.message, report.fetched_dt = status, message, now_utc()
    db.session.commit()
    logger.info('Zoom attendance report %s: %s (%s)', report_id, status.name, message)


def _event_ids(vc_room_id):
    return [eid for eid, in db.session.query(VCRoomEventAssociation.linked_event_id)
            .filter(VCRoomEventAssociation.vc_room_id == vc_room_id).distinct()]


def find_registration(event_ids, email, user, vc_room_id=None, registrant_ids=()):
    """The active registration, in one of the events, of that person; or ``None``.

    A participant who joined by a personal link (Zoom's ``registrant_id``) is that registrant's registration;
    else the registration of the Indico user or of the e-mail address (Indico keeps those lower-case).
    """
    if not event_ids:
        return None
    query = Registration.query.filter(Registration.event_id.in_(event_ids), Registration.is_active)
    if vc_room_id is not None and registrant_ids:
        found = (query.join(ZoomRegistrant, ZoomRegistrant.registration_id == Registration.id)
                 .filter(ZoomRegistrant.vc_room_id == vc_room_id,
                         ZoomRegistrant.zoom_registrant_id.in_(sorted(registrant_ids)))
                 .order_by(Registration.id).first())
        if found is not None:
            return found
    matches = ([Registration.user_id == user.id] if user else []) + ([Registration.email == email.lower()]
                                                                      if email else [])
    if not matches:
        return None
    return query.filter(or_(*matches)).order_by(Registration.id).first()


def attendees_from(participants, vc_room_id):
    """Zoom's rows (one per join) summed up per person (by e-mail, else by name), matched to Indico."""
    people = defaultdict(list)
    for row in participants:
        email = (row.get('user_email') or '').strip()
        people[email.lower() or f'name:{row.get("name") or ""}'].append(row)
    event_ids = _event_ids(vc_room_id)
    attendees = []
    for rows in people.values():
        email = (rows[0].get('user_email') or '').strip()
        user = get_user_by_email(email) if email else None
        joins = [_parse(r.get('join_time')) for r in rows if r.get('join_time')]
        leaves = [_parse(r.get('leave_time')) for r in rows if r.get('leave_time')]
        seconds = sum(r.get('duration') or 0 for r in rows if isinstance(r.get('duration'), int))
        attendees.append(ZoomAttendee(
            name=rows[0].get('name') or '', email=email, user=user,
            registration=find_registration(event_ids, email, user, vc_room_id,
                                           {r['registrant_id'] for r in rows
                                            if isinstance(r.get('registrant_id'), str) and r['registrant_id']}),
            first_join_dt=min(joins, default=None), last_leave_dt=max(leaves, default=None),
            sessions=[[r.get('join_time'), r.get('leave_time')] for r in rows], minutes=round(seconds / 60)))
    return attendees


def room_reports(vc_room, event):
    """The room's attendance reports, newest first (managers only); those of all rooms of ``event`` in one query."""
    def load():
        rooms = db.session.query(VCRoomEventAssociation.vc_room_id).filter(VCRoomEventAssociation.event_id == event.id)
        by_room = defaultdict(list)
        for report in (ZoomAttendanceReport.query
                       .filter(ZoomAttendanceReport.vc_room_id.in_(rooms.scalar_subquery()))
                       .order_by(ZoomAttendanceReport.end_dt.desc().nullslast(), ZoomAttendanceReport.id.desc())):
            by_room[report.vc_room_id].append(report)
        return by_room
    return request_cached(('zoom_attendance_reports', event.id), load).get(vc_room.id, [])


def _format(dt, tz):
    return local_datetime(dt, tz, 'short') if dt else ''


def label(report, tz):
    """How a report is named: the end of the meeting instance (or Zoom's id of it)."""
    return _('ended {time}').format(time=_format(report.end_dt, tz)) if report.end_dt else report.uuid


def problem(report):
    """Why a report has no attendees, for managers (the stored message keeps Zoom's own words, in English)."""
    if report.status == ReportStatus.plan_required:
        return _('Zoom has no participant reports for this account: it needs a paid plan.')
    return _('The participant report could not be fetched from Zoom: {reason}').format(reason=report.message)


def header_labels():
    """The column titles of the table and the exports, in the user's language."""
    return (_('Name'), _('E-mail'), _('Indico user'), _('Registration'), _('Joined'), _('Left'), _('Minutes'))


def table_rows(report, tz):
    """One dict per attendee, keyed by the column titles of ``header_labels``; times in ``tz``."""
    name, email, user, registration, joined, left, minutes = map(str, header_labels())
    return [{name: a.name, email: a.email, user: a.user.full_name if a.user else '',
             registration: a.registration.friendly_id if a.registration else '',
             joined: _format(a.first_join_dt, tz), left: _format(a.last_leave_dt, tz), minutes: a.minutes}
            for a in report.attendees]


class RHAttendanceExport(RHManageZoomLink):
    """GET: one attendance report as CSV or XLSX (Indico's export helpers); the event's VC managers only."""

    def _process_args(self):
        RHManageZoomLink._process_args(self)
        self.report = ZoomAttendanceReport.query.filter_by(id=request.view_args['report_id'],
                                                           vc_room_id=self.vc_room.id).first_or_404()

    def _process(self):
        rows = table_rows(self.report, self.event.tzinfo)
        filename = f'zoom-attendance-{self.vc_room.data.get("zoom_id")}-{self.report.id}'
        if request.view_args['format'] == 'xlsx':
            return send_xlsx(f'{filename}.xlsx', list(map(str, header_labels())), rows)
        return send_csv(f'{filename}.csv', list(map(str, header_labels())), rows)
