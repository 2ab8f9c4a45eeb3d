"""The Zoom client built from the plugin settings (every Zoom call goes through :func:`get_client`).

One client (and so one ``requests.Session``) per process and settings; the OAuth token lives in Indico's
Redis-backed cache so every worker shares it.
"""

import hashlib
import json
import threading
import time

from flask import has_request_context, request
from indico.core.cache import make_scoped_cache

from indico_vc_zoom.settings import CLIENT_SETTINGS, DEFAULT_API_URL, DEFAULT_OAUTH_URL, zoom_settings
from indico_vc_zoom.zoom import JWTAuth, S2SAuth, ZoomClient
from indico_vc_zoom.zoom.auth import DEFAULT_TIMEOUT
from indico_vc_zoom.zoom.errors import ZoomAuthError


token_cache = make_scoped_cache('vc-zoom-token')
_clients = {}
_clients_lock = threading.Lock()


class ZoomNotConfigured(ZoomAuthError):
    def __init__(self):
        super().__init__('The Zoom plugin has no credentials yet; an administrator must configure it.')


def make_client_from_settings(settings, cache=token_cache):
    """Build a client from a settings dict (also used to check credentials before saving them)."""
    # the token reply's api_url is honoured unless the admin set a non-default one
    api_url = settings.get('api_url') or DEFAULT_API_URL
    api_url = None if api_url.rstrip('/') == DEFAULT_API_URL else api_url.rstrip('/')
    if settings.get('account_id') and settings.get('client_id') and settings.get('client_secret'):
        auth = S2SAuth(settings['account_id'], settings['client_id'], settings['client_secret'],
                       oauth_url=settings.get('oauth_url') or DEFAULT_OAUTH_URL, cache=cache)
    elif settings.get('api_key') and settings.get('api_secret'):
        auth = JWTAuth(settings['api_key'], settings['api_secret'])
    else:
        raise ZoomNotConfigured
    read_timeout = settings.get('read_timeout') or DEFAULT_TIMEOUT[1]
    return ZoomClient(auth, api_url=api_url, timeout=(DEFAULT_TIMEOUT[0], read_timeout))


def get_client():
    """The process-wide client for the current settings."""
    settings = {k: zoom_settings.get(k) for k in CLIENT_SETTINGS}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            _clients.clear()  # settings changed: drop the old client and its session
            client = _clients[key] = make_client_from_settings(settings)
    return client


def user_action():
    """Context manager: the Zoom calls of one user action (a dialog, a button) are over within the action time
    limit, whatever Zoom does (what could not be verified in time is left to a task). Every use in one request
    shares the request's budget."""
    limit = zoom_settings.get('action_time_limit')
    if has_request_context() and limit:
        # in the request, not in ``g``: tests keep one app context (and so one ``g``) across requests
        end = request.environ.setdefault('vc_zoom.action_end', time.monotonic() + limit)
        limit = max(end - time.monotonic(), 0.001)
    return get_client().deadline(limit)
