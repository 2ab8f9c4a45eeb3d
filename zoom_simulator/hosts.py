"""Who may schedule for whom: assistants (scheduling privilege), schedule_for checks and alternative hosts."""

import re

from . import ids
from .objects import parse_body
from .responses import ApiError, Response, validation_error


# Zoom user types: 1 basic, 2 licensed, 3 on-prem. Alternative hosts and assistants must hold a licence.
LICENSED_TYPES = (2, 3)
_LIST_SPLIT = re.compile(r'[;,]')


def can_schedule_for(state, scheduler, target):
    """Zoom's scheduling privilege: a user schedules for itself, or for a user that made it an assistant."""
    return scheduler['id'] == target['id'] or scheduler['id'] in state.assistants.get(target['id'], [])


def check_schedule_for(state, scheduler, target, obj_type, on_update=False):
    """Zoom documents 400/3000 'You cannot schedule a meeting for {0}.' on create and update (quoted on update),
    and 3000 'Instant meetings do not support the schedule_for parameter' for type 1."""
    if scheduler['id'] == target['id']:
        return
    if obj_type == 1:
        raise ApiError(400, 3000, 'Instant meetings do not support the schedule_for parameter; you cannot schedule '
                                  'an instant meeting for another user.')
    if state.config['scheduling_privilege'] and not can_schedule_for(state, scheduler, target):
        who = f'"{target["email"]}"' if on_update else target['email']
        raise ApiError(400, 3000, f'You cannot schedule a meeting for {who}.')


def check_alternative_hosts(state, settings):
    """settings.alternative_hosts: e-mails or ids separated by ';' or ','; each must be a licensed account user.

    The subset documents no code for this; the simulator answers Zoom's generic 400/300 field error.
    """
    value = (settings or {}).get('alternative_hosts')
    if not isinstance(value, str):
        return
    for ref in filter(None, (part.strip() for part in _LIST_SPLIT.split(value))):
        user = state.find_user(ref)
        if user is None or user.get('type') not in LICENSED_TYPES:
            raise validation_error('settings.alternative_hosts',
                                   f'Alternative host {ref} is not a licensed user of this account.')


# assistants: who may schedule meetings on a user's behalf

def list_assistants(app, req):
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        assistants = [state.find_user(uid) for uid in state.assistants.get(user['id'], [])]
        return Response(200, {'assistants': [{'id': a['id'], 'email': a['email']} for a in assistants if a]})


def add_assistants(app, req):
    """Zoom documents 400/200 "Can't find user $email." and "Can't assign scheduling privilege to yourself."."""
    state = app.state
    with state.lock:
        user = state.get_user(req.params['userId'])
        body = parse_body(req)
        entries = body.get('assistants')
        if not isinstance(entries, list) or not entries or len(entries) > 30 or \
                not all(isinstance(e, dict) and (e.get('id') or e.get('email')) for e in entries):
            raise validation_error('assistants', 'assistants must list 1 to 30 objects with an id or an email.')
        added = []
        for entry in entries:
            ref = entry.get('email') or entry.get('id')
            assistant = state.find_user(entry.get('id') or entry.get('email'))
            if assistant is None:
                raise ApiError(400, 200, f"Can't find user {ref}.")
            if assistant['id'] == user['id']:
                raise ApiError(400, 200, "Can't assign scheduling privilege to yourself.")
            if assistant.get('type') not in LICENSED_TYPES:
                raise ApiError(400, 200, f'The user must either be a Licensed user or an On-prem user : {ref}.')
            added.append(assistant)
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
