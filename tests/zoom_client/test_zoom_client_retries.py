"""Retry policy: rate limits (daily vs per-second), 5xx, timeouts, connection errors."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from indico_vc_zoom.zoom import S2SAuth, ZoomClient, ZoomRateLimited, ZoomUnavailable

from .conftest import MEETING, api_calls, fault, wait_for


QPS_429 = {'status': 429,
           'body': {'code': 429, 'message': 'You have reached the maximum per-second rate limit for this API.'},
           'headers': {'X-RateLimit-Type': 'QPS', 'Retry-After': '1'}}


def _next_midnight():
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def test_daily_limit_not_retried(client, host, zoom_sim):
    zoom_sim.configure(daily_limit=2)
    client.create_meeting(host, MEETING)
    client.create_meeting(host, MEETING)
    start = time.monotonic()
    with pytest.raises(ZoomRateLimited) as exc_info:
        client.create_meeting(host, MEETING)
    assert time.monotonic() - start < 1
    err = exc_info.value
    assert err.daily
    assert err.user == host
    assert err.resets_at == _next_midnight()
    assert err.retry_after is None or err.retry_after > 0
    assert (err.status_code, err.code) == (429, 429)
    assert 'daily rate limit' in err.message
    text = str(err)
    assert host in text
    assert err.resets_at.strftime('%Y-%m-%d %H:%M UTC') in text
    assert len(api_calls(zoom_sim, 'POST')) == 3
    assert len(zoom_sim.meetings()) == 2


def test_daily_limit_on_update_has_no_user(client, host, zoom_sim):
    zoom_sim.configure(daily_limit=1)
    meeting = client.create_meeting(host, MEETING)
    with pytest.raises(ZoomRateLimited) as exc_info:
        client.update_meeting(meeting['id'], {'topic': 'Too many'})
    assert exc_info.value.daily
    assert exc_info.value.user is None
    assert 'UTC' in str(exc_info.value)
    assert len(api_calls(zoom_sim, 'PATCH')) == 1


def test_per_second_limit_retried(client, host, zoom_sim):
    fault(zoom_sim, 'POST', r'/v2/users/.+/meetings', times=1, **QPS_429)
    start = time.monotonic()
    meeting = client.create_meeting(host, MEETING)
    assert time.monotonic() - start >= 0.9  # waited Retry-After
    assert meeting['id']
    assert [r['status'] for r in api_calls(zoom_sim, 'POST')] == [429, 201]
    assert len(zoom_sim.meetings()) == 1


def test_per_second_limit_exhausted(client, host, zoom_sim):
    fault(zoom_sim, 'GET', r'/v2/users/', times=5, **QPS_429)
    with pytest.raises(ZoomRateLimited) as exc_info:
        client.get_user(host)
    err = exc_info.value
    assert not err.daily
    assert err.retry_after == 1
    assert 'per second' in str(err)
    assert len(api_calls(zoom_sim, 'GET')) == 3  # one try, two retries


def test_server_error_on_get_retried(client, host, zoom_sim):
    fault(zoom_sim, 'GET', r'/v2/users/', status=500, times=2)
    assert client.get_user(host)['email'] == host
    assert [r['status'] for r in api_calls(zoom_sim, 'GET')] == [500, 500, 200]


def test_server_error_on_patch_and_delete_retried(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    fault(zoom_sim, 'PATCH', r'/v2/meetings/', status=503, times=1)
    client.update_meeting(meeting['id'], {'topic': 'Retried'})
    fault(zoom_sim, 'DELETE', r'/v2/meetings/', status=502, times=1)
    client.delete_meeting(meeting['id'])
    assert [r['status'] for r in api_calls(zoom_sim, 'PATCH')] == [503, 204]
    assert [r['status'] for r in api_calls(zoom_sim, 'DELETE')] == [502, 204]


def test_server_error_on_get_exhausted(client, host, zoom_sim):
    fault(zoom_sim, 'GET', r'/v2/users/', status=500, times=10)
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.get_user(host)
    assert exc_info.value.status_code == 500
    assert len(api_calls(zoom_sim, 'GET')) == 3


def test_server_error_on_post_not_retried(client, host, zoom_sim):
    fault(zoom_sim, 'POST', r'/v2/users/.+/meetings', status=500, times=1)
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.create_meeting(host, MEETING)
    assert exc_info.value.status_code == 500
    assert len(api_calls(zoom_sim, 'POST')) == 1
    assert zoom_sim.meetings() == []


def test_read_timeout_on_get_retried(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), timeout=(1, 0.5))
    client.get_user(host)  # token first, so only the API call is slow
    fault(zoom_sim, 'GET', r'/v2/users/', status=None, delay=1.0, times=1)
    assert client.get_user(host)['email'] == host
    assert wait_for(lambda: len(api_calls(zoom_sim, 'GET')) == 3)


def test_read_timeout_on_get_exhausted(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), timeout=(1, 0.3))
    client.get_user(host)
    fault(zoom_sim, 'GET', r'/v2/users/', status=None, delay=0.6, times=3)
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.get_user(host)
    assert exc_info.value.status_code is None
    assert 'in time' in str(exc_info.value)
    assert wait_for(lambda: len(api_calls(zoom_sim, 'GET')) == 4)


def test_read_timeout_on_post_outcome_unknown(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), timeout=(1, 0.5))
    client.get_user(host)
    fault(zoom_sim, 'POST', r'/v2/users/.+/meetings', status=None, delay=1.0, times=1)
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.create_meeting(host, MEETING)
    assert 'unknown' in str(exc_info.value)
    # the slow answer was a normal one: the meeting exists although the client gave up on it
    assert wait_for(lambda: len(api_calls(zoom_sim, 'POST')) == 1)
    assert wait_for(lambda: len(zoom_sim.meetings()) == 1)
    time.sleep(0.2)
    assert len(api_calls(zoom_sim, 'POST')) == 1


def test_connection_refused(zoom_sim, creds):
    auth = S2SAuth(creds['account_id'], creds['client_id'], creds['client_secret'], oauth_url=zoom_sim.oauth_url)
    client = ZoomClient(auth, api_url='http://127.0.0.1:9/v2', timeout=(1, 1))
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.create_meeting('host@example.com', MEETING)
    assert 'Connection to Zoom failed' in str(exc_info.value)
    assert client.stats[('POST', '/users/{userId}/meetings')] == 1
    with pytest.raises(ZoomUnavailable):
        client.get_meeting(123)
    assert client.stats[('GET', '/meetings/{meetingId}')] == 3


def test_deadline_stops_retries_that_cannot_finish(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), timeout=(1, 1))
    meeting = client.create_meeting(host, MEETING)
    fault(zoom_sim, 'PATCH', r'/v2/meetings/\d+$', status=None, delay=2.0, times=None)
    with client.deadline(1.6), pytest.raises(ZoomUnavailable) as exc_info:
        client.update_meeting(meeting['id'], {'agenda': 'late'})
    # one attempt (1 s), then 0.6 s left: a retry could not get its answer, so none is sent
    assert client.stats[('PATCH', '/meetings/{meetingId}')] == 1
    assert exc_info.value.outcome_unknown  # sent, no answer: Zoom may have taken it
    assert 'outcome of the request is unknown' in str(exc_info.value)
    assert wait_for(lambda: zoom_sim.meetings()[0]['agenda'] == 'late')  # and it did


def test_no_call_starts_after_the_deadline(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), timeout=(1, 1))
    client.get_user(host)
    with client.deadline(0.2), pytest.raises(ZoomUnavailable) as exc_info:
        time.sleep(0.3)
        client.get_user(host)
    assert not exc_info.value.outcome_unknown  # never sent
    assert client.stats[('GET', '/users/{userId}')] == 1
    assert client.time_left() is None  # the deadline ends with its block
