"""Zoom calls whose outcome is unknown (no answer in time, a 5xx): verified against Zoom and converged, in the
request while the user's action has time left, else by a task that retries until Zoom and Indico agree.

- an edit (PATCH): the meeting is read back, Zoom's state adopted, and what Zoom still lacks sent again; not
  possible in time, the change stays owed (``pending_changes``, read back first) and a task finishes it;
- a delete: a read-back 404 means deleted; else Indico deletes the room as asked and a task deletes the meeting
  until Zoom says it is gone;
- a create: see ``orphans`` (adopted when found in time, else a task deletes what Zoom makes late).
Each outcome is written to the event log.
"""

from datetime import datetime

from flask import flash, g, has_app_context, has_request_context
from indico.core.db import db
from indico.modules.events.models.events import Event
from indico.modules.logs.models.entries import EventLogRealm, LogKind
from indico.util.date_time import now_utc

from indico_vc_zoom import meetings, orphans, pending_changes, reconcile
from indico_vc_zoom.event_log import SERVICE, log_action
from indico_vc_zoom.i18n import _
from indico_vc_zoom.kinds import MEETING, other_kind
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomUnavailable


class NotYet(ZoomUnavailable):
    """Zoom has not (yet) done what a create of unknown outcome may still make it do: look again later."""


def outcome_unknown(exc):
    return isinstance(exc, ZoomUnavailable) and bool(getattr(exc, 'outcome_unknown', False))


def _say(text):
    if has_request_context():
        flash(text, 'warning')


def queue_task(what, *args):
    """Remember a verification task for after the commit (``tasks.dispatch_queued`` sends it)."""
    if has_app_context():
        g.setdefault('vc_zoom_verify', []).append((what, args))


def take_queue():
    return g.pop('vc_zoom_verify', []) if has_app_context() else []


# --- edits ------------------------------------------------------------------------------------------------------

def settle_update(vc_room, event, changed):
    """After a PATCH of unknown outcome: read back and push what Zoom lacks, in the time left. True when Zoom and
    Indico agree now; else the change is kept as owed, a task completes it, and the user and the log are told.
    ``ZoomNotFound`` propagates (the meeting is gone)."""
    try:
        reconcile.converge(vc_room)
        pending_changes.push_changes(vc_room, event)
    except ZoomNotFound:
        raise
    except ZoomError as exc:
        pending_changes.mark_pending(vc_room, pending_changes.UNCONFIRMED)
        log_action(event, LogKind.change, 'Zoom did not confirm the change to "{}" in time; Indico checks Zoom and '
                   'completes it in the background', vc_room, data={'Changed': changed or '-', 'Zoom': str(exc)})
        _say(_('Zoom did not answer in time, so it is not known yet whether it took your change to "{name}". The '
               'change is saved in Indico; Indico reads the meeting back from Zoom in the background and sends what '
               'is missing (the event log will say when Zoom agrees).').format(name=vc_room.name))
        return False
    return True


# --- deletes ----------------------------------------------------------------------------------------------------

def settle_delete(vc_room, event):
    """After a DELETE of unknown outcome: a read-back 404 means deleted (True). Otherwise Indico deletes the room
    as asked, and a task deletes the meeting on Zoom until Zoom says it is gone."""
    try:
        meetings.fetch_meeting(vc_room)
    except ZoomNotFound:
        return True
    except ZoomError:
        pass
    queue_task('delete', event.id, vc_room.data.get('meeting_type', MEETING), vc_room.data['zoom_id'], vc_room.name)
    log_action(event, LogKind.negative, 'Zoom meeting "{}" deleted in Indico; Zoom has not confirmed it yet, Indico '
               'deletes it there in the background', vc_room, data={'Zoom ID': vc_room.data.get('zoom_id')})
    _say(_('Zoom did not confirm in time that it deleted "{name}". It is removed from Indico; Indico deletes it on '
           'Zoom in the background until Zoom confirms (see the event log).').format(name=vc_room.name))
    return False


def finish_delete(event_id, kind, zoom_id, name):
    """The task's work: DELETE until Zoom says the meeting is gone (204 or 404); Indico deleted the room already.
    Retryable errors propagate."""
    event = db.session.get(Event, event_id)
    try:
        try:
            meetings.api_for(kind)[4](zoom_id)
        except ZoomNotFound:
            meetings.api_for(other_kind(kind))[4](zoom_id)  # converted on Zoom meanwhile
    except ZoomNotFound:
        pass
    except pending_changes.RETRYABLE:
        db.session.rollback()
        raise
    except ZoomError as exc:
        _log(event, LogKind.negative, f'Zoom refused to delete the meeting "{name}"', zoom_id, str(exc))
        db.session.commit()
        return 'refused'
    _log(event, LogKind.negative, f'Zoom confirmed that the meeting "{name}" is deleted', zoom_id)
    db.session.commit()
    return 'deleted'


# --- creates ----------------------------------------------------------------------------------------------------

def create_not_confirmed(event, kind, host_id, payload, since):
    """A create of unknown outcome found nothing in time: a task keeps looking and deletes what Zoom makes."""
    # Indico rolls the request back after the form error: the task's log entry tells what happened
    queue_task('create', event.id, kind, host_id, payload.get('topic'), payload.get('type'), since.isoformat())


def finish_create(event_id, kind, host_id, topic, zoom_type, since):
    """The task's work: delete a meeting Zoom made after the dialog reported it as not created. Raises
    :class:`NotYet` while Zoom may still make it; stops after ``orphans.LATE_CREATE_WINDOW``."""
    since = datetime.fromisoformat(since)
    event = db.session.get(Event, event_id)
    found = orphans.find_unconfirmed_create(kind, host_id, topic, zoom_type, since)
    if found:
        orphans.delete_unclaimed(kind, found)
        _log(event, LogKind.negative, f'Zoom meeting "{topic}" was created on Zoom after Indico gave up waiting; '
             'deleted it on Zoom again', ', '.join(map(str, found)))
        db.session.commit()
        return 'deleted'
    if now_utc() < since + orphans.LATE_CREATE_WINDOW:
        raise NotYet(f'no Zoom meeting "{topic}" yet')
    _log(event, LogKind.other, f'Zoom did not create the meeting "{topic}" (checked)', None)
    db.session.commit()
    return 'not created'


def _log(event, kind, summary, zoom_id, detail=None):
    if event is None:
        return
    data = {'Service': SERVICE}
    if zoom_id is not None:
        data['Zoom ID'] = zoom_id
    if detail:
        data['Details'] = detail
    event.log(EventLogRealm.management, kind, 'Videoconference', summary, None, data=data)
