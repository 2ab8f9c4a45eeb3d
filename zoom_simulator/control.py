"""The control and inspection API under /_simulator/ (no auth): what tests use to arrange and observe."""

import copy

from . import runs, webhooks
from .config import MUTABLE_KEYS, check_values, public_config
from .objects import MEETING, WEBINAR, apply_update, convert, validate
from .responses import NO_BODY, ApiError, Response


UPDATABLE_FIELDS = ('topic', 'type', 'start_time', 'duration', 'timezone', 'agenda', 'password', 'settings',
                    'recurrence', 'tracking_fields')
EVENTS = ('meeting.updated', 'meeting.deleted', 'webinar.updated', 'webinar.deleted',
          'meeting.converted_to_webinar', 'webinar.converted_to_meeting', 'endpoint.url_validation')


def _bad(message):
    return ApiError(400, 300, message)


def _json_object(req):
    if req.json is NO_BODY or not isinstance(req.json, dict):
        raise _bad('Request Body should be a valid JSON object.')
    return req.json


def get_requests(app, req):
    return Response(200, app.state.snapshot())


def clear_requests(app, req):
    with app.state.lock:
        app.state.log.clear()
    return Response(204)


def _with_extras(state, obj):
    """A meeting as Zoom returns it, plus `_simulator`: who scheduled it and its registrants with their status."""
    extra = state.extras.get(obj['id']) or {}
    scheduler = state.find_user(extra.get('scheduler_id')) if extra.get('scheduler_id') else None
    registrants = [{k: r[k] for k in ('id', 'email', 'first_name', 'last_name', 'status', 'join_url')}
                   for r in (extra.get('registrants') or {}).values()]
    return {**copy.deepcopy(obj), '_simulator': {
        'scheduler_id': scheduler['id'] if scheduler else None,
        'scheduler_email': scheduler['email'] if scheduler else None,
        'registrants': registrants,
    }}


def get_meetings(app, req):
    state = app.state
    with state.lock:
        return Response(200, {'meetings': [_with_extras(state, o) for o in state.objects[MEETING].values()],
                              'webinars': [_with_extras(state, o) for o in state.objects[WEBINAR].values()]})


def reset(app, req):
    app.state.reset()
    return Response(204)


def list_users(app, req):
    with app.state.lock:
        return Response(200, copy.deepcopy(app.state.users))


def add_user(app, req):
    try:
        return Response(201, copy.deepcopy(app.state.add_user(_json_object(req))))
    except ValueError as exc:
        raise _bad(str(exc))


def get_config(app, req):
    with app.state.lock:
        return Response(200, public_config(app.state.config))


def set_config(app, req):
    body = _json_object(req)
    unknown = set(body) - MUTABLE_KEYS
    if unknown:
        raise _bad(f'Unknown or read-only config keys: {", ".join(sorted(unknown))}')
    for key in ('daily_limit', 'per_second_limit'):
        if key in body and body[key] is not None and (not isinstance(body[key], int) or body[key] < 0):
            raise _bad(f'{key} must be a non-negative integer or null')
    try:
        check_values(body)
    except ValueError as exc:
        raise _bad(str(exc))
    if 'token_ttl' in body and (not isinstance(body['token_ttl'], int | float) or body['token_ttl'] <= 0):
        raise _bad('token_ttl must be a positive number')
    if body.get('spec'):
        try:
            app.strict_validator(body['spec'])
        except Exception as exc:  # any load failure of the spec is the caller's mistake
            raise _bad(f'Cannot load spec {body["spec"]}: {exc}')
    with app.state.lock:
        app.state.config.update(copy.deepcopy(body))
        return Response(200, public_config(app.state.config))


def expire_tokens(app, req):
    app.state.expire_tokens()
    return Response(200, {'expired': len(app.state.tokens)})


def list_faults(app, req):
    with app.state.lock:
        return Response(200, copy.deepcopy(app.state.faults))


def add_fault(app, req):
    body = _json_object(req)
    times = body.get('times', 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise _bad('times must be a positive integer or null (forever)')
    status = body.get('status', 500)
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise _bad('status must be an HTTP status code or null')
    try:
        return Response(201, app.state.add_fault(body))
    except Exception as exc:  # re.error, bad delay...
        raise _bad(f'Invalid fault: {exc}')


def clear_faults(app, req):
    with app.state.lock:
        app.state.faults.clear()
    return Response(204)


def strict_status(app, req):
    spec = app.state.config.get('spec')
    return Response(200, {'strict': bool(spec), 'spec': spec or None})


def send_webhook(app, req):
    """Change the simulator's state as a user acting in Zoom would, then send Zoom's webhook about it."""
    body = _json_object(req)
    event = body.get('event')
    if event not in EVENTS:
        raise _bad(f'Unknown event {event!r}; expected one of: {", ".join(EVENTS)}')
    config = app.state.config
    url = body.get('url') or config.get('webhook_url')
    secret = body.get('secret') or config.get('webhook_secret')
    if not url or not secret:
        raise _bad('No webhook URL or secret: set webhook_url/webhook_secret in the config or pass url/secret')
    sent = webhooks.url_validation_event() if event == 'endpoint.url_validation' else _apply_event(app, event, body)
    result = {'sent': sent}
    try:
        result['status'], result['body'] = webhooks.deliver(url, sent, secret, timeout=config.get('webhook_timeout'),
                                                            timestamp=body.get('timestamp'))
    except OSError as exc:  # refused, timed out...: the caller sees it instead of a 500
        result.update(status=None, body=None, error=str(exc))
    if event == 'endpoint.url_validation':
        result['valid'] = result['body'] is not None and webhooks.check_url_validation(secret, sent, result['body'])
    return Response(200, result)


def _operator(state, obj, ref):
    user = state.find_user(ref) if ref else state.find_user(obj['host_id'])
    return user or {'id': obj['host_id'], 'email': obj['host_email']}


def _apply_event(app, event, body):
    state = app.state
    kind, _, action = event.partition('.')
    if 'id' not in body:
        raise _bad('id (the meeting or webinar id) is required')
    with state.lock:
        obj = state.get_object(kind, body['id'])
        operator = _operator(state, obj, body.get('operator'))
        account_id = state.config['account_id']
        if action == 'deleted':
            del state.objects[kind][obj['id']]
            return webhooks.deleted_event(kind, account_id, operator, obj)
        if action == 'updated':
            changes = body.get('changes')
            if not isinstance(changes, dict) or not changes:
                raise _bad('changes (an object of fields to change) is required for *.updated')
            validate(changes, kind)
            before = copy.deepcopy(obj)
            apply_update(obj, kind, changes, app.url)
            old, new = {}, {}
            for key in (k for k in UPDATABLE_FIELDS if k in changes and k in obj):
                if key == 'settings':
                    keys = [k for k in changes['settings'] if k in obj['settings']]
                    old['settings'] = {k: before['settings'].get(k) for k in keys}
                    new['settings'] = {k: obj['settings'][k] for k in keys}
                else:
                    old[key], new[key] = before.get(key), obj[key]
            return webhooks.updated_event(kind, account_id, operator, obj, old, new)
        converted, to_kind = convert(obj, kind, app.url)
        del state.objects[kind][obj['id']]
        state.objects[to_kind][obj['id']] = converted
        return webhooks.converted_event(kind, to_kind, account_id, operator, converted)


ROUTES = [
    ('GET', r'/requests', get_requests),
    ('DELETE', r'/requests', clear_requests),
    ('GET', r'/meetings', get_meetings),
    ('POST', r'/reset', reset),
    ('GET', r'/users', list_users),
    ('POST', r'/users', add_user),
    ('GET', r'/config', get_config),
    ('POST', r'/config', set_config),
    ('POST', r'/expire-tokens', expire_tokens),
    ('GET', r'/faults', list_faults),
    ('POST', r'/faults', add_fault),
    ('DELETE', r'/faults', clear_faults),
    ('POST', r'/webhook', send_webhook),
    ('GET', r'/strict', strict_status),
    ('POST', r'/run', runs.run_action),
    ('GET', r'/runs', runs.list_runs),
]
