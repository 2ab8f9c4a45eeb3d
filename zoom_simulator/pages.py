"""Zoom's token pagination: page_size (default 30, at most 300) and an opaque next_page_token."""

from . import ids
from .responses import ApiError, validation_error


DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 30, 300


def page_size(req):
    raw = req.query.get('page_size')
    if raw in (None, ''):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise validation_error('page_size', f'Invalid page_size: {raw}.')
    if size < 1:
        raise validation_error('page_size', f'Invalid page_size: {raw}.')
    return min(size, MAX_PAGE_SIZE)  # Zoom caps a larger page_size at 300 rather than refusing it


def paginate(state, req, list_key, items, item_name):
    """One page of `items` as Zoom returns it; `list_key` ties tokens to the list they were issued for.

    A token from another list, or one never issued, gets 400/300 'The next page token is invalid or expired.'
    (documented for GET /past_webinars/{webinarId}/participants).
    """
    size = page_size(req)
    token = req.query.get('next_page_token') or ''
    offset = 0
    if token:
        with state.lock:
            entry = state.page_tokens.get(token)
        if entry is None or entry[0] != list_key:
            raise ApiError(400, 300, 'The next page token is invalid or expired.')
        offset = entry[1]
    page = items[offset:offset + size]
    next_token = ''
    if offset + size < len(items):
        next_token = ids.token()[:32]
        with state.lock:
            state.page_tokens[next_token] = (list_key, offset + size)
    return {'page_count': max(1, -(-len(items) // size)), 'page_size': size, 'total_records': len(items),
            'next_page_token': next_token, item_name: page}
