"""Orphan safety: a meeting created on Zoom never outlives a failed save in Indico.

The created ids wait in ``g`` until the request's data is flushed successfully (``after_process``); if that flush
or anything before it fails, the meeting is deleted again. A create whose outcome is unknown (timeout, 5xx) is
looked for on Zoom while the user's action has time left: found, it is adopted (the user's create stands); not
found, a task keeps looking and deletes it if Zoom makes it later (the dialog said it was not created).
"""

import time
from contextlib import suppress
from datetime import timedelta

from flask import g, has_app_context
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.core.logger import Logger
from sqlalchemy.exc import DatabaseError

from indico_vc_zoom.connection import get_client
from indico_vc_zoom.kinds import WEBINAR
from indico_vc_zoom.meetings import api_for, zoom_time
from indico_vc_zoom.models.zoom_meetings import ZoomMeeting
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound


logger = Logger.get('vc_zoom')


class SaveFailed(UserValueError):
    """Shown to the user instead of a 500 when the database refused what Zoom already accepted."""


#: a create Zoom carries out this long after it was sent is no longer looked for (and never taken for ours)
LATE_CREATE_WINDOW = timedelta(minutes=3)


def _known_zoom_ids(ids):
    return {zoom_id for zoom_id, in db.session.query(ZoomMeeting.zoom_id).filter(ZoomMeeting.zoom_id.in_(ids))}


def find_unconfirmed_create(kind, host_id, topic, zoom_type, since):
    """The meetings Zoom made for a create whose answer never came: the host's meetings with our topic and type,
    created in the request's window and unknown to Indico (one GET). Zoom has no idempotency keys."""
    client = get_client()
    lister = client.list_webinars if kind == WEBINAR else client.list_meetings
    # tolerate clock skew; ISO strings compare in time order
    first, last = zoom_time(since - timedelta(minutes=1)), zoom_time(since + LATE_CREATE_WINDOW)
    found = [m['id'] for m in lister(host_id)
             if m.get('topic') == topic and m.get('type') == zoom_type and first <= (m.get('created_at') or '') <= last]
    known = _known_zoom_ids(found) if found else set()
    return [zoom_id for zoom_id in found if zoom_id not in known]


def look_for_unconfirmed_create(kind, host_id, payload, since, waits=(0.5, 1.5, 3)):
    """After a create of unknown outcome, look for the meeting as long as the action's time allows (the create
    may still be in progress on Zoom's side). Returns the ids found (empty when not found in time)."""
    client = get_client()
    for wait in waits:
        if not client.has_time_for(wait):
            break
        time.sleep(wait)
        try:
            if found := find_unconfirmed_create(kind, host_id, payload.get('topic'), payload.get('type'), since):
                return found
        except ZoomError:
            continue
    return []


def delete_unclaimed(kind, zoom_ids):
    """Delete meetings nobody in Indico has (a create Zoom finished after Indico gave up on it)."""
    for zoom_id in zoom_ids:
        with suppress(ZoomNotFound):
            api_for(kind)[4](zoom_id)
        logger.warning('Deleted Zoom %s %s: created although Indico saw no answer; no room has it', kind, zoom_id)


def remember_pending(kind, zoom_id):
    g.setdefault('vc_zoom_pending', []).append((kind, zoom_id))


def delete_orphans():
    pending = g.pop('vc_zoom_pending', []) if has_app_context() else []
    for kind, zoom_id in pending:
        try:
            api_for(kind)[4](zoom_id)
        except ZoomNotFound:
            pass
        except ZoomError:
            logger.exception('Could not delete orphaned Zoom %s %s', kind, zoom_id)
        else:
            logger.warning('Deleted Zoom %s %s: saving it in Indico failed', kind, zoom_id)


def save_new_room():
    """Write the new room now, in a savepoint, so a database failure is caught while we can still undo Zoom."""
    with db.session.begin_nested():
        db.session.flush()


def flush_or_delete_orphans():
    if not g.get('vc_zoom_pending'):
        return
    try:
        db.session.flush()
    except DatabaseError as exc:
        delete_orphans()
        logger.error('Saving a new Zoom meeting failed; the meeting was deleted on Zoom again: %s', exc)
        raise SaveFailed('Indico could not save the new meeting, so it was deleted from Zoom again. Nothing was '
                         'changed; please try again.') from exc
    g.pop('vc_zoom_pending', None)


def discard_new_room(vc_room):
    """Make sure a room whose Zoom creation failed never reaches the database."""
    for assoc in list(vc_room.events):
        assoc.linked_event = assoc.linked_contrib = assoc.linked_block = None
        assoc.event = None
        assoc.vc_room = None
        if assoc in db.session:
            db.session.expunge(assoc)
    vc_room.created_by_user = None  # else the user's backref would try to save it again
    if vc_room in db.session:
        db.session.expunge(vc_room)
