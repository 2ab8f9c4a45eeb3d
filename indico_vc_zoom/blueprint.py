"""The plugin's URL rules (Zoom's webhook endpoint) and the request teardown that deletes orphaned meetings."""

from indico.core.plugins import IndicoPluginBlueprint

from indico_vc_zoom.controllers import RHZoomWebhook
from indico_vc_zoom.orphans import delete_orphans


blueprint = IndicoPluginBlueprint('vc_zoom', 'indico_vc_zoom')

# Zoom calls this; configure it as the event notification endpoint of the Zoom app
blueprint.add_url_rule('/api/plugin/zoom/webhook', 'webhook', RHZoomWebhook, methods=('POST',))


@blueprint.teardown_app_request
def _delete_orphaned_meetings(exc=None):
    # meetings still pending here were created on Zoom by a request that failed before saving them
    delete_orphans()
