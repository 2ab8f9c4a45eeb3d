"""A small client for the parts of the Zoom REST API (v2) the plugin uses."""

import logging
import time
from collections import Counter
from urllib.parse import quote

import requests

from .auth import DEFAULT_TIMEOUT
from .errors import ZoomAuthError, ZoomError, ZoomRateLimited, ZoomUnavailable, error_from_response


logger = logging.getLogger('indico_vc_zoom.zoom')

DEFAULT_API_URL = 'https://api.zoom.us/v2'
# a Zoom PATCH sets absolute values, so repeating it is as safe as repeating a GET or DELETE
IDEMPOTENT_METHODS = {'GET', 'PATCH', 'DELETE'}
ERROR_RETRY_DELAYS = (0.2, 0.4)
MAX_RATE_LIMIT_RETRIES = 2
MAX_RATE_LIMIT_WAIT = 5.0


class ZoomClient:
    """Zoom API client.

    `auth` is an `S2SAuth` or `JWTAuth`. Without an explicit `api_url` the base URL comes from the
    S2S token reply (`<api_url>/v2`), falling back to Zoom's public API. `stats` counts the HTTP
    requests made, keyed by method and templated path.
    """

    def __init__(self, auth, api_url=None, session=None, timeout=DEFAULT_TIMEOUT):
        self.auth = auth
        self.api_url = api_url.rstrip('/') if api_url else None
        self.session = session or requests.Session()
        self.timeout = timeout
        self.stats = Counter()
        # let the auth fetch its tokens over our connection pool unless it has its own session
        if getattr(auth, 'session', False) is None:
            auth.session = self.session

    @property
    def base_url(self):
        if self.api_url:
            return self.api_url
        if api_url := getattr(self.auth, 'api_url', None):
            return api_url.rstrip('/') + '/v2'
        return DEFAULT_API_URL

    def check_credentials(self):
        """Obtain a fresh token so bad credentials show up now, as `ZoomAuthError`.

        For JWT apps the token is made locally, so this only checks that the key and secret are set.
        """
        try:
            self.auth.get_token(force=True)
        except ZoomAuthError:
            raise
        except ZoomError as exc:
            raise ZoomAuthError(f'Could not check the Zoom credentials: {exc}', status_code=exc.status_code,
                                code=exc.code)

    # users

    def get_user(self, user_id):
        return self._request('GET', '/users/{userId}', {'userId': user_id}, user=user_id).json()

    def list_assistants(self, user_id):
        resp = self._request('GET', '/users/{userId}/assistants', {'userId': user_id}, user=user_id)
        return resp.json().get('assistants', [])

    def add_assistants(self, user_id, assistants):
        resp = self._request('POST', '/users/{userId}/assistants', {'userId': user_id},
                             json={'assistants': assistants}, user=user_id)
        return resp.json()

    # meetings

    def list_meetings(self, user_id, type='scheduled'):
        resp = self._request('GET', '/users/{userId}/meetings', {'userId': user_id},
                             params={'type': type, 'page_size': 300}, user=user_id)
        return resp.json().get('meetings', [])

    def create_meeting(self, user_id, data):
        return self._request('POST', '/users/{userId}/meetings', {'userId': user_id}, json=data, user=user_id).json()

    def get_meeting(self, meeting_id):
        return self._request('GET', '/meetings/{meetingId}', {'meetingId': meeting_id}).json()

    def update_meeting(self, meeting_id, data):
        self._request('PATCH', '/meetings/{meetingId}', {'meetingId': meeting_id}, json=data)

    def delete_meeting(self, meeting_id):
        self._request('DELETE', '/meetings/{meetingId}', {'meetingId': meeting_id})

    # webinars

    def list_webinars(self, user_id):
        resp = self._request('GET', '/users/{userId}/webinars', {'userId': user_id}, params={'page_size': 300},
                             user=user_id)
        return resp.json().get('webinars', [])

    def create_webinar(self, user_id, data):
        return self._request('POST', '/users/{userId}/webinars', {'userId': user_id}, json=data, user=user_id).json()

    def get_webinar(self, webinar_id):
        return self._request('GET', '/webinars/{webinarId}', {'webinarId': webinar_id}).json()

    def update_webinar(self, webinar_id, data):
        self._request('PATCH', '/webinars/{webinarId}', {'webinarId': webinar_id}, json=data)

    def delete_webinar(self, webinar_id):
        self._request('DELETE', '/webinars/{webinarId}', {'webinarId': webinar_id})

    # core

    def _request(self, method, template, path_args=None, *, json=None, params=None, user=None):
        """Send one API call with the retry policy; return the `requests.Response` or raise a `ZoomError`.

        - 401: drop the token, get a new one and retry once.
        - 429 per-second: wait Retry-After (capped) and retry; daily limit: never retried.
        - 5xx, connection errors, timeouts: retried with backoff for idempotent methods only.
        """
        path = template.format(**{k: quote(str(v), safe='@') for k, v in (path_args or {}).items()})
        idempotent = method in IDEMPOTENT_METHODS
        auth_retried = False
        rate_retries = error_retries = 0
        while True:
            token = self.auth.get_token()
            url = self.base_url + path
            self.stats[(method, template)] += 1
            start = time.monotonic()
            try:
                resp = self.session.request(method, url, json=json, params=params, timeout=self.timeout,
                                            headers={'Authorization': f'Bearer {token}', 'Accept': 'application/json'})
            except requests.RequestException as exc:
                duration = (time.monotonic() - start) * 1000
                logger.debug('%s %s -> %s after %.0f ms', method, template, type(exc).__name__, duration)
                if idempotent and error_retries < len(ERROR_RETRY_DELAYS):
                    delay = ERROR_RETRY_DELAYS[error_retries]
                    error_retries += 1
                    logger.warning('Zoom %s %s failed (%s), retry %d in %.1f s', method, template,
                                   type(exc).__name__, error_retries, delay)
                    time.sleep(delay)
                    continue
                raise self._connection_error(method, exc)
            logger.debug('%s %s -> %d in %.0f ms', method, template, resp.status_code,
                         (time.monotonic() - start) * 1000)

            if resp.ok:
                return resp
            if resp.status_code == 401 and not auth_retried:
                # expired or revoked token: a 401 means nothing was done, so even a POST may be repeated
                logger.info('Zoom %s %s got HTTP 401, refreshing the access token', method, template)
                self.auth.invalidate(token)
                auth_retried = True
                continue
            err = error_from_response(resp, user=user)
            if isinstance(err, ZoomRateLimited) and not err.daily and rate_retries < MAX_RATE_LIMIT_RETRIES:
                # a 429 means the call was not processed, so even a POST may be repeated
                delay = min(err.retry_after if err.retry_after is not None else 1.0, MAX_RATE_LIMIT_WAIT)
                rate_retries += 1
                logger.warning('Zoom %s %s rate limited (per-second), retry %d in %.1f s', method, template,
                               rate_retries, delay)
                time.sleep(delay)
                continue
            if resp.status_code >= 500 and idempotent and error_retries < len(ERROR_RETRY_DELAYS):
                delay = ERROR_RETRY_DELAYS[error_retries]
                error_retries += 1
                logger.warning('Zoom %s %s got HTTP %d, retry %d in %.1f s', method, template, resp.status_code,
                               error_retries, delay)
                time.sleep(delay)
                continue
            if isinstance(err, ZoomUnavailable) and not idempotent:
                err.outcome_unknown = True  # a server error on a create does not prove nothing was created
            if isinstance(err, ZoomRateLimited) and err.daily:
                logger.warning('Zoom %s %s hit the daily rate limit (user %s, resets %s)', method, template,
                               user or 'unknown', err.resets_at)
            raise err

    def _connection_error(self, method, exc):
        if isinstance(exc, requests.ConnectTimeout):
            msg = 'Could not connect to Zoom (timed out)'
        elif isinstance(exc, requests.Timeout):
            msg = 'Zoom did not answer in time'
            if method not in IDEMPOTENT_METHODS:
                msg += '; the outcome of the request is unknown (it may or may not have been carried out)'
        else:
            msg = f'Connection to Zoom failed ({type(exc).__name__})'
            if method not in IDEMPOTENT_METHODS:
                msg += '; the request may or may not have been carried out'
        err = ZoomUnavailable(msg)
        # a request that never connected was not carried out; any other failure of a POST may have been
        err.outcome_unknown = method not in IDEMPOTENT_METHODS and not isinstance(exc, requests.ConnectTimeout)
        return err
