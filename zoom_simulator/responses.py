"""Small value types shared by the request handlers: the parsed request, the response and API errors."""

import json
from dataclasses import dataclass, field


NO_BODY = object()  # marks a request whose body is absent or not valid JSON


@dataclass
class Request:
    method: str
    path: str
    query: dict  # first value of each parameter
    headers: dict  # lower-cased names
    raw_body: bytes = b''
    json: object = NO_BODY
    params: dict = field(default_factory=dict)  # path parameters filled in by the router
    query_lists: dict = field(default_factory=dict)  # every value of each parameter


@dataclass
class Response:
    status: int
    body: object = None  # dict/list -> JSON, str/bytes -> sent as is, None -> empty
    headers: dict = field(default_factory=dict)

    def encode(self):
        """Return (body bytes, content type or None)."""
        if self.body is None or self.status == 204:
            return b'', None
        if isinstance(self.body, bytes):
            return self.body, 'application/octet-stream'
        if isinstance(self.body, str):
            return self.body.encode(), 'text/plain; charset=utf-8'
        return json.dumps(self.body).encode(), 'application/json;charset=UTF-8'


class ApiError(Exception):
    """An error answer; raising it anywhere in a handler ends the request with that answer."""

    def __init__(self, status, code, message, errors=None, headers=None):
        super().__init__(message)
        body = {'code': code, 'message': message}
        if errors:
            body['errors'] = errors
        self.response = Response(status, body, headers or {})


def validation_error(field_name, message, top_message='Invalid field.'):
    """Zoom's answer to a request body that breaks a field rule."""
    return ApiError(400, 300, top_message, errors=[{'field': field_name, 'message': message}])
