"""HTTP endpoints of the plugin (besides Indico's own VC pages)."""

from flask import jsonify, request
from indico.core.db import db
from indico.core.logger import Logger
from indico.web.rh import RH
from werkzeug.exceptions import HTTPException

from indico_vc_zoom.webhooks.followup import queue_followups
from indico_vc_zoom.webhooks.handling import handle_webhook


logger = Logger.get('vc_zoom')


class RHZoomWebhook(RH):
    """Zoom's event notifications; authenticated by Zoom's signature, not by a session, hence no CSRF."""

    CSRF_ENABLED = False
    # no Indico user is involved; an ``authorization`` header here is Zoom's legacy token, not an OAuth token
    _DISABLE_CORE_AUTH = True

    def _check_csrf(self):
        # the base class reads request.form, which would consume the raw body the signature covers
        pass

    def _process(self):
        try:
            raw_body = request.get_data(cache=True)
        except HTTPException as exc:
            code = exc.code if exc.code and 400 <= exc.code < 500 else 400
            return jsonify(error='the request body could not be read'), code
        except (OSError, ValueError) as exc:
            # e.g. a chunked body with a bad chunk header: the server's reader raises while we read
            logger.warning('Refused a Zoom webhook: unreadable body (%s)', type(exc).__name__)
            return jsonify(error='the request body could not be read'), 400
        status, body, followups = handle_webhook(raw_body, request.headers)
        if followups:
            db.session.commit()  # a follow-up task must find what this webhook wrote
            queue_followups(followups)
        return jsonify(body), status
