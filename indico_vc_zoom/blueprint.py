from indico.core.plugins import IndicoPluginBlueprint

from indico_vc_zoom.controllers import RHZoomWebhook


blueprint = IndicoPluginBlueprint('vc_zoom', 'indico_vc_zoom')

# Zoom calls this; configure it as the event notification endpoint of the Zoom app
blueprint.add_url_rule('/api/plugin/zoom/webhook', 'webhook', RHZoomWebhook, methods=('POST',))
