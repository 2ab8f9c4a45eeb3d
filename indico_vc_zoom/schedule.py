"""When a meeting takes place: Zoom follows the time of what it is linked to, and shared meetings recur.

The desired schedule itself is computed in :mod:`meetings` (``desired_schedule``); this module pushes it to Zoom
when the timetable moves, when a meeting is attached to another event, and when an event is cloned.
"""

from flask import flash
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoomStatus

from indico_vc_zoom import meetings
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.kinds import MEETING, ZOOM_TYPES
from indico_vc_zoom.zoom.errors import ZoomError


logger = Logger.get('plugin.vc_zoom')


def push_schedule(vc_room, event):
    """Bring the Zoom meeting's time in line with what it is linked to; at most one PATCH."""
    kind = vc_room.data.get('meeting_type', MEETING)
    changes = meetings.changes_to_push(vc_room, event)
    changes = {k: v for k, v in changes.items() if k in meetings.SCHEDULE_KEYS}
    if not changes or vc_room.status == VCRoomStatus.deleted:
        return False
    meetings.call_with_kind_fallback(vc_room, 3, meetings.to_zoom_payload(changes, kind))
    meetings.apply_pushed(vc_room, changes)
    return True


def follow_times(obj, service_name):
    """The event, a contribution or a session block moved: meetings with a fixed time follow it."""
    for assoc in getattr(obj, 'vc_room_associations', []):
        vc_room = assoc.vc_room
        if vc_room.type != service_name or vc_room.status == VCRoomStatus.deleted:
            continue
        try:
            if push_schedule(vc_room, assoc.event):
                log_action(assoc.event, LogKind.change, 'Zoom meeting "{}" moved with the timetable', vc_room,
                           data={'Start': vc_room.data['zoom'].get('start_time') or 'no fixed time'})
        except ZoomError as exc:
            logger.warning('Could not move Zoom meeting %s: %s', vc_room.data.get('zoom_id'), exc)
            flash(f'The Zoom meeting "{vc_room.name}" could not be moved to the new time: {exc}', 'warning')


def make_recurring(vc_room):
    """A cloned event shares the meeting: a meeting used by several events has no fixed time."""
    kind = vc_room.data.get('meeting_type', MEETING)
    recurring = ZOOM_TYPES[kind][1]
    if vc_room.status == VCRoomStatus.deleted or vc_room.data.get('zoom', {}).get('zoom_type') == recurring:
        return
    changes = {'zoom_type': recurring}
    try:
        meetings.call_with_kind_fallback(vc_room, 3, meetings.to_zoom_payload(changes, kind))
    except ZoomError as exc:
        logger.warning('Could not make cloned Zoom meeting %s recurring: %s', vc_room.data.get('zoom_id'), exc)
    else:
        meetings.apply_pushed(vc_room, changes)
