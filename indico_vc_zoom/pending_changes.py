"""Changes Indico owes Zoom: recorded durably with the request, pushed by a task, held back by Zoom's daily limit.

What Zoom must become is always derived from Indico's own rows (the timetable, the room's fields), and
``vc_room.data['zoom']`` is the last state Zoom confirmed; their difference *is* the pending change. So a change is
never carried by a task message: the request only marks the room (``data['zoom_sync']``, committed with it) and
queues its id; after the commit a task locks the row, re-reads it, sends at most one PATCH and clears the mark once
Zoom accepted it. Later changes to the same meeting merge into the same difference, so a queued meeting is applied
once, with everything it owes. A change refused with Zoom's daily limit keeps its mark with ``not_before`` (Zoom's
reset, 00:00 UTC) and the periodic sweep applies the due ones in the order they were made.
"""

from datetime import UTC, datetime

from flask import flash, g, has_app_context, has_request_context
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import hosts, meetings
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.hosts import zoom_host
from indico_vc_zoom.i18n import _, local_datetime
from indico_vc_zoom.kinds import MEETING, WEBINAR
from indico_vc_zoom.remote_deleted import gone_on_zoom, live_events
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomRateLimited, ZoomUnavailable


logger = Logger.get('vc_zoom')

#: the key in ``vc_room.data`` that marks a room whose Zoom meeting must still follow Indico
PENDING_KEY = 'zoom_sync'
#: reasons a room is marked (shown in logs; ``verify`` reasons GET the meeting before pushing)
SCHEDULE, CLONE, DAILY_LIMIT, EDIT = 'schedule', 'clone', 'daily_limit', 'edit'
#: a change Zoom got but did not answer in time (verification.py): read back before anything is sent again
UNCONFIRMED = 'unconfirmed'
VERIFY_REASONS = {CLONE, UNCONFIRMED}
#: Zoom errors worth retrying later: the call was not (or maybe not) carried out and may succeed next time
RETRYABLE = (ZoomUnavailable, ZoomRateLimited)


def _iso(dt):
    return dt.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _parse(value):
    return datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=UTC) if value else None


def marker(vc_room):
    return (vc_room.data or {}).get(PENDING_KEY)


def deferred_until(vc_room, now=None):
    """Zoom's daily-limit reset this room's change waits for, if still ahead; else ``None``."""
    not_before = _parse((marker(vc_room) or {}).get('not_before'))
    return not_before if not_before and not_before > (now or now_utc()) else None


def mark_pending(vc_room, reason, not_before=None):
    """Record in the room's row that Zoom must follow Indico; queue the room for a task after the commit."""
    current = marker(vc_room) or {}
    kept = _parse(current.get('not_before'))
    if kept and (not_before is None or kept > not_before):
        not_before = kept  # a later change cannot jump the daily limit the earlier one is waiting for
    vc_room.data[PENDING_KEY] = {
        'since': current.get('since') or _iso(now_utc()),  # the order in which queued changes are applied
        'reason': reason if not current or reason == DAILY_LIMIT else current.get('reason', reason),
        'not_before': _iso(not_before) if not_before else None,
        'verify': bool(current.get('verify')) or reason in VERIFY_REASONS,
    }
    flag_modified(vc_room, 'data')
    if not_before is None:
        queue_dispatch(vc_room.id, verify=reason in VERIFY_REASONS)


def queue_dispatch(room_id, verify=False):
    """Remember a room for :func:`take_dispatch_queue` (tasks.py sends them to the worker after the commit)."""
    if room_id is None or not has_app_context():
        return
    queue = g.setdefault('vc_zoom_dispatch', {})
    queue[room_id] = queue.get(room_id, False) or verify


def take_dispatch_queue():
    return g.pop('vc_zoom_dispatch', {}) if has_app_context() else {}


def clear_mark(vc_room):
    if vc_room.data.pop(PENDING_KEY, None) is not None:
        flag_modified(vc_room, 'data')


def defer_for_daily_limit(vc_room, exc):
    """Zoom refused with its daily limit: keep the change and apply it after Zoom's reset (00:00 UTC)."""
    resets_at = exc.resets_at or now_utc()
    mark_pending(vc_room, DAILY_LIMIT, not_before=resets_at)
    return resets_at


def deferral_message(vc_room, resets_at, tzinfo=None):
    """What the user is told of an edit kept for after Zoom's reset (the time in ``tzinfo``, the event's)."""
    return _('Zoom\'s daily limit of meeting changes for {who} is reached. Your change to "{name}" is saved in '
             'Indico and will be applied on Zoom after {when}.').format(
        who=vc_room.data.get('host_email') or _('its host'), name=vc_room.name, when=local_datetime(resets_at, tzinfo))


def room_event(vc_room):
    events = live_events(vc_room)
    return events[0] if events else None


def push_changes(vc_room, event):
    """Send Zoom what Indico wants and Zoom lacks (one PATCH, or none). Returns what was pushed.

    Zoom errors propagate; nothing is recorded as pushed unless Zoom accepted it.
    """
    data = vc_room.data
    kind = data.get('meeting_type', MEETING)
    changes = meetings.changes_to_push(vc_room, event)
    host_changed = bool(data.get('host')) and data.get('host') != data.get('host_applied') and kind != WEBINAR
    if not changes and not host_changed:
        return {}
    payload = meetings.to_zoom_payload(changes, kind)
    found_host = None
    scheduler = hosts.scheduler_of(vc_room)
    if host_changed:
        client = get_client()
        host, found_host = zoom_host(client, data['host'])
        payload['schedule_for'] = found_host['email']
        # as an edit in the request does: the assistant re-added if someone removed it on Zoom meanwhile
        hosts.send_with_privilege(client, found_host, scheduler,
                                  lambda: meetings.call_with_kind_fallback(vc_room, 3, payload))
    else:
        meetings.call_with_kind_fallback(vc_room, 3, payload)
    meetings.apply_pushed(vc_room, changes)
    pushed = dict(changes)
    if found_host:
        data.update(host_applied=data['host'], zoom_scheduler=scheduler, zoom_host_id=found_host['id'],
                    host_email=found_host['email'])
        pushed['host'] = host.full_name
    return pushed


def lock_room(room_id, skip_locked=False):
    """The room's row, re-read and locked until the commit: one worker at a time applies a room's changes."""
    query = VCRoom.query.filter(VCRoom.id == room_id, VCRoom.type == 'zoom')
    return query.with_for_update(skip_locked=skip_locked).populate_existing().first()


def apply_pending(room_id, now=None, converge=None, verify=False):
    """Apply what a room owes Zoom (the task's work). Returns an outcome word; commits.

    Retryable Zoom errors (5xx, per-second 429) roll back and propagate so the task retries: the mark stays, so
    nothing is lost. Other refusals (4xx) stop here with the reason logged and kept in the mark. ``converge``
    (GET and adopt Zoom's state) runs first when ``verify`` or the mark asks for it.
    """
    vc_room = lock_room(room_id)
    if vc_room is None or vc_room.status == VCRoomStatus.deleted:
        db.session.commit()
        return 'gone'
    if deferred_until(vc_room, now):
        db.session.commit()
        return 'deferred'
    event = room_event(vc_room)
    if event is None:
        clear_mark(vc_room)
        db.session.commit()
        return 'unlinked'
    verify = verify or (marker(vc_room) or {}).get('verify')
    unconfirmed = (marker(vc_room) or {}).get('reason') == UNCONFIRMED
    try:
        if verify and converge is not None:
            converge(vc_room)  # refresh from Zoom first (e.g. before a cloned event shares the meeting)
        pushed = push_changes(vc_room, event)
    except ZoomNotFound:
        gone_on_zoom(vc_room, 'Found deleted on Zoom while applying a change')
        clear_mark(vc_room)
        db.session.commit()
        return 'deleted'
    except ZoomRateLimited as exc:
        if not exc.daily:
            db.session.rollback()
            raise
        defer_for_daily_limit(vc_room, exc)
        db.session.commit()
        logger.info('Zoom daily limit: change to %r waits until %s', vc_room, exc.resets_at)
        return 'deferred'
    except RETRYABLE:
        db.session.rollback()
        raise
    except ZoomError as exc:
        vc_room.data[PENDING_KEY] = {**marker(vc_room), 'failed': str(exc)[:500]}
        flag_modified(vc_room, 'data')
        log_action(event, LogKind.negative, 'Zoom refused to apply the change to "{}"', vc_room,
                   data={'Reason': str(exc)})
        db.session.commit()
        logger.warning('Zoom refused the pending change to %r, not retrying: %s', vc_room, exc)
        return 'refused'
    clear_mark(vc_room)
    if unconfirmed:
        log_action(event, LogKind.change, 'Zoom meeting "{}" verified on Zoom: Zoom and Indico agree', vc_room,
                   data={'Sent again': ', '.join(sorted(pushed)) or '- (Zoom had taken the change)'})
    elif pushed:
        _log_pushed(vc_room, event, pushed)
    db.session.commit()
    return 'pushed' if pushed else 'unchanged'


def _log_pushed(vc_room, event, pushed):
    if set(pushed) <= set(meetings.SCHEDULE_KEYS):
        log_action(event, LogKind.change, 'Zoom meeting "{}" moved with the timetable', vc_room,
                   data={'Start': vc_room.data['zoom'].get('start_time') or 'no fixed time'})
    else:
        log_action(event, LogKind.change, 'Zoom meeting "{}" updated on Zoom (queued change)', vc_room,
                   data={'Changed': ', '.join(sorted(pushed))})


def due_room_ids(now=None, limit=500):
    """Marked rooms whose change may be applied now, oldest change first (the order they were made)."""
    now_text = _iso(now or now_utc())
    mark = VCRoom.data[PENDING_KEY]
    not_before = mark['not_before'].astext
    query = (db.session.query(VCRoom.id)
             .filter(VCRoom.type == 'zoom', VCRoom.status != VCRoomStatus.deleted, VCRoom.data.has_key(PENDING_KEY),
                     ~mark.has_key('failed'), db.or_(not_before.is_(None), not_before <= now_text))
             .order_by(mark['since'].astext, VCRoom.id)
             .limit(limit))
    return [room_id for room_id, in query]


def apply_due(now=None, converge=None):
    """Apply every due change in order; one that still fails (5xx) keeps its mark for the next run."""
    outcomes = {}
    for room_id in due_room_ids(now):
        try:
            outcome = apply_pending(room_id, now=now, converge=converge)
        except RETRYABLE as exc:
            outcome = 'retry later'
            logger.warning('Queued change of Zoom room %s: %s; kept for the next run', room_id, exc)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        logger.info('Applied queued Zoom changes: %s', outcomes)
    return outcomes


def flash_deferral(vc_room, resets_at, tzinfo=None):
    if has_request_context():
        flash(deferral_message(vc_room, resets_at, tzinfo), 'warning')
