"""Strict mode: validate /v2 requests against Zoom's OpenAPI spec with openapi-core.

Request-body object schemas get ``additionalProperties: false`` (in memory) so that misspelled keys such as
``settings.waiting_rooms`` are errors instead of being silently dropped as Zoom does. openapi-core is imported
lazily: the simulator works without it when strict mode is off. Works with openapi-core 0.17 and >= 0.19.
"""

import copy
import json
import os
import threading
from urllib.parse import urlsplit


_METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')
# The spec holds only part of Zoom's API; requests it does not describe are not judged.
_UNKNOWN_OPERATION = {'PathNotFound', 'OperationNotFound', 'ServerNotFound'}
_cache = {}
_cache_lock = threading.Lock()


def _close_objects(schema):
    """Forbid properties a request-body object schema does not list (allOf members stay open: they combine)."""
    if isinstance(schema, list):
        for item in schema:
            _close_objects(item)
        return
    if not isinstance(schema, dict):
        return
    combined = any(k in schema for k in ('allOf', 'anyOf', 'oneOf'))
    if isinstance(schema.get('properties'), dict) and 'additionalProperties' not in schema and not combined:
        schema['additionalProperties'] = False
    for sub in (schema.get('properties') or {}).values():
        _close_objects(sub)
    for key in ('items', 'additionalProperties', 'not'):
        if isinstance(schema.get(key), dict):
            _close_objects(schema[key])
    for key in ('anyOf', 'oneOf'):
        _close_objects(schema.get(key))


def _make_validator(spec_dict):
    try:
        from openapi_core import OpenAPI  # openapi-core >= 0.19
    except ImportError:
        OpenAPI = None
    if OpenAPI is not None:
        app = OpenAPI.from_dict(spec_dict)
        return lambda request: list(app.iter_request_errors(request))
    from openapi_core import Spec, V30RequestValidator  # openapi-core 0.17/0.18
    validator = V30RequestValidator(Spec.from_dict(spec_dict))
    return lambda request: list(validator.iter_errors(request))


class StrictValidator:
    def __init__(self, spec_path):
        with open(spec_path, encoding='utf-8') as f:
            spec = copy.deepcopy(json.load(f))
        for item in spec.get('paths', {}).values():
            for method in _METHODS:
                body = (item.get(method) or {}).get('requestBody') or {}
                for media in (body.get('content') or {}).values():
                    _close_objects(media.get('schema'))
        server = urlsplit((spec.get('servers') or [{'url': 'https://api.zoom.us/v2'}])[0]['url'])
        self.host_url = f'{server.scheme}://{server.netloc}'
        self.base_path = server.path.rstrip('/')  # '/v2', the same prefix the simulator serves
        self._validate = _make_validator(spec)

    def errors(self, method, path, query_pairs, body):
        """[{'field', 'message'}] for a request (path like '/v2/users/me'); [] when it conforms."""
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        if self.base_path != '/v2' and path.startswith('/v2'):
            path = self.base_path + path[3:]
        request = _SpecRequest(self.host_url, method.lower(), path, body or None,
                               RequestParameters(query=ImmutableMultiDict(query_pairs),
                                                 header=Headers({'Content-Type': 'application/json'}),
                                                 cookie=ImmutableMultiDict(), path={}))
        errors = []
        for exc in self._validate(request):
            if type(exc).__name__ not in _UNKNOWN_OPERATION:
                errors.extend(_explain(exc))
        return errors


class _SpecRequest:
    """The request protocol of both openapi-core generations (mimetype: 0.17, content_type: newer)."""

    mimetype = content_type = 'application/json'

    def __init__(self, host_url, method, path, body, parameters):
        self.host_url = host_url
        self.method = method
        self.path = path
        self.body = body
        self.parameters = parameters


def _field(path):
    out = ''
    for part in path:
        out += f'[{part}]' if isinstance(part, int) else (f'.{part}' if out else str(part))
    return out


def _explain(exc):
    cause = exc.__cause__
    schema_errors = list(getattr(cause, 'schema_errors', None) or [])
    name = getattr(exc, 'name', None)  # set on parameter errors
    if not schema_errors:
        detail = f'{exc}: {cause}' if cause is not None and str(cause) not in str(exc) else str(exc)
        return [{'field': name or 'body', 'message': detail[:300]}]
    errors = []
    for err in schema_errors:
        path = list(err.absolute_path)
        message = err.message
        if err.context:  # anyOf/oneOf: say why each branch failed
            message += ' [' + '; '.join(sorted({c.message for c in err.context})) + ']'
        if err.validator == 'additionalProperties' and isinstance(err.instance, dict):
            listed = err.schema.get('properties') or {}
            for key in err.instance:
                if key not in listed:
                    errors.append({'field': _field([*path, key]), 'message': f'Unknown field: {_field([*path, key])}'})
            continue
        if name and not path:
            field = name
        else:
            field = _field(path) or 'body'
        errors.append({'field': field, 'message': message[:300]})
    return errors


def get_validator(spec_path):
    """The validator for a spec file, parsed once per path per process."""
    key = os.path.realpath(spec_path)
    with _cache_lock:
        validator = _cache.get(key)
        if validator is None:
            validator = _cache[key] = StrictValidator(key)
        return validator
