"""Zoom webhook signing, payloads and delivery.

``sign`` is public: plugin tests use it to build requests signed exactly like Zoom's.
"""

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request


def sign(secret, timestamp, body_bytes):
    """The ``x-zm-signature`` header value: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode()
    message = b'v0:' + str(timestamp).encode() + b':' + body_bytes
    return 'v0=' + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encrypt_token(secret, plain_token):
    """The ``encryptedToken`` an endpoint must answer to Zoom's URL validation challenge."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def now_ms():
    return int(time.time() * 1000)


def envelope(event, payload):
    return {'event': event, 'event_ts': now_ms(), 'payload': payload}


def _operator(account_id, operator):
    return {'account_id': account_id, 'operator': operator['email'], 'operator_id': operator['id']}


def updated_event(kind, account_id, operator, obj, old_values, new_values):
    """``meeting.updated``/``webinar.updated``: object and old_object hold id, uuid and the changed fields only."""
    ts = now_ms()
    head = {'id': obj['id'], 'uuid': obj['uuid']}
    return {'event': f'{kind}.updated', 'event_ts': ts, 'payload': {
        **_operator(account_id, operator), 'operation': 'single',
        'object': {**head, **new_values}, 'old_object': {**head, **old_values}, 'time_stamp': ts,
    }}


def deleted_event(kind, account_id, operator, obj):
    keys = ('uuid', 'id', 'host_id', 'topic', 'type', 'start_time', 'duration', 'timezone')
    return envelope(f'{kind}.deleted', {
        **_operator(account_id, operator), 'operation': 'single',
        'object': {k: obj[k] for k in keys if k in obj},
    })


def converted_event(from_kind, to_kind, account_id, operator, obj):
    keys = ('id', 'uuid', 'host_id', 'topic', 'type', 'join_url')
    return envelope(f'{from_kind}.converted_to_{to_kind}', {
        **_operator(account_id, operator), 'object': {k: obj[k] for k in keys if k in obj},
    })


def url_validation_event():
    return envelope('endpoint.url_validation', {'plainToken': secrets.token_urlsafe(16)})


def deliver(url, payload, secret, timeout=10, timestamp=None):
    """POST a signed webhook; return (status, response text). Errors reaching the URL raise OSError."""
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    request = urllib.request.Request(url, data=body, method='POST', headers={
        'Content-Type': 'application/json',
        'User-Agent': 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': sign(secret, timestamp, body),
    })
    # No proxies: webhook targets are local test servers.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode('utf-8', 'replace')


def check_url_validation(secret, sent, response_text):
    """Whether the endpoint answered the challenge the way Zoom requires."""
    plain = sent['payload']['plainToken']
    try:
        answer = json.loads(response_text)
    except ValueError:
        return False
    return (isinstance(answer, dict) and answer.get('plainToken') == plain
            and answer.get('encryptedToken') == encrypt_token(secret, plain))
