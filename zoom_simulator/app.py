"""The request pipeline: faults, auth, rate limits, strict validation, routing, request log."""

import re
import sys
import time
from urllib.parse import unquote

from . import api, control
from .auth import OAUTH_LOG_KEYS, check_bearer, form_params, token_endpoint
from .ratelimit import check_per_second
from .responses import NO_BODY, ApiError, Response
from .scopes import check_scopes
from .state import State
from .strict import get_validator


CONTROL_PREFIX = '/_simulator'
_API_ROUTES = [(m, re.compile(rf'^/v2{p}$'), h, c, s) for m, p, h, c, s in api.ROUTES]
_CONTROL_ROUTES = [(m, re.compile(rf'^{CONTROL_PREFIX}{p}$'), h, None, None) for m, p, h in control.ROUTES]
_PAGE_RE = re.compile(r'^/(?P<kind>[jsw])/(?P<id>\d+)$')
_LOG_QUERY_SKIP = ('access_token', 'token', 'client_secret', 'client_id')  # never recorded, whatever the path


class App:
    def __init__(self, config, url='', log_stream=None):
        self.state = State(config)
        self.url = url
        self.log_stream = log_stream  # one line per non-control request when set (the CLI uses stderr)

    def strict_validator(self, spec_path=None):
        spec_path = spec_path or self.state.config.get('spec')
        return get_validator(spec_path) if spec_path else None

    def handle(self, req):
        """Answer one request; never raises."""
        started = time.time()
        path = req.path
        if path.startswith(CONTROL_PREFIX + '/'):
            return self._dispatch(_CONTROL_ROUTES, req)
        try:
            resp = self._handle_zoom(req)
        except Exception as exc:  # e.g. an openapi-core failure: answer 500 rather than drop the connection
            print(f'zoom simulator: error handling {req.method} {path}: {exc!r}', file=sys.stderr)
            resp = Response(500, {'code': 500, 'message': f'Simulator error: {exc!r}'})
        if path.startswith(('/oauth/', '/v2/')) or path == '/v2':
            self.state.record(self._log_entry(req, resp, started))
        if self.log_stream is not None:
            print(f'{req.method} {path} {resp.status}', file=self.log_stream, flush=True)
        return resp

    def _handle_zoom(self, req):
        fault = self.state.take_fault(req.method, req.path)
        if fault is not None:
            if fault['delay']:
                time.sleep(fault['delay'])
            if fault['status'] is not None:
                return Response(fault['status'], fault['body'], fault['headers'])
        if req.path == '/oauth/token':
            if req.method != 'POST':
                return Response(405, {'reason': 'Method Not Allowed', 'error': 'invalid_request'})
            return token_endpoint(self.state, req, self.url)
        if req.path.startswith('/v2/'):
            return self._handle_api(req)
        match = _PAGE_RE.match(req.path)
        if req.method == 'GET' and match:
            return self._page(match)
        return Response(404, {'code': 404, 'message': 'Not Found'})

    def _handle_api(self, req):
        try:
            granted = check_bearer(self.state, req)
            route = self._route(_API_ROUTES, req)
            if route is not None:
                check_scopes(granted, route[4])
                check_per_second(self.state, route[3])
            validator = self.strict_validator()
            if validator is not None:
                errors = validator.errors(req.method, req.path, _query_pairs(req), req.raw_body)
                if errors:
                    raise ApiError(400, 300, 'Validation Failed.', errors=errors)
        except ApiError as exc:
            return exc.response
        return self._dispatch(_API_ROUTES, req)

    def _route(self, routes, req):
        for route in routes:
            match = route[1].match(req.path)
            if match and route[0] == req.method:
                req.params = {k: unquote(v) for k, v in match.groupdict().items()}
                return route
        return None

    def _dispatch(self, routes, req):
        route = self._route(routes, req)
        if route is None:
            if any(r[1].match(req.path) for r in routes):
                return Response(405, {'code': 405, 'message': 'Method Not Allowed'})
            return Response(404, {'code': 404, 'message': 'Not Found'})
        try:
            return route[2](self, req)
        except ApiError as exc:
            return exc.response
        except Exception as exc:  # a simulator bug must surface as a 500, not a dropped connection
            print(f'zoom simulator: error in {route[2].__name__}: {exc!r}', file=sys.stderr)
            return Response(500, {'code': 500, 'message': f'Simulator error: {exc!r}'})

    def _page(self, match):
        """Plain pages behind join_url/start_url, so following those links works."""
        obj_id = int(match['id'])
        with self.state.lock:
            found = any(obj_id in store for store in self.state.objects.values())
        if not found:
            return Response(404, 'Zoom simulator: this meeting does not exist.')
        verb = 'start' if match['kind'] == 's' else 'join'
        return Response(200, f'Zoom simulator: you would {verb} {obj_id} now.')

    def _log_entry(self, req, resp, started):
        """What GET /_simulator/requests shows: never credentials or tokens."""
        if req.path.startswith('/oauth/'):
            form = form_params(req)
            query = {k: v for k, v in req.query.items() if k in OAUTH_LOG_KEYS}
            body = {k: form[k] for k in OAUTH_LOG_KEYS if k in form} or None
        else:
            query = {k: v for k, v in req.query.items() if k not in _LOG_QUERY_SKIP}
            body = None if req.json is NO_BODY else req.json
        return {'method': req.method, 'path': req.path, 'query': query, 'body': body, 'status': resp.status,
                'time': started}


def _query_pairs(req):
    return [(k, v) for k, values in req.query_lists.items() for v in values]
