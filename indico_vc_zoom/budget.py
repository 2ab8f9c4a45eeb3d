"""The plugin's own count of Zoom meeting creates/updates per Zoom user and UTC day (Zoom allows 100 of them).

Zoom charges each create and update to the *scheduling* account: in assistant mode that is the assistant for every
meeting. The counter lives in Indico's Redis cache, so every worker adds to the same number; a Redis failure never
stops a meeting change (the count is then only too low).
"""

from datetime import UTC, datetime, timedelta

import redis
from indico.core.cache import cache
from indico.core.config import config
from indico.core.logger import Logger
from redis import RedisError


logger = Logger.get('plugin.vc_zoom')

#: Zoom's documented limit of meeting/webinar create+update requests per user per day
DAILY_LIMIT = 100
#: from this count on the settings page warns
WARNING_AT = 80
SCOPE = 'vc-zoom-budget'
#: Redis URL -> client (one per process)
_clients = {}


def utc_day(now=None):
    return (now or datetime.now(UTC)).strftime('%Y-%m-%d')



def _key(zoom_user, day):
    # under Indico's cache prefix, so clearing Indico's cache clears the counts too
    prefix = getattr(cache.cache, 'key_prefix', '') or ''
    return f'{prefix}{SCOPE}/{zoom_user.strip().lower()}/{day}'


def _redis():
    # Indico's cache pickles every value, which Redis cannot increment: talk to the same Redis directly
    url = config.REDIS_CACHE_URL
    if url not in _clients:
        _clients[url] = redis.from_url(url, socket_timeout=1) if url else None
    return _clients[url]


def count_call(zoom_user, now=None):
    """One more create/update charged to ``zoom_user`` (Zoom id or e-mail) today; returns the new count."""
    if not zoom_user:
        return None
    key = _key(zoom_user, utc_day(now))
    client = _redis()
    if client is None:
        return None
    try:
        with client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, int(timedelta(days=2).total_seconds()))  # gone once the day is long over
            count, _ = pipe.execute()
        return count
    except RedisError as exc:
        logger.warning('Could not count a Zoom call of %s: %s', zoom_user, exc)
        return None


def calls_today(zoom_user, now=None):
    """How many creates/updates the plugin sent for ``zoom_user`` today (UTC)."""
    client = _redis()
    if not zoom_user or client is None:
        return 0
    try:
        value = client.get(_key(zoom_user, utc_day(now)))
    except RedisError:
        return 0
    return int(value or 0)


def usage(zoom_user, now=None):
    """``{'user', 'count', 'limit', 'warning'}`` for the settings page."""
    count = calls_today(zoom_user, now)
    return {'user': zoom_user, 'count': count, 'limit': DAILY_LIMIT, 'warning': count >= WARNING_AT,
            'day': utc_day(now)}
