"""Orphan safety: a meeting created on Zoom never outlives a failed save in Indico.

The created ids wait in ``g`` until the request's data is flushed successfully (``after_process``); if that flush
or anything before it fails, the meeting is deleted again. A create whose outcome is unknown (timeout, 5xx) is
looked for on Zoom and deleted if Zoom made it anyway.
"""

import time
from datetime import timedelta

from flask import g, has_app_context
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.core.logger import Logger
from sqlalchemy.exc import DatabaseError

from indico_vc_zoom.connection import get_client
from indico_vc_zoom.kinds import WEBINAR
from indico_vc_zoom.meetings import api_for, zoom_time
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound


logger = Logger.get('vc_zoom')


class SaveFailed(UserValueError):
    """Shown to the user instead of a 500 when the database refused what Zoom already accepted."""


def remove_unconfirmed_create(kind, host_id, payload, since, waits=(0.5, 1.5)):
    """After a create whose outcome is unknown (timeout, 5xx), delete a meeting Zoom made anyway.

    Zoom has no idempotency keys; the host's meetings are listed (one GET per try) and a meeting with our topic
    and type created since the request started is deleted. Returns the ids deleted.
    """
    client = get_client()
    lister = client.list_webinars if kind == WEBINAR else client.list_meetings
    since = zoom_time(since - timedelta(minutes=1))  # tolerate clock skew; ISO strings compare in time order
    for wait in waits:
        time.sleep(wait)  # the create may still be in progress on Zoom's side
        try:
            found = [m['id'] for m in lister(host_id)
                     if m.get('topic') == payload.get('topic') and m.get('type') == payload.get('type')
                     and (m.get('created_at') or '') >= since]
        except ZoomError:
            continue
        for zoom_id in found:
            try:
                api_for(kind)[4](zoom_id)
            except ZoomNotFound:
                pass
            except ZoomError:
                logger.exception('Zoom %s %s was created although Indico saw an error; deleting it failed',
                                 kind, zoom_id)
            else:
                logger.warning('Deleted Zoom %s %s: created although the create request failed', kind, zoom_id)
        if found:
            return found
    return []


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
