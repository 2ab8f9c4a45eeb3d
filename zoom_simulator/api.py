"""Handlers of the Zoom REST API under /v2 (users, assistants, meetings, webinars)."""

import copy

from . import ids
from .objects import MEETING, WEBINAR, apply_update, new_object, parse_body, validate, validation_error
from .ratelimit import check_daily
from .responses import ApiError, Response


_USER_LIST_KEYS = ('id', 'first_name', 'last_name', 'display_name', 'email', 'type', 'pmi', 'timezone', 'verified',
                   'dept', 'created_at', 'user_created_at', 'last_login_time', 'last_client_version', 'pic_url',
                   'language', 'phone_number', 'status', 'role_id', 'group_ids', 'im_group_ids')


def get_user(app, req):
    return Response(200, copy.deepcopy(app.state.get_user(req.params['userId'])))


def list_users(app, req):
    with app.state.lock:
        users = [{k: u[k] for k in _USER_LIST_KEYS if k in u} for u in app.state.users]
    return Response(200, {'page_count': 1, 'page_number': 1, 'page_size': max(len(users), 30),
                          'total_records': len(users), 'next_page_token': '', 'users': users})


# assistants: who may schedule meetings on a user's behalf

def list_assistants(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        assistants = [state.find_user(uid) for uid in state.assistants.get(user['id'], [])]
        return Response(200, {'assistants': [{'id': a['id'], 'email': a['email']} for a in assistants if a]})


def add_assistants(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        body = parse_body(req)
        entries = body.get('assistants')
        if not isinstance(entries, list) or not entries or len(entries) > 30 or \
                not all(isinstance(e, dict) and (e.get('id') or e.get('email')) for e in entries):
            raise validation_error('assistants', 'assistants must list 1 to 30 objects with an id or an email.')
        added = [state.get_user(e.get('id') or e.get('email')) for e in entries]
        current = state.assistants.setdefault(user['id'], [])
        for assistant in added:
            if assistant['id'] not in current:  # adding twice changes nothing
                current.append(assistant['id'])
        return Response(201, {'ids': ','.join(a['id'] for a in added), 'add_at': ids.iso(ids.now())})


def delete_assistants(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        state.assistants.pop(user['id'], None)
    return Response(204)


def delete_assistant(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        assistant = state.get_user(req.params['assistantId'])
        current = state.assistants.get(user['id'], [])
        if assistant['id'] not in current:
            raise ApiError(404, 1001, f'Assistant does not exist: {req.params["assistantId"]}.')
        current.remove(assistant['id'])
    return Response(204)


def list_schedulers(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        hosts = [state.find_user(host_id) for host_id, assistants in state.assistants.items()
                 if user['id'] in assistants]
        return Response(200, {'schedulers': [{'id': h['id'], 'email': h['email'], 'pmi': h['pmi']}
                                             for h in hosts if h]})


# meetings and webinars share one set of handlers

def _create(app, req, kind):
    state = app.state
    with state.lock:
        scheduler = state.get_user(req.params['userId'])
        body = parse_body(req)
        host = scheduler
        if body.get('schedule_for') and isinstance(body['schedule_for'], str):
            host = state.get_user(body['schedule_for'])
        check_daily(state, host['id'])
        validate(body, kind)
        obj = new_object(kind, body, state.new_object_id(kind), host, scheduler, app.url)
        state.objects[kind][obj['id']] = obj
        return Response(201, copy.deepcopy(obj))


def _list(app, req, kind):
    state = app.state
    keys = ('uuid', 'id', 'host_id', 'topic', 'type', 'start_time', 'duration', 'timezone', 'agenda', 'created_at',
            'join_url')
    with state.lock:
        user = state.get_user(req.params['userId'])
        items = [{k: o[k] for k in keys if k in o} for o in state.objects[kind].values() if o['host_id'] == user['id']]
    return Response(200, {'page_size': 30, 'total_records': len(items), 'next_page_token': '', f'{kind}s': items})


def _get(app, req, kind):
    return Response(200, copy.deepcopy(app.state.get_object(kind, req.params['id'])))


def _update(app, req, kind):
    state = app.state
    with state.lock:
        obj = state.get_object(kind, req.params['id'])
        body = parse_body(req)
        check_daily(state, obj['host_id'])
        validate(body, kind)
        new_host = state.get_user(body['schedule_for']) if body.get('schedule_for') else None
        apply_update(obj, kind, body, app.url)
        if new_host is not None:
            obj['host_id'], obj['host_email'] = new_host['id'], new_host['email']
    return Response(204)


def _delete(app, req, kind):
    state = app.state
    with state.lock:
        obj = state.get_object(kind, req.params['id'])
        del state.objects[kind][obj['id']]
    return Response(204)


def _bind(func, kind):
    def handler(app, req):
        return func(app, req, kind)
    handler.__name__ = f'{func.__name__.strip("_")}_{kind}'
    return handler


_ID = r'(?P<id>[^/]+)'
_USER = r'(?P<userId>[^/]+)'

# (method, path regex under /v2, handler, per-second category)
ROUTES = [
    ('GET', r'/users', list_users, 'Medium'),
    ('GET', rf'/users/{_USER}', get_user, 'Light'),
    ('GET', rf'/users/{_USER}/assistants', list_assistants, 'Medium'),
    ('POST', rf'/users/{_USER}/assistants', add_assistants, 'Medium'),
    ('DELETE', rf'/users/{_USER}/assistants', delete_assistants, 'Light'),
    ('DELETE', rf'/users/{_USER}/assistants/(?P<assistantId>[^/]+)', delete_assistant, 'Light'),
    ('GET', rf'/users/{_USER}/schedulers', list_schedulers, 'Medium'),
]
for _kind in (MEETING, WEBINAR):
    ROUTES += [
        ('POST', rf'/users/{_USER}/{_kind}s', _bind(_create, _kind), 'Medium'),
        ('GET', rf'/users/{_USER}/{_kind}s', _bind(_list, _kind), 'Medium'),
        ('GET', rf'/{_kind}s/{_ID}', _bind(_get, _kind), 'Light'),
        ('PATCH', rf'/{_kind}s/{_ID}', _bind(_update, _kind), 'Light'),
        ('DELETE', rf'/{_kind}s/{_ID}', _bind(_delete, _kind), 'Light'),
    ]
