"""Indico's registration signals -> registrant syncs queued once the request's transaction committed."""

from indico.core import signals
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.core.logger import Logger
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from indico_vc_zoom.i18n import _
from indico_vc_zoom.models.zoom_registrants import ZoomRegistrant
from indico_vc_zoom.registration import personal_links
from indico_vc_zoom.registration.config import is_registration_mode
from indico_vc_zoom.registration.tasks import sync_registrants


logger = Logger.get('vc_zoom')
#: ``db.session.info`` key: {vc_room_id: set of registrations (new ones have no id yet), or None for a full sync}
PENDING = 'vc_zoom_registrant_syncs'
SIGNALS = ('registration_created', 'registration_updated', 'registration_state_updated', 'registration_deleted',
           'registration_personal_data_modified')


def connect(plugin):
    for name in SIGNALS:
        plugin.connect(getattr(signals.event, name), _registration_changed)
    plugin.connect(signals.core.after_commit, lambda sender, **kw: flush_pending())
    personal_links.connect(plugin)


def _registration_changed(registration, **kwargs):
    event = registration.registration_form.event
    rooms = {a.vc_room for a in VCRoomEventAssociation.find_for_event(event, include_hidden=True)
             if a.vc_room.type == 'zoom' and a.vc_room.status != VCRoomStatus.deleted
             and is_registration_mode(a.vc_room)}
    # a meeting that still holds a registrant of it (e.g. no longer in registration mode) is synced too
    rooms |= set(VCRoom.query.join(ZoomRegistrant, ZoomRegistrant.vc_room_id == VCRoom.id)
                 .filter(ZoomRegistrant.registration_id == registration.id))
    for vc_room in rooms:
        queue_sync(vc_room.id, {registration})


def queue_sync(vc_room_id, registrations=None):
    """Sync this meeting (only these registrations, or all) after the current transaction commits."""
    pending = db.session.info.setdefault(PENDING, {})
    if vc_room_id in pending and pending[vc_room_id] is None:
        return
    if registrations is None:
        pending[vc_room_id] = None
    else:
        pending.setdefault(vc_room_id, set()).update(registrations)


def flush_pending():
    """Queue the pending syncs on Celery (eagerly run in tests); a broker failure is logged, never raised."""
    pending = db.session.info.pop(PENDING, None) or {}
    for vc_room_id, registrations in sorted(pending.items()):
        try:
            ids = sorted(r.id for r in registrations) if registrations is not None else None
            sync_registrants.delay(vc_room_id, ids)
        except Exception:
            logger.exception('Could not queue the Zoom registrant sync of room %s', vc_room_id)


@sa_event.listens_for(Session, 'after_rollback')
def _forget_pending(session):
    # a rolled-back request changed nothing to sync
    session.info.pop(PENDING, None)


def room_saved(vc_room):
    """After a create or edit: sync all its registrants (registration mode on, or rows left from before)."""
    if is_registration_mode(vc_room) or ZoomRegistrant.query.filter_by(vc_room_id=vc_room.id).has_rows():
        queue_sync(vc_room.id)


def offers_sync(vc_room):
    """The management page's "Sync registrants now" button: meetings in registration mode that exist on Zoom."""
    return (vc_room.status != VCRoomStatus.deleted and bool(vc_room.data.get('zoom_id'))
            and is_registration_mode(vc_room))


def registrant_counts(vc_room):
    """``{'approved': n, 'cancelled': m}`` of the meeting's Zoom registrants (the managers' details box)."""
    rows = (db.session.query(ZoomRegistrant.status, db.func.count()).filter(ZoomRegistrant.vc_room_id == vc_room.id)
            .group_by(ZoomRegistrant.status))
    return dict(rows)


def check_attach(vc_room, event):
    """Zoom takes registrations only for a meeting with one fixed time, which a shared meeting has not: refuse."""
    if is_registration_mode(vc_room) and any(a.event is not None and a.event != event for a in vc_room.events):
        raise UserValueError(_('This Zoom meeting requires registration for the registrants of its event, which Zoom '
                               'allows only for a meeting of one event. Create a new meeting for this event, or turn '
                               "off the meeting's Zoom registration first."))


def clone_needs_new_meeting(old_event_vc_room):
    """Cloning would share the meeting with the new event (see :func:`check_attach`): the clone gets its own."""
    return is_registration_mode(old_event_vc_room.vc_room)
