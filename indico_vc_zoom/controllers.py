"""HTTP endpoints of the plugin (besides Indico's own VC pages)."""

from flask import jsonify, request
from indico.web.rh import RH

from indico_vc_zoom.webhooks import handle_webhook


class RHZoomWebhook(RH):
    """Zoom's event notifications; authenticated by signature, not by session, hence no CSRF."""

    CSRF_ENABLED = False

    def _process(self):
        status, body = handle_webhook(request.get_data(cache=True), request.headers)
        return jsonify(body), status
