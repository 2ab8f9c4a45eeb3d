"""Whether a Zoom meeting is running: ``meeting.started`` / ``meeting.ended`` (and the webinar ones) kept in the room.

The status lives in ``vc_room.data['live']`` (state, instance uuid, start and end, event timestamp), so pages show
it without asking Zoom. It has an order of its own, by event timestamp, apart from the meeting's other webhooks:
a start arriving after the end of the same instance changes nothing.
"""

from datetime import datetime
from functools import partial

from indico.modules.logs.models.entries import LogKind

from indico_vc_zoom import attendance
from indico_vc_zoom.i18n import _, format_minutes, local_time
from indico_vc_zoom.webhooks import records
from indico_vc_zoom.webhooks.changes import log_entries, working_copy


LIVE = 'live'
ENDED = 'ended'


def _parse(value):
    return datetime.fromisoformat(value.replace('Z', '+00:00')) if value else None


def _is_stale(live, notification):
    if not live:
        return False
    if live.get('uuid') == notification.uuid and live.get('state') == ENDED:
        return True  # this instance ended: nothing of it (a late start, a duplicate end) changes that
    return notification.ts < live.get('ts', 0)


def apply_to_room(record, notification):
    """Like :func:`handling.apply_to_room` for a run event: ``None``, ``False`` or ``(log rows, followup)``."""
    live = record.data.get('live')
    if _is_stale(live, notification):
        return None
    room = working_copy(record)
    if notification.action == 'started':
        room.data['live'] = {'state': LIVE, 'uuid': notification.uuid, 'ts': notification.ts,
                             'start_time': notification.start_time, 'end_time': None}
    else:
        start_time = notification.start_time
        if live and live.get('uuid') == notification.uuid:
            start_time = start_time or live.get('start_time')
        room.data['live'] = {'state': ENDED, 'uuid': notification.uuid, 'ts': notification.ts,
                             'start_time': start_time, 'end_time': notification.end_time}
    if not records.write_room(record, data=room.data):
        return False
    if notification.action == 'started':
        return [], None
    kind = record.data.get('meeting_type', 'meeting')
    entries = log_entries(record, LogKind.other, f'Zoom {kind} "{record.name}" ended',
                          {'Started': notification.start_time or '-', 'Ended': notification.end_time or '-'})
    # the participant report, once per instance, fetched after the commit (Celery)
    report_id = attendance.report_pending(record, notification)
    return entries, (partial(attendance.queue_report, report_id) if report_id is not None else None)


def describe(vc_room, event):
    """A short text of the meeting's run ("Live now", "Ended 14:32, lasted 1 hour, 12 minutes") or ``None``; times
    in the event's time zone, words in the user's language."""
    live = (vc_room.data or {}).get('live')
    if not live:
        return None
    tz = event.tzinfo
    if live.get('state') == LIVE:
        start = _parse(live.get('start_time'))
        return _('Live now (since {time})').format(time=local_time(start, tz)) if start else _('Live now')
    end = _parse(live.get('end_time'))
    if end is None:
        return _('Ended')
    start = _parse(live.get('start_time'))
    if start is not None and end >= start:
        return _('Ended {time}, lasted {duration}').format(
            time=local_time(end, tz), duration=format_minutes(round((end - start).total_seconds() / 60)))
    return _('Ended {time}').format(time=local_time(end, tz))


def is_live(vc_room):
    return ((vc_room.data or {}).get('live') or {}).get('state') == LIVE
