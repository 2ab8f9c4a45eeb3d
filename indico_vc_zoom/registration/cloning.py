"""Cloning an event whose meeting requires registration: the clone gets a new Zoom meeting with the same settings.

Sharing the old meeting would drop its registration (a shared meeting has no fixed time) and mix both events'
registrants, so the cloned event gets a meeting of its own, created on Zoom during the clone (one create call),
registration on, whose registrants are the new event's only. When that is impossible (the clone has no future
time, or Zoom refuses) the clone has no meeting at all - nothing half-made - and the event log and a message say
so; the old event's meeting is left as it was.
"""

from flask import flash, session
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.exceptions import VCRoomError
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus

from indico_vc_zoom import meetings, orphans, rooms
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.i18n import _
from indico_vc_zoom.registration.config import REGISTRATION_KEYS
from indico_vc_zoom.settings import zoom_settings


#: what the new meeting takes over from the old one (its Zoom id, links and Zoom state are its own)
CARRIED_KEYS = ('description', 'meeting_type', 'host', 'alternative_hosts', *meetings.OPTION_KEYS,
                *REGISTRATION_KEYS)


def clone_with_new_meeting(old_assoc, link_object):
    """Create the clone's own meeting and link; returns the new association or ``None`` (logged and said why)."""
    old_room = old_assoc.vc_room
    event = link_object.event
    data = {key: old_room.data[key] for key in CARRIED_KEYS if key in old_room.data}
    data['registration_forms'] = []  # the old event's forms: in the clone all its own forms count
    # a new meeting gets a new passcode: the old one is known to the old event's registrants
    data['password'] = meetings.generate_passcode(zoom_settings.get('passcode_length'))
    vc_room = VCRoom(type=old_room.type, name=old_room.name, status=VCRoomStatus.created, data=data,
                     created_by_user=(session.user if session else None) or old_room.created_by_user)
    assoc = VCRoomEventAssociation(show=old_assoc.show, data=dict(old_assoc.data or {}), link_object=link_object)
    assoc.vc_room = vc_room
    if meetings.desired_schedule(vc_room) is None:
        orphans.discard_new_room(vc_room)
        return _not_cloned(event, old_room, _('the cloned event has no fixed time in the future, which Zoom '
                                              'registration needs'))
    try:
        rooms.create(vc_room, event)
    except VCRoomError as exc:
        # rooms.create already took the room out of the session (and deleted a meeting Zoom made, if any)
        return _not_cloned(event, old_room, str(exc))
    orphans.flush_or_delete_orphans()  # saved now: the request's end must not take it for an orphan
    return assoc


def _not_cloned(event, old_room, reason):
    message = _('The Zoom meeting "{name}" requires registration and was not cloned: {reason}. Create a new '
                'meeting in the cloned event.').format(name=old_room.name, reason=reason)
    log_action(event, LogKind.negative, 'Zoom meeting "{}" not cloned', old_room, data={'Reason': reason})
    if session:
        flash(message, 'warning')
    return
