"""Answers that cannot change while one request renders, asked of Indico once per request (pages list many meetings).

Indico's own ``memoize_request`` is off when ``TESTING`` is set and lives in ``g``, which in tests outlives a request;
this cache lives on the request object itself, so it is per request in tests and in production alike. Outside a
request (Celery, scripts, tests calling functions directly) nothing is cached.
"""

from flask import has_request_context, request, session


_ATTRIBUTE = '_vc_zoom_request_cache'


def _store():
    if not has_request_context():
        return None
    current = request._get_current_object()
    store = current.__dict__.get(_ATTRIBUTE)
    if store is None:
        store = current.__dict__[_ATTRIBUTE] = {}
    return store


def request_cached(key, compute):
    """``compute()``, evaluated once per request for ``key`` (a hashable tuple naming the question and its subjects)."""
    store = _store()
    if store is None:
        return compute()
    try:
        return store[key]
    except KeyError:
        value = store[key] = compute()
        return value


def request_user():
    """``session.user``, looked up once per request (every template hook of every meeting asks for it)."""
    return request_cached(('session.user',), lambda: session.user)
