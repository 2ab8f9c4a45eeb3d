"""When a meeting takes place: Zoom follows the time of what it is linked to, and shared meetings recur.

The desired schedule itself is computed in :mod:`meetings` (``desired_schedule``); this module pushes it to Zoom
when a meeting is attached to another event, and queues it (:mod:`pending_changes`) when the timetable moves and
when an event is cloned.
"""

from datetime import datetime

from flask import g, has_request_context, session
from indico.modules.vc.models.vc_rooms import VCRoomStatus

from indico_vc_zoom import meetings, pending_changes
from indico_vc_zoom.i18n import _, local_datetime, ngettext
from indico_vc_zoom.kinds import MEETING


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
    """The event, a contribution or a session block moved: meetings with a fixed time follow it.

    The request only records what must change; a task sends the PATCHes after the commit (``pending_changes``).
    """
    moving = []
    for assoc in getattr(obj, 'vc_room_associations', []):
        vc_room = assoc.vc_room
        if vc_room.type != service_name or vc_room.status == VCRoomStatus.deleted:
            continue
        if meetings.changes_to_push(vc_room, assoc.event).keys() & set(meetings.SCHEDULE_KEYS):
            pending_changes.mark_pending(vc_room, pending_changes.SCHEDULE)
            moving.append(vc_room)
    if moving and has_request_context():
        _say_meetings_follow(moving)


def _say_meetings_follow(moving):
    # one message per request, however many objects the timetable change moved (each sends its own signal)
    following = g.setdefault('vc_zoom_following', [])
    following += [vc_room.name for vc_room in moving if vc_room.name not in following]
    names = ', '.join(f'"{name}"' for name in following[:3]) + (' …' if len(following) > 3 else '')
    text = ngettext('{count} Zoom meeting ({names}) will follow the new time on Zoom in a moment.',
                    '{count} Zoom meetings ({names}) will follow the new time on Zoom in a moment.',
                    len(following)).format(count=len(following), names=names)
    flashes = [f for f in session.get('_flashes', []) if f[1] != g.get('vc_zoom_following_text')]
    session['_flashes'] = [*flashes, ('info', text)]
    g.vc_zoom_following_text = text


def make_recurring(vc_room):
    """A cloned event shares the meeting: a meeting used by several events has no fixed time.

    A task refreshes the meeting from Zoom and makes it recurring after the clone is committed.
    """
    if vc_room.status != VCRoomStatus.deleted:
        pending_changes.mark_pending(vc_room, pending_changes.CLONE)


def meeting_time(vc_room, event):
    """When the meeting is scheduled, for people: in the event's time zone and the user's language."""
    start = ((vc_room.data or {}).get('zoom') or {}).get('start_time')
    if not start:
        return _('recurring, no fixed time')
    return local_datetime(datetime.fromisoformat(start.replace('Z', '+00:00')), event.tzinfo, 'long')
