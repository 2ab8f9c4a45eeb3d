"""The plugin's URL rules (Zoom's webhook, the management buttons) and the teardown deleting orphan meetings."""

from indico.core.plugins import IndicoPluginBlueprint

from indico_vc_zoom.alternative_hosts import RHMakeMeAlternativeHost
from indico_vc_zoom.attendance import RHAttendanceExport
from indico_vc_zoom.controllers import RHZoomWebhook
from indico_vc_zoom.orphans import delete_orphans
from indico_vc_zoom.recordings import RHRecordingPublication
from indico_vc_zoom.registration.sync_now import RHSyncRegistrantsNow


blueprint = IndicoPluginBlueprint('vc_zoom', 'indico_vc_zoom')

# Zoom calls this; configure it as the event notification endpoint of the Zoom app
blueprint.add_url_rule('/api/plugin/zoom/webhook', 'webhook', RHZoomWebhook, methods=('POST',))

# an event manager's "make me alternative host" button (management page; Indico's CSRF token)
blueprint.add_url_rule('/event/<int:event_id>/manage/videoconference/<any(zoom):service>/<int:event_vc_room_id>/'
                       'alternative-host', 'make_me_alternative_host', RHMakeMeAlternativeHost, methods=('POST',))

# an event manager publishes or hides a cloud recording (management page; Indico's CSRF token)
blueprint.add_url_rule('/event/<int:event_id>/manage/videoconference/<any(zoom):service>/<int:event_vc_room_id>/'
                       'recordings/<int:recording_id>', 'recording_publication', RHRecordingPublication,
                       methods=('POST',))

# an event manager's "Sync now" of a meeting's Zoom registrants (management page; Indico's CSRF token)
blueprint.add_url_rule('/event/<int:event_id>/manage/videoconference/<any(zoom):service>/<int:event_vc_room_id>/'
                       'registrants/sync', 'sync_registrants', RHSyncRegistrantsNow, methods=('POST',))

# an event manager downloads an attendance list (CSV or XLSX)
blueprint.add_url_rule('/event/<int:event_id>/manage/videoconference/<any(zoom):service>/<int:event_vc_room_id>/'
                       'attendance/<int:report_id>.<any(csv,xlsx):format>', 'attendance_export', RHAttendanceExport)


@blueprint.teardown_app_request
def _delete_orphaned_meetings(exc=None):
    # meetings still pending here were created on Zoom by a request that failed before saving them
    delete_orphans()
