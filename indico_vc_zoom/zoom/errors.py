"""Exceptions raised by the Zoom API client, and the mapping from HTTP error replies to them."""

import email.utils
from datetime import UTC, datetime, timedelta


# Zoom error codes that mean "no such object", whatever HTTP status they come with
NOT_FOUND_CODES = {1001, 3001}


class ZoomError(Exception):
    """Base class of all Zoom client errors.

    `status_code` is the HTTP status (None when no reply was received), `code` Zoom's own error code
    (None when the reply had none) and `message` Zoom's message (or our own description).
    """

    title = 'Zoom API error'

    def __init__(self, message, *, status_code=None, code=None, errors=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.errors = errors or []

    def _details(self):
        parts = []
        if self.status_code is not None:
            parts.append(f'HTTP {self.status_code}')
        if self.code is not None and self.code != self.status_code:
            parts.append(f'code {self.code}')
        return f' ({", ".join(parts)})' if parts else ''

    def __str__(self):
        return f'{self.title}{self._details()}: {self.message}'


class ZoomAuthError(ZoomError):
    """Credentials refused, token invalid or missing permissions (401/403, OAuth failures)."""

    title = 'Zoom authentication failed'


class ZoomNotFound(ZoomError):
    """The user, meeting or webinar does not exist (404, Zoom codes 1001/3001)."""

    title = 'Not found on Zoom'


class ZoomValidationError(ZoomError):
    """Zoom rejected the request (400 and other 4xx), e.g. code 300 with a list of field `errors`."""

    title = 'Zoom rejected the request'

    def __str__(self):
        text = super().__str__()
        fields = [f'{e.get("field", "?")}: {e.get("message", "")}' if isinstance(e, dict) else str(e)
                  for e in self.errors]
        return f'{text} [{"; ".join(fields)}]' if fields else text


class ZoomUnavailable(ZoomError):
    """Zoom could not be reached, timed out or answered with a server error (5xx)."""

    title = 'Zoom is unavailable'
    #: True when a non-idempotent request (a create) may have been carried out although it failed
    outcome_unknown = False


class ZoomRateLimited(ZoomError):
    """Zoom's rate limit was hit (429).

    `daily` tells the daily per-user limit of meeting create/update requests (which only resets at
    `resets_at`, an aware UTC datetime) from the short per-second limit (`retry_after` seconds).
    """

    title = 'Zoom rate limit reached'

    def __init__(self, message, *, daily=False, retry_after=None, resets_at=None, user=None, **kwargs):
        kwargs.setdefault('status_code', 429)
        super().__init__(message, **kwargs)
        self.daily = daily
        self.retry_after = retry_after
        self.resets_at = resets_at
        self.user = user

    def __str__(self):
        if not self.daily:
            wait = f'; retry after {self.retry_after:g} s' if self.retry_after is not None else ''
            return f'{self.title}{self._details()}: too many requests per second{wait}: {self.message}'
        who = f' for Zoom user {self.user}' if self.user else ''
        when = f'{self.resets_at:%Y-%m-%d %H:%M} UTC' if self.resets_at else 'midnight UTC'
        return (f'Zoom daily limit of meeting create/update requests reached{who}; '
                f'it resets at {when}{self._details()}: {self.message}')


def next_utc_midnight(now=None):
    now = now or datetime.now(UTC)
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def parse_retry_after(value):
    """Parse a Retry-After header: seconds, an ISO datetime or an HTTP date.

    Returns `(seconds, datetime)` where one or both may be None.
    """
    if not value:
        return None, None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        seconds = max(seconds, 0.0)
        return seconds, datetime.now(UTC) + timedelta(seconds=seconds)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None, None
    # a naive value is taken as UTC, which is what Zoom uses
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return max((dt - datetime.now(UTC)).total_seconds(), 0.0), dt


def _parse_body(resp):
    """Return Zoom's (code, message, errors) from an error reply, coping with non-JSON bodies."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get('code')
        message = data.get('message') or data.get('reason') or data.get('error')
        errors = data.get('errors') if isinstance(data.get('errors'), list) else []
        if message:
            return code, str(message), errors
    # a proxy's HTML page or an empty body: keep it short and never dump markup into messages
    text = (resp.text or '').strip()
    if text and len(text) <= 200 and '<' not in text:
        return None, text, []
    return None, f'{resp.status_code} {resp.reason or "error"}'.strip(), []


def error_from_response(resp, user=None):
    """Build the matching `ZoomError` for an error reply (`requests.Response`).

    `user` is the Zoom user id/email the request was about, if known (named in rate limit errors).
    """
    status = resp.status_code
    code, message, errors = _parse_body(resp)
    kwargs = {'status_code': status, 'code': code, 'errors': errors}
    if status == 429:
        limit_type = resp.headers.get('X-RateLimit-Type', '')
        daily = limit_type.lower() == 'daily-limit' or 'daily' in message.lower()
        seconds, at = parse_retry_after(resp.headers.get('Retry-After'))
        if daily:
            return ZoomRateLimited(message, daily=True, resets_at=at or next_utc_midnight(), user=user, **kwargs)
        return ZoomRateLimited(message, daily=False, retry_after=seconds, user=user, **kwargs)
    if status == 404 or code in NOT_FOUND_CODES:
        return ZoomNotFound(message, **kwargs)
    if status in (401, 403):
        return ZoomAuthError(message, **kwargs)
    if status >= 500:
        return ZoomUnavailable(message, **kwargs)
    if 400 <= status < 500:
        return ZoomValidationError(message, **kwargs)
    return ZoomError(message, **kwargs)
