"""An event manager's one click "make me alternative host" on a Zoom meeting: the action and its request handler.

The meeting's alternative hosts are otherwise edited in the meeting dialog (``forms.VCRoomForm``); both go to Zoom
as ``settings.alternative_hosts`` through :func:`rooms.update`, in one PATCH.
"""

from flask import flash, redirect, session
from indico.core.db import db
from indico.modules.vc.exceptions import VCRoomError, VCRoomNotFoundError
from indico.modules.vc.models.vc_rooms import VCRoomStatus
from indico.web.flask.util import url_for
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import meetings, rooms
from indico_vc_zoom.i18n import _
from indico_vc_zoom.management import RHManageZoomLink


def offers_alternative_host(vc_room, user):
    """Whether ``user`` could still become an alternative host (not the host, not one already)."""
    if user is None or vc_room.status == VCRoomStatus.deleted:
        return False
    data = vc_room.data
    return user.identifier != data.get('host') and user.identifier not in (data.get('alternative_hosts') or [])


def make_alternative_host(plugin, vc_room, event, user):
    """Add ``user`` to the meeting's alternative hosts (one PATCH); returns ``(message, flash category)``."""
    if not offers_alternative_host(vc_room, user):
        return _('You already host this meeting or are one of its alternative hosts.'), 'info'
    vc_room.data['alternative_hosts'] = sorted({*(vc_room.data.get('alternative_hosts') or []), user.identifier})
    flag_modified(vc_room, 'data')
    try:
        rooms.update(plugin, vc_room, event)
    except VCRoomNotFoundError as exc:
        db.session.rollback()
        meetings.mark_deleted(vc_room)
        return str(exc), 'error'
    except VCRoomError as exc:
        db.session.rollback()  # nothing changes in Indico when Zoom refuses
        return _('You could not be made an alternative host: {error}').format(error=exc), 'error'
    return _('You are now an alternative host of the Zoom meeting "{name}".').format(name=vc_room.name), 'success'


class RHMakeMeAlternativeHost(RHManageZoomLink):
    """POST (with Indico's CSRF token): the current event manager becomes an alternative host of the meeting."""

    def _process(self):
        message, category = make_alternative_host(self.vc_room.plugin, self.vc_room, self.event, session.user)
        flash(message, category)
        return redirect(url_for('vc.manage_vc_rooms', self.event))
