"""Reconcile: page through every live Zoom room, compare with Zoom, fix drift, paced under Zoom's limits.

One room at a time, each in its own short transaction with its row locked (a room a worker or another reconcile
holds is skipped, it is being converged already): ``GET`` the meeting, adopt what changed on Zoom (as a missed
webhook would have), keep what Indico still owes Zoom (a user's change queued behind the daily limit is never
overwritten by Zoom's older value), then push what Zoom lacks. A meeting gone from Zoom is marked deleted exactly
as the deleted webhook does. Running it twice changes nothing the second time. ``indico zoom refresh`` and the
periodic task both run :func:`reconcile`.
"""

import time
from dataclasses import dataclass, field

from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom import meetings, pending_changes
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.remote_deleted import gone_on_zoom
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomRateLimited


logger = Logger.get('vc_zoom')

BATCH_SIZE = 100
#: Zoom calls one room sends back to back at most (a GET, a PATCH)
ROOM_BURST = 2
#: where Indico keeps what it shows of a Zoom field (the schedule is derived from the timetable instead)
VISIBLE = {'agenda': 'description', 'password': 'password', **{k: k for k in meetings.OPTION_KEYS}}


class Pacer:
    """Keep the Zoom calls of a run under ``per_second`` in any one second (from 4/s up): before each room, wait until
    the calls sent since the last wait have had their share of time. No catch-up burst after a slow stretch."""

    def __init__(self, client, per_second, sleep=time.sleep, clock=time.monotonic):
        self.client = client
        # a room's calls leave back to back: pace the rest so that a burst still fits the limit in any second
        self.per_second = max(per_second - ROOM_BURST, per_second / 2) if per_second else 0
        self.sleep = sleep
        self.clock = clock
        self.last_at = clock()
        self.last_calls = self.calls()

    def calls(self):
        return sum(self.client.stats.values())

    def wait(self):
        if not self.per_second:
            return
        used = self.calls() - self.last_calls
        delay = used / self.per_second - (self.clock() - self.last_at)
        if delay > 0:
            self.sleep(delay)
        self.last_calls = self.calls()

    def done(self):
        """After a room's calls: its share of time counts from here (later than its first call: safe)."""
        self.last_at = self.clock()


@dataclass
class Report:
    checked: int = 0
    unchanged: int = 0
    adopted: int = 0
    pushed: int = 0
    deleted: int = 0
    deferred: int = 0
    busy: int = 0
    errors: int = 0
    lines: list = field(default_factory=list)

    def summary(self, dry_run=False):
        text = (f'{self.checked} meeting(s) checked, {self.deleted} deleted on Zoom, {self.adopted} updated from '
                f'Zoom, {self.pushed} updated on Zoom, {self.deferred} waiting for the daily limit, {self.busy} '
                f'busy, {self.errors} error(s)')
        return text + (' (dry run: nothing saved)' if dry_run else '')


def adopt_from_zoom(vc_room, meeting, kind, apply=True):
    """Take Zoom's state as the known state; fields Indico still owes Zoom keep Indico's value. Returns drift.

    With ``apply=False`` only the drift is computed and nothing is changed.
    """
    known = dict(vc_room.data.get('zoom', {}))
    event = pending_changes.room_event(vc_room)
    owed = set(meetings.changes_to_push(vc_room, event)) if event is not None else set()
    if vc_room.data.get('host') != vc_room.data.get('host_applied'):
        owed.add('host')
    kept = {key: vc_room.data.get(VISIBLE[key]) for key in owed if key in VISIBLE}
    kept_name = vc_room.name if 'topic' in owed else None
    zoom_state = meetings.state_from_zoom(meeting, kind)
    drift = sorted(k for k, v in zoom_state.items() if known.get(k) != v and k not in owed)
    if kind != vc_room.data.get('meeting_type', kind):
        drift.append('meeting_type')
    if not apply:
        return drift
    meetings.store_zoom_meeting(vc_room, meeting, kind)
    for key, value in kept.items():
        vc_room.data[VISIBLE[key]] = value
    if kept_name is not None:
        vc_room.name = kept_name
    return drift


def converge(vc_room):
    """Refresh from Zoom (a GET) and adopt its state; the caller pushes what is still owed."""
    meeting, kind = meetings.fetch_meeting(vc_room)
    return adopt_from_zoom(vc_room, meeting, kind)


def reconcile_room(vc_room, dry_run=False):
    """Compare one locked room with Zoom and fix it; returns ``(outcome, detail)``."""
    try:
        meeting, kind = meetings.fetch_meeting(vc_room)
    except ZoomNotFound:
        if not dry_run:
            gone_on_zoom(vc_room, 'Found deleted on Zoom by the reconcile')
        return 'deleted', 'deleted on Zoom'
    drift = adopt_from_zoom(vc_room, meeting, kind, apply=not dry_run)
    event = pending_changes.room_event(vc_room)
    if dry_run or event is None:
        owed = sorted(meetings.changes_to_push(vc_room, event)) if event is not None else []
        return ('adopted' if drift else 'unchanged'), _detail(drift, owed)
    if until := pending_changes.deferred_until(vc_room):
        return 'deferred', _detail(drift, [f'waits for the daily limit until {until:%Y-%m-%d %H:%M} UTC'])
    try:
        pushed = pending_changes.push_changes(vc_room, event)
    except ZoomRateLimited as exc:
        if not exc.daily:
            raise
        pending_changes.defer_for_daily_limit(vc_room, exc)
        return 'deferred', _detail(drift, ['daily limit reached, queued'])
    pending_changes.clear_mark(vc_room)
    if drift:
        log_action(event, LogKind.change, 'Zoom meeting "{}" brought in line with Zoom (reconcile)', vc_room,
                   data={'Changed on Zoom': ', '.join(drift)})
    if pushed:
        log_action(event, LogKind.change, 'Zoom meeting "{}" brought in line with Indico (reconcile)', vc_room,
                   data={'Changed': ', '.join(sorted(pushed))})
        return 'pushed', _detail(drift, sorted(pushed))
    return ('adopted' if drift else 'unchanged'), _detail(drift, [])


def _detail(drift, pushed):
    parts = []
    if drift:
        parts.append('changed on Zoom: ' + ', '.join(drift))
    if pushed:
        parts.append('pushed to Zoom: ' + ', '.join(pushed))
    return '; '.join(parts)


def room_id_pages(batch_size=BATCH_SIZE):
    """Ids of live Zoom rooms in pages (keyset paging by id: rooms created meanwhile are not missed twice)."""
    last = 0
    while True:
        ids = [room_id for room_id, in db.session.query(VCRoom.id)
               .filter(VCRoom.type == 'zoom', VCRoom.status != VCRoomStatus.deleted, VCRoom.id > last)
               .order_by(VCRoom.id).limit(batch_size)]
        if not ids:
            return
        yield ids
        last = ids[-1]


def reconcile(dry_run=False, per_second=None, batch_size=BATCH_SIZE, echo=None, sleep=time.sleep):
    """Reconcile every live Zoom room; returns a :class:`Report`. ``echo(line)`` hears each change as it happens."""
    per_second = zoom_settings.get('reconcile_calls_per_second') if per_second is None else per_second
    pacer = Pacer(get_client(), per_second, sleep=sleep)
    report = Report()
    for ids in room_id_pages(batch_size):
        for room_id in ids:
            vc_room = pending_changes.lock_room(room_id, skip_locked=True)
            if vc_room is None:
                report.busy += 1  # a worker is converging it right now (or it was just deleted)
                db.session.rollback()
                continue
            if vc_room.status == VCRoomStatus.deleted:
                db.session.rollback()
                continue
            report.checked += 1
            pacer.wait()
            name, zoom_id = vc_room.name, vc_room.data.get('zoom_id')
            try:
                outcome, detail = reconcile_room(vc_room, dry_run)
                pacer.done()
            except ZoomError as exc:
                pacer.done()
                db.session.rollback()
                report.errors += 1
                _note(report, f'{name} ({zoom_id}): {exc}', echo, warning=True)
                continue
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
            setattr(report, outcome, getattr(report, outcome) + 1)
            if detail:
                _note(report, f'{name} ({zoom_id}): {detail}', echo)
        db.session.expunge_all()  # 2 000 rooms must not pile up in the session
    logger.info('Reconcile done: %s', report.summary(dry_run))
    return report


def _note(report, line, echo, warning=False):
    report.lines.append(line)
    (logger.warning if warning else logger.info)('Reconcile: %s', line)
    if echo:
        echo(line)
