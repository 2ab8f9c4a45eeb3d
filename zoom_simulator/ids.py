"""Identifiers and timestamps shaped like Zoom's."""

import base64
import hashlib
import os
import random
import secrets
from datetime import UTC, datetime, timedelta


_rng = random.SystemRandom()


def user_id():
    # Zoom user ids are 22 characters of URL-safe base64 (16 random bytes, no padding).
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip('=')


def meeting_uuid():
    # Meeting UUIDs are 16 random bytes in standard base64, e.g. 'aDYlohsHRtCd4ii1uC2+hA=='.
    return base64.b64encode(os.urandom(16)).decode()


def meeting_id(webinar=False):
    # 11 digits like current Zoom ids; webinars start with 9 and meetings with 8 to ease debugging.
    first = 9 if webinar else 8
    return _rng.randint(first * 10**10, (first + 1) * 10**10 - 1)


def pmi():
    return _rng.randint(10**9, 10**10 - 1)


def password():
    alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    return ''.join(_rng.choice(alphabet) for _ in range(6))


def numeric_password(meeting, pwd):
    """Phone/H.323 passcode: Zoom derives a digits-only one when the passcode has other characters."""
    if pwd.isdigit():
        return pwd
    digest = hashlib.sha256(f'{meeting}:{pwd}'.encode()).hexdigest()
    return str(int(digest, 16))[:max(6, len(pwd))]


def encrypted_password(meeting, pwd):
    # The 'pwd=' value of join URLs: opaque, derived from the passcode, changes when it changes.
    if not pwd:
        return ''
    digest = hashlib.sha256(f'{meeting}:{pwd}'.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip('=')[:32]


def registration_token(uuid):
    # Stable per meeting, like the token in Zoom's registration links.
    return base64.urlsafe_b64encode(hashlib.sha256(f'register:{uuid}'.encode()).digest()).decode()[:22]


def registrant_token():
    # The 'tk=' of a registrant's personal join link.
    return secrets.token_urlsafe(32)


def registrant_id():
    # Registrant ids are 22 characters like user ids.
    return user_id()


def zak():
    return secrets.token_urlsafe(24)


def token():
    return secrets.token_urlsafe(32)


def now():
    return datetime.now(UTC)


def iso(dt):
    return dt.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def next_utc_midnight(dt=None):
    dt = (dt or now()).astimezone(UTC)
    return datetime(dt.year, dt.month, dt.day, tzinfo=UTC) + timedelta(days=1)
