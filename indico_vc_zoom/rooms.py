"""The lifecycle of a Zoom room: create, edit, refresh, delete, attach to and detach from events.

``ZoomPlugin``'s VC hooks delegate here. Every Zoom call of the lifecycle starts in this module (through
:mod:`meetings` and :mod:`hosts`); a Zoom refusal becomes a form error or :class:`ZoomActionFailed`, and nothing
is changed in Indico then.
"""

from flask import flash, session
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.exceptions import VCRoomError, VCRoomNotFoundError
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation, VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import hosts, meetings, orphans, pending_changes, verification
from indico_vc_zoom.budget import count_call
from indico_vc_zoom.connection import get_client, user_action
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.hosts import AssistantNotAdded, NoZoomAccount, host_form_field, zoom_host
from indico_vc_zoom.i18n import _, local_datetime, ngettext
from indico_vc_zoom.kinds import MEETING, WEBINAR
from indico_vc_zoom.notifications import notify_attached, notify_detached, notify_modified
from indico_vc_zoom.protection import strip_passcode
from indico_vc_zoom.registration.config import REGISTRATION_KEYS
from indico_vc_zoom.schedule import push_schedule
from indico_vc_zoom.scopes import missing_scope_message
from indico_vc_zoom.zoom.errors import (
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomSchedulingRefused,
    ZoomScopeMissing,
    ZoomUnavailable,
    ZoomValidationError,
)


logger = Logger.get('vc_zoom')
GONE_MESSAGE = _('This Zoom meeting no longer exists on Zoom; it has been marked as deleted.')


class ZoomActionFailed(UserValueError):
    """Zoom refused or failed an action; nothing was changed in Indico (shown to the user, never a 500)."""


#: what Zoom could not do, as ``describe_error`` says it
ACTIONS = {'create': _('Zoom could not create the meeting: {error}'),
           'update': _('Zoom could not update the meeting: {error}'),
           'delete': _('Zoom could not delete the meeting: {error}')}


def describe_error(exc, action, host_email, tzinfo=None):
    """What the user is told when Zoom refused ``action`` (a key of ``ACTIONS``); times in ``tzinfo``."""
    if isinstance(exc, ZoomScopeMissing):
        return missing_scope_message(exc)
    if isinstance(exc, ZoomRateLimited) and exc.daily:
        if exc.resets_at:
            return (_("Zoom's daily limit of meeting changes for {who} is reached; Zoom accepts new ones again at "
                      '{when}.').format(who=host_email or _('this host'), when=local_datetime(exc.resets_at, tzinfo)))
        return _("Zoom's daily limit of meeting changes for {who} is reached; Zoom accepts new ones again at "
                 'midnight UTC.').format(who=host_email or _('this host'))
    if getattr(exc, 'user_message', None):
        return exc.user_message  # what is known and what happens next (an outcome Zoom left unknown)
    return ACTIONS[action].format(error=exc)


def error_field(exc, vc_room):
    if isinstance(exc, ZoomValidationError) and any(isinstance(e, dict) and 'alternative_hosts' in e.get('field', '')
                                                    for e in exc.errors):
        return 'alternative_hosts'
    if isinstance(exc, ZoomValidationError) and 'password' in str(exc).lower():
        return 'password'
    return 'name'


# --- form data -> room data -----------------------------------------------------------------------------------

def store_room_data(vc_room, data, is_new):
    """Move what the create/edit form gave (left over by Indico's base hook) into ``vc_room.data``."""
    for key in ('description', 'password', 'checkin', *meetings.OPTION_KEYS, *REGISTRATION_KEYS):
        if key in data:
            vc_room.data[key] = data.pop(key)
    alternatives = data.pop('alternative_hosts', None)
    if alternatives is not None:
        vc_room.data['alternative_hosts'] = sorted({u.identifier for u in alternatives})
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
    found_host = scheduler = None
    confirmed_late = False
    try:
        client = get_client()
        with user_action():
            host, found_host = zoom_host(client, vc_room.data['host'])
            resolve_alternative_hosts(client, vc_room, found_host['email'])
            state = meetings.desired_state(vc_room, event)
            payload = meetings.to_zoom_payload(state, kind)
            if kind == MEETING:
                payload.setdefault('settings', {})['use_pmi'] = False  # the host's personal meeting ID: never
            path_user, schedule_for, scheduler = hosts.scheduling_for(found_host, kind)
            started = now_utc()

            def send():
                count_call(scheduler)
                return meetings.api_for(kind)[1](path_user, payload, schedule_for=schedule_for)

            try:
                meeting = hosts.send_with_privilege(client, found_host, scheduler, send)
            except ZoomUnavailable as exc:
                if not verification.outcome_unknown(exc):
                    raise
                meeting = _adopt_unconfirmed_create(event, kind, found_host['id'], payload, started, exc)
                confirmed_late = True
    except NoZoomAccount as exc:
        orphans.discard_new_room(vc_room)
        raise VCRoomError(str(exc), field=exc.field or host_form_field(vc_room))
    except AssistantNotAdded as exc:
        orphans.discard_new_room(vc_room)
        raise VCRoomError(str(exc), field=host_form_field(vc_room))
    except ZoomError as exc:
        orphans.discard_new_room(vc_room)
        raise VCRoomError(describe_error(exc, 'create', scheduler or (found_host or {}).get('email'), event.tzinfo),
                          field=error_field(exc, vc_room))
    vc_room.data['zoom'] = state
    meetings.store_zoom_meeting(vc_room, meeting, kind)
    vc_room.data.update(host_applied=vc_room.data['host'], zoom_scheduler=scheduler,
                        alternative_hosts_applied=vc_room.data.get('alternative_hosts') or [])
    orphans.remember_pending(kind, meeting['id'])
    try:
        orphans.save_new_room()
    except DatabaseError:
        orphans.delete_orphans()
        orphans.discard_new_room(vc_room)
        raise VCRoomError(_('Indico could not save the new meeting, so it was deleted from Zoom again. Nothing '
                            'was changed; please try again.'), field='name')
    log_data = {'Zoom ID': meeting['id'], 'Host': host.full_name}
    if confirmed_late:
        log_data['Verified'] = 'Zoom answered too late; the meeting was found on Zoom and adopted'
    if schedule_for:
        log_data['Scheduled by'] = scheduler
    if vc_room.data.get('alternative_host_emails'):
        log_data['Alternative hosts'] = ', '.join(vc_room.data['alternative_host_emails'])
    log_action(event, LogKind.positive, f'Zoom {kind} "{{}}" created', vc_room, data=log_data)


def _adopt_unconfirmed_create(event, kind, host_id, payload, started, exc):
    """A create Zoom did not answer: the meeting, if Zoom made it in the time left (the user's create stands).
    Else a task deletes it if Zoom makes it later, and ``exc`` tells the user (nothing was saved)."""
    # a 5xx is an answer (Zoom is done with it): one look; a timeout: Zoom may still be working on it
    waits = (0.2,) if exc.status_code else (0.5, 1.5, 3)
    found = orphans.look_for_unconfirmed_create(kind, host_id, payload, started, waits)
    if found:
        try:
            meeting = meetings.api_for(kind)[2](found[0])
        except ZoomError:
            pass  # not readable in time: a task deletes it, as it does when nothing was found
        else:
            orphans.delete_unclaimed(kind, found[1:])
            return meeting
    verification.create_not_confirmed(event, kind, host_id, payload, started)
    answer = _('Zoom answered with an error') if exc.status_code else _('Zoom did not answer in time')
    exc.user_message = _('{answer}, so it is not known whether it created the meeting; it was not created in '
                         'Indico. If Zoom creates it anyway, Indico deletes it on Zoom again within minutes (see the '
                         'event log); you can try again now.').format(answer=answer)
    raise exc


def resolve_alternative_hosts(client, vc_room, host_email, force=False):
    """Find the Zoom accounts of the room's alternative hosts when they changed (cached lookups): what
    :func:`meetings.desired_state` sends. Addresses only Zoom knows (no Indico user) are kept."""
    data = vc_room.data
    # the host is no alternative host of their own meeting (e.g. after becoming the host)
    identifiers = data['alternative_hosts'] = [i for i in data.get('alternative_hosts') or [] if i != data.get('host')]
    if not force and identifiers == (data.get('alternative_hosts_applied') or []) and \
            'alternative_host_emails' in data:
        return
    emails = hosts.alternative_host_emails(client, identifiers, host_email)
    data['alternative_host_emails'] = sorted(set(emails) | set(data.get('zoom_only_alternative_hosts') or []))
    flag_modified(vc_room, 'data')


def update(plugin, vc_room, event):
    data = vc_room.data
    kind = data.get('meeting_type', MEETING)
    host_changed = data.get('host') and data.get('host') != data.get('host_applied')
    changes = {}
    scheduler = hosts.scheduler_of(vc_room)
    try:
        client = get_client()
        with user_action():
            host = found_host = None
            if host_changed:
                if kind == WEBINAR:
                    raise VCRoomError(_("Zoom's API cannot change the host of a webinar; change it on Zoom."),
                                      field=host_form_field(vc_room))
                host, found_host = zoom_host(client, data['host'])
            resolve_alternative_hosts(client, vc_room, (found_host or {}).get('email') or data.get('host_email'),
                                      force=host_changed)
            changes = meetings.changes_to_push(vc_room, event)
            if not changes and not host_changed:
                data['alternative_hosts_applied'] = data.get('alternative_hosts') or []
                return
            if until := pending_changes.deferred_until(vc_room):
                _defer(vc_room, event, changes, until)  # already waiting for Zoom's daily limit: this change joins it
                return
            payload = meetings.to_zoom_payload(changes, kind)

            def send():
                return meetings.call_with_kind_fallback(vc_room, 3, payload)

            try:
                if host_changed:
                    payload['schedule_for'] = found_host['email']
                    hosts.send_with_privilege(client, found_host, scheduler, send)
                else:
                    send()
            except ZoomUnavailable as exc:
                if not verification.outcome_unknown(exc):
                    raise
                # Zoom may have taken it: read back and converge (or leave it to a task, and say so)
                if not verification.settle_update(vc_room, event, ', '.join(sorted(changes))):
                    return
    except NoZoomAccount as exc:
        raise VCRoomError(str(exc), field=exc.field or host_form_field(vc_room))
    except AssistantNotAdded as exc:
        raise VCRoomError(str(exc), field=host_form_field(vc_room))
    except ZoomSchedulingRefused as exc:
        if not host_changed:
            raise VCRoomError(describe_error(exc, 'update', scheduler, event.tzinfo), field=error_field(exc, vc_room))
        raise VCRoomError(hosts.refusal_message(scheduler, found_host['email'], host.full_name),
                          field=host_form_field(vc_room))
    except ZoomNotFound:
        raise VCRoomNotFoundError(GONE_MESSAGE)
    except ZoomRateLimited as exc:
        if not exc.daily:
            raise VCRoomError(describe_error(exc, 'update', data.get('host_email'), event.tzinfo), field='name')
        _defer(vc_room, event, changes, exc.resets_at or now_utc())
        return
    except ZoomError as exc:
        raise VCRoomError(describe_error(exc, 'update', scheduler, event.tzinfo), field=error_field(exc, vc_room))
    meetings.apply_pushed(vc_room, changes)
    if 'password' in changes:
        _read_back_join_url(vc_room, kind)
    data['alternative_hosts_applied'] = data.get('alternative_hosts') or []
    log_data = {'Changed': ', '.join(sorted(changes)) or '-'}
    if host_changed:
        data.update(host_applied=data['host'], zoom_scheduler=scheduler, zoom_host_id=found_host['id'],
                    host_email=found_host['email'])
        log_data['New host'] = host.full_name
    if 'alternative_hosts' in changes:
        log_data['Alternative hosts'] = ', '.join(data.get('alternative_host_emails') or []) or '-'
    log_action(event, LogKind.change, f'Zoom {kind} "{{}}" updated', vc_room, data=log_data)
    notify_modified(plugin, vc_room, event, session.user, log_data)


def _read_back_join_url(vc_room, kind):
    """A new passcode gives the meeting a new join link (its ``pwd=`` is Zoom's encrypted passcode, which only Zoom
    computes) and new phone passcodes: read them back (a GET, not counted in Zoom's daily create/update limit)."""
    try:
        with user_action():
            meeting = meetings.api_for(kind)[2](vc_room.data['zoom_id'])
    except ZoomError:
        # never keep the old link's passcode: the link without it still works (Zoom asks for the passcode), and
        # the periodic refresh (reconcile.py) stores the new one
        logger.warning('Could not read back the join link of Zoom %s %s after its passcode changed', kind,
                       vc_room.data.get('zoom_id'))
        vc_room.data['join_url'] = strip_passcode(vc_room.data.get('join_url'))
        flag_modified(vc_room, 'data')
        return
    meetings.store_zoom_meeting(vc_room, meeting, kind)


def _defer(vc_room, event, changes, until):
    """Zoom's daily limit: the edit is saved in Indico and queued; a task applies it after Zoom's reset."""
    pending_changes.mark_pending(vc_room, pending_changes.DAILY_LIMIT, not_before=until)
    log_action(event, LogKind.change, 'Zoom meeting "{}" changed in Indico; Zoom follows after its daily limit '
               'resets', vc_room, data={'Changed': ', '.join(sorted(changes)) or 'host',
                                        'Applied after': f'{until:%Y-%m-%d %H:%M} UTC'})
    pending_changes.flash_deferral(vc_room, until, event.tzinfo)


def delete(vc_room, event):
    if not vc_room.data.get('zoom_id'):
        return
    try:
        with user_action():
            try:
                meetings.call_with_kind_fallback(vc_room, 4)
            except ZoomUnavailable as exc:
                if not verification.outcome_unknown(exc):
                    raise
                if not verification.settle_delete(vc_room, event):
                    return  # removed from Indico as asked; a task deletes it on Zoom (logged, said)
    except ZoomNotFound:
        pass  # already gone on Zoom: that is what we wanted
    except ZoomError as exc:
        raise ZoomActionFailed(_('{error} Nothing was changed in Indico.').format(
            error=describe_error(exc, 'delete', vc_room.data.get('host_email'), event.tzinfo)))
    log_action(event, LogKind.negative, 'Zoom meeting "{}" deleted', vc_room,
               data={'Zoom ID': vc_room.data.get('zoom_id')})


def refresh(vc_room):
    try:
        meeting, kind = meetings.fetch_meeting(vc_room)
    except ZoomNotFound:
        raise VCRoomNotFoundError(GONE_MESSAGE)
    meetings.store_zoom_meeting(vc_room, meeting, kind)
    hosts.mirror_alternative_hosts(vc_room)


def refresh_before_edit(vc_room, event):
    """Show the edit form with Zoom's current state, and say so clearly if the meeting is gone."""
    try:
        with user_action():
            refresh(vc_room)
    except VCRoomNotFoundError as exc:
        meetings.mark_deleted(vc_room)
        log_action(event, LogKind.negative, 'Zoom meeting "{}" no longer exists on Zoom', vc_room)
        db.session.commit()
        raise ZoomActionFailed(str(exc))
    except ZoomError as exc:
        flash(_('Could not get the current state of the meeting from Zoom ({error}); showing the last known '
                'one.').format(error=exc), 'warning')


def attached(plugin, event, vc_room, event_vc_room):
    # only the schedule can change by attaching (shared meetings recur without fixed time)
    try:
        with user_action():
            try:
                push_schedule(vc_room, event)
            except ZoomUnavailable as exc:
                if not verification.outcome_unknown(exc):
                    raise
                verification.settle_update(vc_room, event, 'schedule')
    except ZoomError as exc:
        flash(_('The meeting was attached, but Zoom could not be updated: {error}').format(error=exc), 'warning')
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
        return ngettext('This meeting is also used by {count} other event; it stays on Zoom for it. Only this '
                        'link is removed.',
                        'This meeting is also used by {count} other events; it stays on Zoom for them. Only this '
                        'link is removed.', len(others)).format(count=len(others))
    return _('The meeting will be deleted from Zoom.')
