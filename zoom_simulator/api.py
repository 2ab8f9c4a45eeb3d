"""Handlers of the Zoom REST API under /v2 (users, meetings, webinars) and the route table of every endpoint."""

import copy

from . import hosts, registrants, reports
from .objects import MEETING, WEBINAR, apply_update, new_object, parse_body, validate
from .ratelimit import check_daily
from .responses import Response
from .scopes import need


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


# meetings and webinars share one set of handlers

def _create(app, req, kind):
    """The path user schedules; `schedule_for` names the host, which the path user needs privilege for."""
    state = app.state
    with state.lock:
        scheduler = state.get_user(req.params['userId'])
        body = parse_body(req)
        host = scheduler
        if body.get('schedule_for') and isinstance(body['schedule_for'], str):
            host = state.get_user(body['schedule_for'])
        # Zoom's daily budget is per user: the account that does the scheduling pays, also when acting for a host.
        check_daily(state, scheduler['id'])
        validate(body, kind)
        hosts.check_schedule_for(state, scheduler, host, body.get('type', 2 if kind == MEETING else 5))
        hosts.check_alternative_hosts(state, body.get('settings'))
        obj = new_object(kind, body, state.new_object_id(kind), host, scheduler, app.url)
        state.objects[kind][obj['id']] = obj
        state.extras.pop(obj['id'], None)
        state.extra(obj['id'])['scheduler_id'] = scheduler['id']
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
    """The meeting's scheduler is the account acting: it pays the daily budget and needs privilege for a new host."""
    state = app.state
    with state.lock:
        obj = state.get_object(kind, req.params['id'])
        body = parse_body(req)
        extra = state.extra(obj['id'])
        scheduler = state.find_user(extra['scheduler_id'] or obj['host_id']) or state.get_user(obj['host_id'])
        check_daily(state, scheduler['id'])
        validate(body, kind)
        new_host = state.get_user(body['schedule_for']) if body.get('schedule_for') else None
        if new_host is not None:
            hosts.check_schedule_for(state, scheduler, new_host, body.get('type', obj['type']), on_update=True)
        hosts.check_alternative_hosts(state, body.get('settings'))
        apply_update(obj, kind, body, app.url)
        if new_host is not None:
            obj['host_id'], obj['host_email'] = new_host['id'], new_host['email']
            if scheduler['id'] != new_host['id']:
                obj['assistant_id'] = scheduler['id']
            else:
                obj.pop('assistant_id', None)
    return Response(204)


def _delete(app, req, kind):
    state = app.state
    with state.lock:
        obj = state.get_object(kind, req.params['id'])
        del state.objects[kind][obj['id']]
        state.extras.pop(obj['id'], None)  # its registrants go with it; past runs and recordings stay
    return Response(204)


def _bind(func, kind):
    def handler(app, req):
        return func(app, req, kind)
    handler.__name__ = f'{func.__name__.strip("_")}_{kind}'
    return handler


_ID = r'(?P<id>[^/]+)'
_USER = r'(?P<userId>[^/]+)'

_USER_READ = need('user:read:admin', 'user:read:user:admin')
_USER_WRITE = need('user:write:admin')

# (method, path regex under /v2, handler, per-second category, scopes)
ROUTES = [
    ('GET', r'/users', list_users, 'Medium', need('user:read:admin', 'user:read:list_users:admin', user_level=False)),
    ('GET', rf'/users/{_USER}', get_user, 'Light', _USER_READ),
    ('GET', rf'/users/{_USER}/assistants', hosts.list_assistants, 'Medium', need('user:read:admin')),
    ('POST', rf'/users/{_USER}/assistants', hosts.add_assistants, 'Medium', _USER_WRITE),
    ('DELETE', rf'/users/{_USER}/assistants', hosts.delete_assistants, 'Light', _USER_WRITE),
    ('DELETE', rf'/users/{_USER}/assistants/(?P<assistantId>[^/]+)', hosts.delete_assistant, 'Light', _USER_WRITE),
    ('GET', rf'/users/{_USER}/schedulers', hosts.list_schedulers, 'Medium', need('user:read:admin')),
]
for _kind in (MEETING, WEBINAR):
    _read, _write = f'{_kind}:read:admin', f'{_kind}:write:admin'
    ROUTES += [
        ('POST', rf'/users/{_USER}/{_kind}s', _bind(_create, _kind), 'Medium',
         need(_write, f'{_kind}:write:{_kind}:admin')),
        ('GET', rf'/users/{_USER}/{_kind}s', _bind(_list, _kind), 'Medium',
         need(_read, f'{_kind}:read:list_{_kind}s:admin')),
        ('GET', rf'/{_kind}s/{_ID}', _bind(_get, _kind), 'Light', need(_read, f'{_kind}:read:{_kind}:admin')),
        ('PATCH', rf'/{_kind}s/{_ID}', _bind(_update, _kind), 'Light', need(_write, f'{_kind}:update:{_kind}:admin')),
        ('DELETE', rf'/{_kind}s/{_ID}', _bind(_delete, _kind), 'Light', need(_write, f'{_kind}:delete:{_kind}:admin')),
    ]
ROUTES += registrants.ROUTES + reports.ROUTES
