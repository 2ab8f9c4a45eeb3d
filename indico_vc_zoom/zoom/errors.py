"""Exceptions raised by the Zoom API client, and the mapping from HTTP error replies to them."""

import email.utils
import re
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


class ZoomSchedulingRefused(ZoomValidationError):
    """Zoom refused `schedule_for` (400, code 3000): the scheduling account lacks scheduling privilege for the
    target user (it is not one of that user's assistants), or the meeting is an instant one.

    `target_user` is the user Zoom names ("You cannot schedule a meeting for {user}"), or None.
    """

    title = 'Zoom refused to schedule for another user'

    def __init__(self, message, *, target_user=None, **kwargs):
        super().__init__(message, **kwargs)
        self.target_user = target_user


class ZoomScopeMissing(ZoomAuthError):
    """The access token lacks the scopes the call needs (code 4711).

    `missing_scopes` lists the scopes Zoom names, any one of which would do (e.g. `['meeting:write:admin',
    'meeting:write']`); the app's scopes must be changed in the Zoom Marketplace.
    """

    title = 'The Zoom app lacks a required scope'

    def __init__(self, message, *, missing_scopes=(), **kwargs):
        super().__init__(message, **kwargs)
        self.missing_scopes = list(missing_scopes)


class ZoomRegistrationDisabled(ZoomValidationError):
    """The meeting or webinar does not require registration, so it has no registrants (codes 300, 404, 3000
    depending on the call). Enable it with `settings.approval_type` 0 (automatic) or 1 (manual approval)."""

    title = 'Registration is not enabled for this Zoom meeting'


class ZoomRegistrationFull(ZoomValidationError):
    """The meeting or webinar has reached its registrant capacity (codes 3043, 3035, or 3000 for webinars)."""

    title = 'The Zoom meeting has reached its registrant capacity'


class ZoomRegistrantNotFound(ZoomNotFound):
    """No such registrant on this meeting or webinar (code 3000 'Registrant {id} was not found.')."""

    title = 'Registrant not found on Zoom'


class ZoomNoRecording(ZoomNotFound):
    """The meeting has no cloud recording (404, code 3301)."""

    title = 'No Zoom recording'


class ZoomPlanRequired(ZoomValidationError):
    """The account's plan or licence does not include this (code 200, e.g. 'Only available for paid account'
    for past participant reports, or a missing webinar plan)."""

    title = 'Not included in the Zoom plan'


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


_SCHEDULE_FOR_RE = re.compile(r'cannot schedule a meeting for "?(?P<user>[^"]+?)"?\.?$', re.IGNORECASE)
_SCOPES_RE = re.compile(r'scopes:\s*\[(?P<scopes>[^\]]*)\]')
_REGISTRATION_OFF_RE = re.compile(r'registration has not been enabled|has not set registration|'
                                  r'does not have registration|registration not enabled', re.IGNORECASE)
_REGISTRANT_MISSING_RE = re.compile(r'^Registrant .* was not found', re.IGNORECASE)
_FULL_RE = re.compile(r'maximum attendee capacity|limit for the number of attendees', re.IGNORECASE)
_PLAN_RE = re.compile(r'paid account|plan is missing|plan subscription|subscription plan', re.IGNORECASE)


def _specific_error(status, code, message, kwargs):
    """The typed error for a documented Zoom error code (matched with its message where codes are shared)."""
    if code == 4711:
        match = _SCOPES_RE.search(message)
        scopes = [s.strip() for s in match['scopes'].split(',') if s.strip()] if match else []
        return ZoomScopeMissing(message, missing_scopes=scopes, **kwargs)
    if code == 3000 and (match := _SCHEDULE_FOR_RE.search(message)):
        return ZoomSchedulingRefused(message, target_user=match['user'], **kwargs)
    if code == 3000 and 'schedule_for' in message:
        return ZoomSchedulingRefused(message, **kwargs)
    if code in (300, 404, 3000) and _REGISTRATION_OFF_RE.search(message):
        return ZoomRegistrationDisabled(message, **kwargs)
    if code == 3000 and _REGISTRANT_MISSING_RE.search(message):
        return ZoomRegistrantNotFound(message, **kwargs)
    if code in (3035, 3043) or (code == 3000 and _FULL_RE.search(message)):
        return ZoomRegistrationFull(message, **kwargs)
    if code == 3301:
        return ZoomNoRecording(message, **kwargs)
    if code == 200 and status == 400 and _PLAN_RE.search(message):
        return ZoomPlanRequired(message, **kwargs)
    return None


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
    if 400 <= status < 500 and (specific := _specific_error(status, code, message, kwargs)) is not None:
        return specific
    if status == 404 or code in NOT_FOUND_CODES:
        return ZoomNotFound(message, **kwargs)
    if status in (401, 403):
        return ZoomAuthError(message, **kwargs)
    if status >= 500:
        return ZoomUnavailable(message, **kwargs)
    if 400 <= status < 500:
        return ZoomValidationError(message, **kwargs)
    return ZoomError(message, **kwargs)
