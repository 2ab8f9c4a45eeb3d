"""error_from_response on hand-built replies, and that no secret ever reaches logs or error text."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests import Response

from indico_vc_zoom.zoom import (
    JWTAuth,
    MemoryCache,
    ZoomAuthError,
    ZoomClient,
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomValidationError,
)
from indico_vc_zoom.zoom.errors import error_from_response, parse_retry_after

from .conftest import MEETING, fault


def make_response(status, body=b'', headers=None):
    resp = Response()
    resp.status_code = status
    resp.reason = 'Reason'
    resp._content = json.dumps(body).encode() if isinstance(body, dict) else body
    resp.headers.update(headers or {})
    resp.encoding = 'utf-8'
    return resp


@pytest.mark.parametrize(('status', 'code', 'cls'), [
    (400, 300, ZoomValidationError),
    (400, 1001, ZoomNotFound),  # Zoom sometimes says "user does not exist" with a 400
    (404, 3001, ZoomNotFound),
    (401, 124, ZoomAuthError),
    (403, 200, ZoomAuthError),
    (409, 3000, ZoomValidationError),
    (429, 429, ZoomRateLimited),
    (500, None, ZoomUnavailable),
    (503, None, ZoomUnavailable),
])
def test_status_mapping(status, code, cls):
    err = error_from_response(make_response(status, {'code': code, 'message': 'Something went wrong.'}))
    assert type(err) is cls
    assert isinstance(err, ZoomError)
    assert (err.status_code, err.code, err.message) == (status, code, 'Something went wrong.')
    assert 'Something went wrong.' in str(err)
    assert f'HTTP {status}' in str(err)


def test_non_json_bodies():
    err = error_from_response(make_response(502, b'<html><h1>Bad Gateway</h1></html>'))
    assert isinstance(err, ZoomUnavailable)
    assert err.message == '502 Reason'
    err = error_from_response(make_response(400, b'plain text problem'))
    assert isinstance(err, ZoomValidationError)
    assert err.message == 'plain text problem'
    err = error_from_response(make_response(404, b''))
    assert isinstance(err, ZoomNotFound)
    assert err.code is None


def test_daily_limit_from_headers():
    resets = datetime(2031, 3, 4, tzinfo=UTC)
    resp = make_response(429, {'code': 429, 'message': 'You have exceeded the daily rate limit (100)'},
                         {'X-RateLimit-Type': 'Daily-limit', 'Retry-After': resets.isoformat()})
    err = error_from_response(resp, user='me@example.com')
    assert err.daily
    assert err.resets_at == resets
    assert err.user == 'me@example.com'
    assert 'me@example.com' in str(err)
    assert '2031-03-04 00:00 UTC' in str(err)


def test_daily_limit_without_header_resets_at_midnight():
    err = error_from_response(make_response(429, {'code': 429, 'message': 'You have exceeded the daily rate limit'}))
    assert err.daily
    assert err.resets_at.tzinfo is not None
    assert (err.resets_at.hour, err.resets_at.minute) == (0, 0)
    assert timedelta(0) < err.resets_at - datetime.now(UTC) <= timedelta(days=1)


def test_per_second_limit():
    resp = make_response(429, {'code': 429, 'message': 'Too many requests'},
                         {'X-RateLimit-Type': 'QPS', 'Retry-After': '2'})
    err = error_from_response(resp)
    assert not err.daily
    assert err.retry_after == 2


def test_parse_retry_after():
    assert parse_retry_after(None) == (None, None)
    assert parse_retry_after('garbage') == (None, None)
    assert parse_retry_after('3')[0] == 3
    seconds, at = parse_retry_after('Wed, 21 Oct 2099 07:28:00 GMT')
    assert at == datetime(2099, 10, 21, 7, 28, tzinfo=UTC)
    assert seconds > 0
    assert parse_retry_after('2000-01-01T00:00:00Z') == (0.0, datetime(2000, 1, 1, tzinfo=UTC))


# the suite's autouse fixtures (Indico's app context) are harmless to share between examples
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(status=st.integers(400, 599), body=st.binary(max_size=300),
       header=st.one_of(st.none(), st.text(max_size=40)))
def test_error_from_response_never_crashes(status, body, header):
    headers = {'Retry-After': header} if header and header.isprintable() and header.isascii() else {}
    err = error_from_response(make_response(status, body, headers))
    assert isinstance(err, ZoomError)
    assert err.status_code == status
    assert str(err)


def test_secrets_never_logged(make_s2s, host, zoom_sim, creds, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = []

    class RecordingCache(MemoryCache):
        def set(self, key, value, timeout=None):
            tokens.append(value['access_token'])
            super().set(key, value, timeout)

    client = ZoomClient(make_s2s(cache=RecordingCache()))
    meeting = client.create_meeting(host, MEETING)
    client.get_meeting(meeting['id'])
    zoom_sim.expire_tokens()
    client.update_meeting(meeting['id'], {'topic': 'Changed'})
    fault(zoom_sim, 'GET', r'/v2/meetings/', status=500, times=1)
    client.get_meeting(meeting['id'])
    errors = []
    with pytest.raises(ZoomNotFound) as exc_info:
        client.get_user('nobody@example.com')
    errors.append(exc_info.value)
    with pytest.raises(ZoomAuthError) as exc_info:
        ZoomClient(make_s2s(client_secret='wrong-' + creds['client_secret'])).check_credentials()
    errors.append(exc_info.value)
    jwt_client = ZoomClient(JWTAuth(creds['api_key'], creds['api_secret']), api_url=zoom_sim.api_url)
    jwt_client.get_user(host)
    tokens.append(jwt_client.auth.get_token())
    with pytest.raises(ZoomAuthError) as exc_info:
        ZoomClient(JWTAuth(creds['api_key'], 'bad-api-secret'), api_url=zoom_sim.api_url).get_user(host)
    errors.append(exc_info.value)

    assert len(tokens) == 3
    secrets = [creds['client_secret'], creds['api_secret'], 'bad-api-secret', meeting['start_url'], *tokens]
    logged = '\n'.join(f'{r.name} {r.getMessage()} {r.exc_text or ""}' for r in caplog.records)
    logged += '\n' + '\n'.join(str(e) for e in errors)
    for secret in secrets:
        assert secret not in logged
    assert 'Bearer' not in logged
    assert 'Authorization' not in logged
    # the log is not just empty: calls are logged by method and templated path
    assert 'POST /users/{userId}/meetings -> 201' in logged
    assert 'GET /meetings/{meetingId} -> 500' in logged
    assert any(r.levelno == logging.WARNING and 'retry' in r.getMessage() for r in caplog.records)
