"""Everything the simulator remembers, behind one lock: config, users, meetings, tokens, counters, faults, log."""

import copy
import re
import threading
import time

from . import ids
from .objects import MEETING, WEBINAR, make_user
from .responses import ApiError


class State:
    def __init__(self, config):
        self.lock = threading.RLock()
        self._initial_config = copy.deepcopy(config)
        # Users get their generated ids once, so a reset brings back the very same users.
        self._initial_users = [make_user(u, config['account_id']) for u in config['users']]
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(self._initial_config)
            self.users = copy.deepcopy(self._initial_users)
            self.objects = {MEETING: {}, WEBINAR: {}}  # kind -> {id: meeting/webinar}
            self.assistants = {}  # user id -> [assistant user ids]
            self.tokens = {}  # access token -> expiry (epoch seconds)
            self.token_scopes = {}  # access token -> frozenset of granted scopes
            self.extras = {}  # meeting/webinar id -> what Zoom knows but does not return: scheduler, registrants
            self.runs = {}  # meeting instance uuid -> a run: participants, recording (see runs.py)
            self.page_tokens = {}  # next_page_token -> (list key, offset)
            self.daily_counts = {}  # (scheduling user id, UTC date) -> create/update requests
            self.second_counts = {}  # (category, epoch second) -> requests
            self.faults = []
            self.log = []

    # users

    def find_user(self, ref):
        with self.lock:
            if ref == 'me':
                return self.users[0] if self.users else None
            for user in self.users:
                if user['id'] == ref or user['email'].lower() == str(ref).lower():
                    return user
            return None

    def get_user(self, ref):
        user = self.find_user(ref)
        if user is None:
            raise ApiError(404, 1001, f'User does not exist: {ref}.')
        return user

    def add_user(self, fields):
        with self.lock:
            user = make_user(fields, self.config['account_id'])
            if self.find_user(user['email']) or self.find_user(user['id']):
                raise ApiError(409, 1005, f'User already in the account: {user["email"]}')
            self.users.append(user)
            return user

    # meetings and webinars

    def new_object_id(self, kind):
        with self.lock:
            while True:
                obj_id = ids.meeting_id(webinar=kind == WEBINAR)
                if all(obj_id not in store for store in self.objects.values()):
                    return obj_id

    def extra(self, obj_id):
        """The simulator-only record of a meeting/webinar: {'scheduler_id', 'registrants', 'questions'}."""
        with self.lock:
            return self.extras.setdefault(int(obj_id), {'scheduler_id': None, 'registrants': {}, 'questions': None})

    def get_object(self, kind, obj_id):
        with self.lock:
            try:
                return self.objects[kind][int(obj_id)]
            except (KeyError, ValueError):
                raise ApiError(404, 3001, f'{kind.capitalize()} does not exist: {obj_id}.')

    # tokens

    def issue_token(self, scopes):
        with self.lock:
            token = ids.token()
            self.tokens[token] = time.time() + float(self.config['token_ttl'])
            self.token_scopes[token] = frozenset(scopes)
            return token

    def granted_scopes(self, token):
        with self.lock:
            return self.token_scopes.get(token, frozenset())

    def token_status(self, token):
        """'valid', 'expired' or None (never issued)."""
        with self.lock:
            expiry = self.tokens.get(token)
        if expiry is None:
            return None
        return 'valid' if time.time() < expiry else 'expired'

    def expire_tokens(self):
        with self.lock:
            now = time.time()
            self.tokens = dict.fromkeys(self.tokens, now - 1)

    # faults

    def add_fault(self, spec):
        fault = {
            'method': str(spec.get('method', '*')).upper(),
            'path': spec.get('path', ''),
            'status': spec.get('status', 500),
            'body': spec.get('body'),
            'headers': dict(spec.get('headers') or {}),
            'delay': float(spec.get('delay') or 0),
            'times': spec.get('times', 1),
        }
        re.compile(fault['path'])  # fail early on a bad regex
        if fault['status'] is not None and fault['body'] is None:
            fault['body'] = {'code': fault['status'], 'message': 'Simulated fault'}
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method, path):
        """The first fault matching this request, counting one use of it (times None = forever)."""
        with self.lock:
            for fault in self.faults:
                if fault['method'] not in ('*', method) or not re.search(fault['path'], path):
                    continue
                if fault['times'] is not None:
                    fault['times'] -= 1
                    if fault['times'] <= 0:
                        self.faults.remove(fault)
                return copy.deepcopy(fault)
            return None

    # request log

    def record(self, entry):
        with self.lock:
            self.log.append(entry)

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self.log)
