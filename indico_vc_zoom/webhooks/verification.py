"""Is a webhook request from Zoom? Signature, legacy token and the URL-validation answer (pure functions).

Zoom signs each request with the app's secret token: ``x-zm-signature`` = ``v0=`` + hex HMAC-SHA256 of
``v0:{x-zm-request-timestamp}:{raw body}``. Requests outside a 5-minute window are refused (replays).
"""

import hashlib
import hmac
import time


SIGNATURE_HEADER = 'x-zm-signature'
TIMESTAMP_HEADER = 'x-zm-request-timestamp'
LEGACY_HEADER = 'authorization'
#: seconds a signed request stays valid (Zoom's recommendation)
REPLAY_WINDOW = 5 * 60


def get_header(headers, name):
    """The value of header ``name`` (case-insensitive) as a string, or ``None``; never raises."""
    if headers is None:
        return None
    try:
        value = headers.get(name)
        if value is None and isinstance(headers, dict):
            value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), None)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def sign(token, timestamp, raw_body):
    """The signature Zoom sends for ``raw_body`` at ``timestamp`` (a string of seconds)."""
    message = b'v0:' + timestamp.encode() + b':' + raw_body
    return 'v0=' + hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def encrypt_token(token, plain_token):
    """The answer to Zoom's URL validation challenge."""
    return hmac.new(token.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def _same(expected, given):
    # compare_digest needs bytes for anything non-ASCII; header values may hold anything
    return hmac.compare_digest(expected.encode(), given.encode('utf-8', 'replace'))


def verify_signature(token, headers, raw_body, now=None):
    """Whether the request carries Zoom's valid, fresh signature of ``raw_body`` made with ``token``."""
    if not token or not isinstance(raw_body, bytes):
        return False
    timestamp = get_header(headers, TIMESTAMP_HEADER)
    signature = get_header(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        return False
    # isdigit alone accepts other scripts' digits; 12 digits cover seconds for the next 30000 years
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        return False
    return _same(sign(token, timestamp, raw_body), signature)


def verify_legacy(token, headers):
    """Whether the request carries Zoom's legacy verification token in ``authorization``."""
    given = get_header(headers, LEGACY_HEADER)
    return bool(token and given) and _same(token, given)


def authenticate(token, headers, raw_body, legacy=False, now=None):
    """``'signature'``, ``'legacy'`` (only if allowed) or ``None`` when the request is not from Zoom."""
    if verify_signature(token, headers, raw_body, now=now):
        return 'signature'
    if legacy and verify_legacy(token, headers):
        return 'legacy'
    return None
