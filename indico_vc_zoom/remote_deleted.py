"""A meeting found deleted on Zoom: marked deleted in Indico, logged in every event using it, announced by e-mail.

The same steps as the deleted-webhook path (``webhooks/handling.py``); used where the plugin finds out by itself
(the reconcile, a queued change that Zoom answers with "not found").
"""

from indico.modules.logs.models.entries import EventLogRealm, LogKind

from indico_vc_zoom import meetings
from indico_vc_zoom.event_log import SERVICE
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.notifications import notify_remote_deleted


def live_events(vc_room):
    return sorted({a.event for a in vc_room.events if a.event is not None and not a.event.is_deleted},
                  key=lambda e: e.id)


def gone_on_zoom(vc_room, action):
    """Mark the room deleted; each event's log says so (``action`` says how we found out); managers get e-mail."""
    meetings.mark_deleted(vc_room)
    kind = vc_room.data.get('meeting_type', MEETING)
    events = live_events(vc_room)
    for event in events:
        event.log(EventLogRealm.management, LogKind.negative, 'Videoconference',
                  f'Zoom {kind} "{vc_room.name}" was deleted on Zoom', None,
                  data={'Service': SERVICE, 'Zoom ID': vc_room.data.get('zoom_id'), 'Action': action})
    notify_remote_deleted(vc_room.plugin, vc_room, events)
