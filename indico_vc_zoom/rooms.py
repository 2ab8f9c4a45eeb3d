"""The lifecycle of a Zoom room: create, edit, refresh, delete, attach to and detach from events.

``ZoomPlugin``'s VC hooks delegate here. Every Zoom call of the lifecycle starts in this module (through
:mod:`meetings` and :mod:`hosts`); a Zoom refusal becomes a form error or :class:`ZoomActionFailed`, and nothing
is changed in Indico then.
"""

from flask import flash, session
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.exceptions import VCRoomError, VCRoomNotFoundError
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation, VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import meetings, orphans
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.hosts import NoZoomAccount, host_form_field, zoom_host
from indico_vc_zoom.kinds import MEETING, WEBINAR
from indico_vc_zoom.notifications import notify_attached, notify_detached, notify_modified
from indico_vc_zoom.schedule import push_schedule
from indico_vc_zoom.scopes import missing_scope_message
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomRateLimited, ZoomScopeMissing, ZoomValidationError


GONE_MESSAGE = 'This Zoom meeting no longer exists on Zoom; it has been marked as deleted.'


class ZoomActionFailed(UserValueError):
    """Zoom refused or failed an action; nothing was changed in Indico (shown to the user, never a 500)."""


def describe_error(exc, action, host_email):
    if isinstance(exc, ZoomScopeMissing):
        return missing_scope_message(exc)
    if isinstance(exc, ZoomRateLimited) and exc.daily:
        who = host_email or 'this host'
        when = exc.resets_at.strftime('%Y-%m-%d %H:%M UTC') if exc.resets_at else 'midnight UTC'
        return (f"Zoom's daily limit of meeting changes for {who} is reached; Zoom accepts new ones again "
                f'at {when}.')
    return f'Zoom could not {action}: {exc}'


def error_field(exc, vc_room):
    if isinstance(exc, ZoomValidationError) and 'password' in str(exc).lower():
        return 'password'
    return 'name'


# --- form data -> room data -----------------------------------------------------------------------------------

def store_room_data(vc_room, data, is_new):
    """Move what the create/edit form gave (left over by Indico's base hook) into ``vc_room.data``."""
    for key in ('description', 'password', *meetings.OPTION_KEYS):
        if key in data:
            vc_room.data[key] = data.pop(key)
    if is_new:
        vc_room.data['meeting_type'] = data.pop('meeting_type', None) or MEETING
    host = data.pop('host', None)
    if host is not None:
        vc_room.data['host'] = host.identifier
    flag_modified(vc_room, 'data')


def store_link_data(event_vc_room, data):
    """Each link keeps its own join-link visibility."""
    event_vc_room.data = {**(event_vc_room.data or {}),
                          'password_visibility': data.pop('password_visibility'),
                          'public_link': bool(data.pop('public_link', False))}
    flag_modified(event_vc_room, 'data')


def is_duplicate_attach(event, vc_room, event_vc_room):
    # mirrors Indico's own check, which runs after the association hook and rolls back duplicates
    existing = {a.vc_room for a in VCRoomEventAssociation.query.filter(
        VCRoomEventAssociation.event == event, VCRoomEventAssociation.link_object == event_vc_room.link_object)}
    if event_vc_room.link_type != VCRoomLinkType.event:
        return bool(existing)
    return vc_room in existing


# --- Zoom operations --------------------------------------------------------------------------------------------

def create(vc_room, event):
    kind = vc_room.data.get('meeting_type', MEETING)
    found_host = None
    try:
        client = get_client()
        host, found_host = zoom_host(client, vc_room.data['host'])
        state = meetings.desired_state(vc_room, event)
        payload = meetings.to_zoom_payload(state, kind)
        started = now_utc()
        meeting = meetings.api_for(kind)[1](found_host['id'], payload)
    except NoZoomAccount as exc:
        orphans.discard_new_room(vc_room)
        raise VCRoomError(str(exc), field=host_form_field(vc_room))
    except ZoomError as exc:
        orphans.discard_new_room(vc_room)
        if getattr(exc, 'outcome_unknown', False):
            orphans.remove_unconfirmed_create(kind, found_host['id'], payload, started)
        who = found_host['email'] if found_host else None
        raise VCRoomError(describe_error(exc, 'create the meeting', who), field=error_field(exc, vc_room))
    vc_room.data['zoom'] = state
    meetings.store_zoom_meeting(vc_room, meeting, kind)
    vc_room.data['host_applied'] = vc_room.data['host']
    orphans.remember_pending(kind, meeting['id'])
    try:
        orphans.save_new_room()
    except DatabaseError:
        orphans.delete_orphans()
        orphans.discard_new_room(vc_room)
        raise VCRoomError('Indico could not save the new meeting, so it was deleted from Zoom again. Nothing '
                          'was changed; please try again.', field='name')
    log_action(event, LogKind.positive, f'Zoom {kind} "{{}}" created', vc_room,
               data={'Zoom ID': meeting['id'], 'Host': host.full_name})


def update(plugin, vc_room, event):
    data = vc_room.data
    kind = data.get('meeting_type', MEETING)
    changes = meetings.changes_to_push(vc_room, event)
    host_changed = data.get('host') and data.get('host') != data.get('host_applied')
    if not changes and not host_changed:
        return
    try:
        client = get_client()
        payload = meetings.to_zoom_payload(changes, kind)
        if host_changed:
            if kind == WEBINAR:
                raise VCRoomError("Zoom's API cannot change the host of a webinar; change it on Zoom.",
                                  field=host_form_field(vc_room))
            host, found_host = zoom_host(client, data['host'])
            payload['schedule_for'] = found_host['email']
        meetings.call_with_kind_fallback(vc_room, 3, payload)
    except NoZoomAccount as exc:
        raise VCRoomError(str(exc), field=host_form_field(vc_room))
    except ZoomNotFound:
        raise VCRoomNotFoundError(GONE_MESSAGE)
    except ZoomError as exc:
        raise VCRoomError(describe_error(exc, 'update the meeting', data.get('host_email')),
                          field=error_field(exc, vc_room))
    meetings.apply_pushed(vc_room, changes)
    log_data = {'Changed': ', '.join(sorted(changes)) or '-'}
    if host_changed:
        data.update(host_applied=data['host'], zoom_host_id=found_host['id'], host_email=found_host['email'])
        log_data['New host'] = host.full_name
    log_action(event, LogKind.change, f'Zoom {kind} "{{}}" updated', vc_room, data=log_data)
    notify_modified(plugin, vc_room, event, session.user, log_data)


def delete(vc_room, event):
    if not vc_room.data.get('zoom_id'):
        return
    try:
        meetings.call_with_kind_fallback(vc_room, 4)
    except ZoomNotFound:
        pass  # already gone on Zoom: that is what we wanted
    except ZoomError as exc:
        raise ZoomActionFailed(describe_error(exc, 'delete the meeting', vc_room.data.get('host_email')) +
                               ' Nothing was changed in Indico.')
    log_action(event, LogKind.negative, 'Zoom meeting "{}" deleted', vc_room,
               data={'Zoom ID': vc_room.data.get('zoom_id')})


def refresh(vc_room):
    try:
        meeting, kind = meetings.fetch_meeting(vc_room)
    except ZoomNotFound:
        raise VCRoomNotFoundError(GONE_MESSAGE)
    meetings.store_zoom_meeting(vc_room, meeting, kind)


def refresh_before_edit(vc_room, event):
    """Show the edit form with Zoom's current state, and say so clearly if the meeting is gone."""
    try:
        refresh(vc_room)
    except VCRoomNotFoundError as exc:
        meetings.mark_deleted(vc_room)
        log_action(event, LogKind.negative, 'Zoom meeting "{}" no longer exists on Zoom', vc_room)
        db.session.commit()
        raise ZoomActionFailed(str(exc))
    except ZoomError as exc:
        flash(f'Could not get the current state of the meeting from Zoom ({exc}); showing the last known '
              'one.', 'warning')


def attached(plugin, event, vc_room, event_vc_room):
    # only the schedule can change by attaching (shared meetings recur without fixed time)
    try:
        push_schedule(vc_room, event)
    except ZoomError as exc:
        flash(f'The meeting was attached, but Zoom could not be updated: {exc}', 'warning')
    log_action(event, LogKind.positive, 'Zoom meeting "{}" attached', vc_room,
               data={'Zoom ID': vc_room.data.get('zoom_id'), 'Linked to': event_vc_room.link_type.name})
    notify_attached(plugin, vc_room, event_vc_room, event, session.user)


def detached(plugin, vc_room, assoc):
    # Indico has no hook for detaching a room from one of several events; the relationship event is one.
    # It fires before the removal: a list of one means the room itself is being deleted (logged there).
    if (vc_room.type != plugin.service_name or assoc.event is None or vc_room.status == VCRoomStatus.deleted
            or len(vc_room.events) < 2):
        return
    log_action(assoc.event, LogKind.negative, 'Zoom meeting "{}" detached from this event', vc_room)
    notify_detached(plugin, vc_room, assoc, assoc.event, session.user if session else None)


def extra_delete_message(vc_room, event_vc_room):
    others = {a.event for a in vc_room.events if a.event != event_vc_room.event}
    if others:
        return (f'This meeting is also used by {len(others)} other event(s); it stays on Zoom for them. Only this '
                'link is removed.')
    return 'The meeting will be deleted from Zoom.'
