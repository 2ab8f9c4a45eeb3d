"""A manager's "Sync now" of a meeting in registration mode: the full registrant sync, run at once, its result flashed.

It runs in the request (not on Celery) so the manager sees what happened; it is the same idempotent sync the
background task runs, so a sync now that finds nothing to change sends nothing to Zoom.
"""

from flask import flash, redirect
from indico.core.db import db
from indico.web.flask.util import url_for
from werkzeug.exceptions import NotFound

from indico_vc_zoom.connection import user_action
from indico_vc_zoom.i18n import _
from indico_vc_zoom.management import RHManageZoomLink
from indico_vc_zoom.registration.config import is_registration_mode
from indico_vc_zoom.registration.tasks import report_failure, retry_plan, run_sync, sync_registrants
from indico_vc_zoom.zoom.errors import ZoomError, ZoomRateLimited, ZoomUnavailable


def sync_now(vc_room):
    """Run the full sync; ``(message, flash category)`` for the manager. A 429 or an unavailable Zoom is queued."""
    try:
        with user_action():
            result = run_sync(vc_room)
    except (ZoomRateLimited, ZoomUnavailable) as exc:
        retry = retry_plan(exc, 0)
        reason = report_failure(vc_room, exc, retry)
        db.session.commit()  # keeps what Zoom already took, and the log entry
        sync_registrants.apply_async((vc_room.id, None), {'attempt': 1}, countdown=retry[0], eta=retry[1])
        return _('Not all registrants could be synchronized with Zoom: {}').format(reason), 'warning'
    except ZoomError as exc:
        reason = report_failure(vc_room, exc)
        db.session.commit()
        return _('Zoom refused the registrants: {}').format(reason), 'error'
    if not result['calls']:
        return _('The Zoom registrants were already in line with the registrations; nothing was sent to Zoom.'), \
            'info'
    return _('Zoom registrants synchronized: {added} added, {replaced} updated, {approved} approved again, '
             '{cancelled} cancelled ({calls} Zoom calls).').format(**result), 'success'


class RHSyncRegistrantsNow(RHManageZoomLink):
    """POST (Indico's CSRF token), event managers of the meeting only."""

    def _process_args(self):
        RHManageZoomLink._process_args(self)
        if not is_registration_mode(self.vc_room) or not self.vc_room.data.get('zoom_id'):
            raise NotFound(_('This Zoom meeting does not require registration.'))

    def _process(self):
        message, category = sync_now(self.vc_room)
        flash(message, category)
        return redirect(url_for('vc.manage_vc_rooms', self.event))
