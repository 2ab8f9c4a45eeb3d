"""Authentication for the Zoom API: Server-to-Server OAuth (S2SAuth) and legacy JWT apps (JWTAuth).

An auth object hands out bearer tokens via `get_token(force=False)`, drops a token the API refused
via `invalidate(token)`, tells the scopes of its token via `granted_scopes()` and may know the API base
URL (`api_url`, S2S only).
"""

import hashlib
import logging
import threading
import time

import jwt
import requests

from .errors import ZoomAuthError, ZoomError, ZoomUnavailable, error_from_response


logger = logging.getLogger('indico_vc_zoom.zoom')

DEFAULT_OAUTH_URL = 'https://zoom.us/oauth/token'
DEFAULT_TIMEOUT = (3.05, 15)
# token endpoint retries on connection errors/5xx; getting a token has no side effects
TOKEN_RETRY_DELAYS = (0.2, 0.4)


def _refresh_margin(ttl):
    """Seconds before expiry at which a token counts as stale: 5 minutes or 10% of its ttl."""
    return min(300.0, 0.1 * ttl)


class MemoryCache:
    """Minimal process-local cache with the `get`/`set`/`delete` interface of Indico's cache."""

    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            value, expires = item
            if expires is not None and expires <= time.time():
                del self._data[key]
                return None
            return value

    def set(self, key, value, timeout=None):
        expires = time.time() + timeout if timeout else None
        with self._lock:
            self._data[key] = (value, expires)

    def delete(self, key):
        with self._lock:
            self._data.pop(key, None)


class S2SAuth:
    """Server-to-Server OAuth app credentials (`account_credentials` grant).

    The token is kept in `cache` (any object with `get(key)`, `set(key, value, timeout)` and
    `delete(key)`, e.g. Indico's Redis cache so all workers share one token), under a key derived
    from a hash of the OAuth URL, account ID and client ID - never the secret.
    """

    def __init__(self, account_id, client_id, client_secret, oauth_url=DEFAULT_OAUTH_URL, cache=None,
                 session=None, timeout=DEFAULT_TIMEOUT):
        self.account_id = account_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.oauth_url = oauth_url
        self.cache = cache if cache is not None else MemoryCache()
        self.session = session
        self.timeout = timeout
        # api_url and scopes from the last token reply we saw; the cache holds the shared copy
        self.api_url = None
        self.scopes = None
        digest = hashlib.sha256('\0'.join([oauth_url, account_id or '', client_id or '']).encode()).hexdigest()
        self.cache_key = f'zoom-s2s-token-{digest[:32]}'

    def __repr__(self):
        return f'<S2SAuth account_id={self.account_id!r} client_id={self.client_id!r}>'

    def get_token(self, force=False):
        """Return a valid access token, fetching a new one if none is cached, it is stale or `force`."""
        if not force:
            info = self.cache.get(self.cache_key)
            if info and info['expires_at'] - time.time() > _refresh_margin(info['ttl']):
                self.api_url = info.get('api_url')
                self.scopes = _scope_set(info.get('scope'))
                return info['access_token']
        info = self._fetch_token()
        # drop it from the cache once stale so nobody is handed a token about to expire
        keep = info['ttl'] - _refresh_margin(info['ttl'])
        if keep > 0:
            self.cache.set(self.cache_key, info, int(keep) or 1)
        self.api_url = info['api_url']
        self.scopes = _scope_set(info.get('scope'))
        return info['access_token']

    def granted_scopes(self):
        """The scopes of the current token (a frozenset, fetching a token if needed), or None if Zoom's token
        reply named none."""
        self.get_token()
        return self.scopes

    def invalidate(self, token):
        """Forget `token` after the API refused it (only if it is still the cached one)."""
        info = self.cache.get(self.cache_key)
        if info and info['access_token'] == token:
            self.cache.delete(self.cache_key)

    def _post_token_request(self):
        session = self.session
        if session is None:
            session = self.session = requests.Session()
        params = {'grant_type': 'account_credentials', 'account_id': self.account_id}
        attempt = 0
        while True:
            start = time.monotonic()
            try:
                resp = session.post(self.oauth_url, params=params, auth=(self.client_id, self._client_secret),
                                    headers={'Accept': 'application/json'}, timeout=self.timeout)
            except requests.RequestException as exc:
                if attempt >= len(TOKEN_RETRY_DELAYS):
                    raise ZoomUnavailable(f'Could not get a Zoom access token ({type(exc).__name__})')
                logger.warning('Zoom OAuth token request failed (%s), retrying', type(exc).__name__)
            else:
                logger.debug('POST /oauth/token -> %d in %.0f ms', resp.status_code, (time.monotonic() - start) * 1000)
                if resp.status_code < 500 or attempt >= len(TOKEN_RETRY_DELAYS):
                    return resp
                logger.warning('Zoom OAuth token request got HTTP %d, retrying', resp.status_code)
            time.sleep(TOKEN_RETRY_DELAYS[attempt])
            attempt += 1

    def _fetch_token(self):
        resp = self._post_token_request()
        if resp.status_code in (400, 401, 403):
            err = error_from_response(resp)
            reason = err.message.replace(self._client_secret, '***') if self._client_secret else err.message
            raise ZoomAuthError(f'Zoom refused the Server-to-Server OAuth credentials (account ID, client ID '
                                f'or client secret): {reason}', status_code=resp.status_code, code=err.code)
        if not resp.ok:
            raise error_from_response(resp)
        try:
            data = resp.json()
            token = data['access_token']
            ttl = float(data.get('expires_in') or 3600)
        except (ValueError, KeyError, TypeError):
            raise ZoomError('Zoom OAuth reply carried no access token', status_code=resp.status_code)
        return {
            'access_token': token,
            'ttl': ttl,
            'expires_at': time.time() + ttl,
            'api_url': data.get('api_url') or None,
            'scope': data.get('scope') if isinstance(data.get('scope'), str) else None,
        }


def _scope_set(scope):
    return frozenset(scope.split()) if scope is not None else None


class JWTAuth:
    """Legacy JWT app credentials: HS256 tokens with `iss=api_key`, signed locally with the API secret."""

    api_url = None

    def __init__(self, api_key, api_secret, ttl=60):
        self.api_key = api_key
        self._api_secret = api_secret
        self.ttl = ttl
        self._token = None
        self._expires_at = 0
        self._lock = threading.Lock()

    def __repr__(self):
        return f'<JWTAuth api_key={self.api_key!r}>'

    def get_token(self, force=False):
        if not self.api_key or not self._api_secret:
            raise ZoomAuthError('Zoom JWT credentials are incomplete: API key and API secret are required')
        with self._lock:
            now = time.time()
            if force or not self._token or self._expires_at - now <= _refresh_margin(self.ttl):
                self._expires_at = int(now) + self.ttl
                self._token = jwt.encode({'iss': self.api_key, 'exp': self._expires_at}, self._api_secret,
                                         algorithm='HS256')
            return self._token

    def granted_scopes(self):
        """None: a legacy JWT app's token carries no scope list (it may call every endpoint)."""

    def invalidate(self, token):
        with self._lock:
            if self._token == token:
                self._token = None
