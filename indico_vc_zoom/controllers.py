"""HTTP endpoints of the plugin (besides Indico's own VC pages)."""

from flask import jsonify, request
from indico.web.rh import RH

from indico_vc_zoom.webhooks.handling import handle_webhook


class RHZoomWebhook(RH):
    """Zoom's event notifications; authenticated by Zoom's signature, not by a session, hence no CSRF."""

    CSRF_ENABLED = False
    # no Indico user is involved; an ``authorization`` header here is Zoom's legacy token, not an OAuth token
    _DISABLE_CORE_AUTH = True

    def _check_csrf(self):
        # the base class reads request.form, which would consume the raw body the signature covers
        pass

    def _process(self):
        status, body = handle_webhook(request.get_data(cache=True), request.headers)
        return jsonify(body), status
