"""Zoom's rate limits: the daily meeting create/update limit per user, the daily requests per registrant, and an
optional per-second limit."""

import time

from . import ids
from .responses import ApiError


LIGHT, MEDIUM = 'Light', 'Medium'


def check_per_second(state, category):
    """Count this request in the current second; beyond ``per_second_limit`` answer Zoom's QPS 429."""
    limit = state.config.get('per_second_limit')
    if not limit:
        return
    second = int(time.time())
    with state.lock:
        counts = {k: v for k, v in state.second_counts.items() if k[1] == second}  # forget older seconds
        counts[(category, second)] = count = counts.get((category, second), 0) + 1
        state.second_counts = counts
    if count > limit:
        raise ApiError(429, 429, 'You have reached the maximum per-second rate limit for this API. Try again later.',
                       headers={'X-RateLimit-Category': category, 'X-RateLimit-Type': 'QPS', 'Retry-After': '1'})


def check_daily(state, user_id):
    """Count one meeting/webinar create or update for this (scheduling) user today (UTC); 429 once used up."""
    limit = state.config.get('daily_limit')
    if limit is None:
        return
    now = ids.now()
    key = (user_id, now.date().isoformat())
    with state.lock:
        used = state.daily_counts.get(key, 0)
        if used < limit:
            state.daily_counts[key] = used + 1
            return
    message = (f'You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests permitted '
               'for this particular user. You may resume these requests at GMT 00:00:00.')
    raise ApiError(429, 429, message, headers={
        'X-RateLimit-Type': 'Daily-limit', 'X-RateLimit-Limit': str(limit), 'X-RateLimit-Remaining': '0',
        'Retry-After': ids.iso(ids.next_utc_midnight(now)),
    })


#: Zoom's wording per operation of its documented 429 (registrants POST and PUT .../status)
REGISTRANT_OPERATIONS = {('add', 'meeting'): 'Add meeting registrant', ('add', 'webinar'): 'Add a webinar registrant',
                         ('status', 'meeting'): "Update registrant's status",
                         ('status', 'webinar'): "Update registrant's status"}


def check_registrant_daily(state, meeting_id, email, op, kind):
    """Count one add/status request for this registrant of this meeting today (UTC); Zoom's documented 429 beyond
    ``registrant_daily_limit``: 'You have exceeded the daily rate limit of "{0}" for ... API requests for the
    registrant "{1}". You can resume these API requests at GMT 00:00:00.' Call with the state's lock held."""
    limit = state.config.get('registrant_daily_limit')
    if limit is None:
        return
    now = ids.now()
    key = ('registrant', str(meeting_id), email.lower(), now.date().isoformat())
    used = state.daily_counts.get(key, 0)
    if used < limit:
        state.daily_counts[key] = used + 1
        return
    operation = REGISTRANT_OPERATIONS[(op, kind)]
    raise ApiError(429, 429, f'You have exceeded the daily rate limit of "{limit}" for {operation} API requests for '
                             f'the registrant "{email}". You can resume these API requests at GMT 00:00:00.',
                   headers={'X-RateLimit-Type': 'Daily-limit', 'X-RateLimit-Limit': str(limit),
                            'X-RateLimit-Remaining': '0', 'Retry-After': ids.iso(ids.next_utc_midnight(now))})
