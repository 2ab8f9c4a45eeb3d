"""Tokens: S2S OAuth caching/refresh/retry on 401, JWT apps, bad credentials, API base URL."""

import time
import types

import jwt
import pytest

from indico_vc_zoom.zoom import JWTAuth, MemoryCache, S2SAuth, ZoomAuthError, ZoomClient, ZoomUnavailable
from indico_vc_zoom.zoom.client import DEFAULT_API_URL

from .conftest import MEETING, api_calls, fault, token_calls


def test_token_fetched_once_and_reused(client, host, zoom_sim):
    for __ in range(5):
        assert client.get_user(host)['email'] == host
    assert len(token_calls(zoom_sim)) == 1
    assert len(api_calls(zoom_sim, 'GET')) == 5


def test_two_clients_share_a_cache(make_s2s, host, zoom_sim):
    cache = MemoryCache()
    first = ZoomClient(make_s2s(cache=cache))
    second = ZoomClient(make_s2s(cache=cache))
    first.get_user(host)
    second.get_user(host)
    first.get_user(host)
    assert len(token_calls(zoom_sim)) == 1
    # a client with its own cache needs its own token
    ZoomClient(make_s2s()).get_user(host)
    assert len(token_calls(zoom_sim)) == 2


def test_token_shared_through_indico_cache(make_s2s, host, zoom_sim, creds):
    # the plugin passes Indico's Redis-backed cache; the client itself knows nothing about Indico
    from indico.core.cache import make_scoped_cache
    cache = make_scoped_cache('zoom-client-test')
    ZoomClient(make_s2s(cache=cache)).get_user(host)
    ZoomClient(make_s2s(cache=cache)).get_user(host)
    assert len(token_calls(zoom_sim)) == 1
    auth = make_s2s(cache=cache)
    stored = cache.get(auth.cache_key)
    assert stored['access_token']
    assert creds['client_secret'] not in repr(stored)
    assert creds['client_secret'] not in auth.cache_key


def test_cache_key_depends_on_account_and_client_not_secret(make_s2s, creds):
    key = make_s2s().cache_key
    assert creds['client_secret'] not in key
    assert make_s2s(client_secret='other').cache_key == key
    assert make_s2s(client_id='other').cache_key != key
    assert make_s2s(account_id='other').cache_key != key
    assert make_s2s(oauth_url='http://127.0.0.1:1/oauth/token').cache_key != key


def test_token_refreshed_before_expiry(client, host, zoom_sim, monkeypatch):
    # a clock we can move: the token must be replaced while the server still accepts it, not after a 401
    from indico_vc_zoom.zoom import auth as auth_module
    offset = 0

    def fake_time():
        return time.time() + offset

    monkeypatch.setattr(auth_module, 'time', types.SimpleNamespace(time=fake_time, monotonic=time.monotonic,
                                                                   sleep=time.sleep))
    client.get_user(host)
    ttl = client.auth.cache.get(client.auth.cache_key)['ttl']
    offset = ttl * 0.5
    client.get_user(host)
    assert len(token_calls(zoom_sim)) == 1
    offset = ttl - min(300, ttl * 0.1) + 1  # inside the refresh margin
    client.get_user(host)
    assert len(token_calls(zoom_sim)) == 2
    assert all(r['status'] == 200 for r in api_calls(zoom_sim))


def test_short_lived_token_refreshed_without_401(client, host, zoom_sim):
    zoom_sim.configure(token_ttl=1)
    client.get_user(host)
    time.sleep(1.1)
    client.get_user(host)
    assert len(token_calls(zoom_sim)) == 2
    assert [r['status'] for r in api_calls(zoom_sim)] == [200, 200]


def test_expired_token_refreshed_and_retried_once(client, host, zoom_sim):
    client.get_user(host)
    zoom_sim.expire_tokens()
    assert client.get_user(host)['email'] == host
    assert len(token_calls(zoom_sim)) == 2
    assert [r['status'] for r in api_calls(zoom_sim)] == [200, 401, 200]


def test_expired_token_retried_on_post_too(client, host, zoom_sim):
    client.get_user(host)
    zoom_sim.expire_tokens()
    client.create_meeting(host, MEETING)
    assert [r['status'] for r in api_calls(zoom_sim, 'POST')] == [401, 201]
    assert len(zoom_sim.meetings()) == 1


def test_second_401_is_auth_error(client, host, zoom_sim):
    client.get_user(host)
    fault(zoom_sim, 'GET', r'/v2/users/', status=401, body={'code': 124, 'message': 'Invalid access token.'}, times=2)
    with pytest.raises(ZoomAuthError) as exc_info:
        client.get_user(host)
    assert exc_info.value.status_code == 401
    assert exc_info.value.code == 124
    assert exc_info.value.message == 'Invalid access token.'
    assert len(api_calls(zoom_sim, 'GET')) == 3  # the first call, then one try and exactly one retry
    assert len(token_calls(zoom_sim)) == 2


def test_bad_client_secret(make_s2s, host, zoom_sim):
    secret = 'wrong-secret-0123456789'
    client = ZoomClient(make_s2s(client_secret=secret))
    with pytest.raises(ZoomAuthError) as exc_info:
        client.check_credentials()
    text = str(exc_info.value)
    assert 'refused' in text
    assert secret not in text
    assert exc_info.value.status_code == 401
    with pytest.raises(ZoomAuthError):
        client.get_user(host)
    assert api_calls(zoom_sim) == []


def test_bad_account_id(make_s2s, zoom_sim, creds):
    client = ZoomClient(make_s2s(account_id='no-such-account'))
    with pytest.raises(ZoomAuthError) as exc_info:
        client.check_credentials()
    assert creds['client_secret'] not in str(exc_info.value)


def test_check_credentials_forces_a_fresh_token(client, host, zoom_sim):
    client.get_user(host)
    assert client.check_credentials() is None
    assert len(token_calls(zoom_sim)) == 2
    client.get_user(host)
    assert len(token_calls(zoom_sim)) == 2


def test_oauth_endpoint_down(zoom_sim, creds):
    auth = S2SAuth(creds['account_id'], creds['client_id'], creds['client_secret'],
                   oauth_url='http://127.0.0.1:9/oauth/token', timeout=(1, 1))
    with pytest.raises(ZoomUnavailable):
        auth.get_token()
    with pytest.raises(ZoomAuthError) as exc_info:
        ZoomClient(auth).check_credentials()
    assert creds['client_secret'] not in str(exc_info.value)


def test_jwt_auth(jwt_client, host, zoom_sim, creds):
    assert jwt_client.get_user(host)['email'] == host
    jwt_client.get_user(host)
    assert token_calls(zoom_sim) == []
    token = jwt_client.auth.get_token()
    assert jwt_client.auth.get_token() == token  # reused until near expiry
    claims = jwt.decode(token, creds['api_secret'], algorithms=['HS256'])
    assert claims['iss'] == creds['api_key']
    assert 0 < claims['exp'] - time.time() <= 60
    assert jwt_client.check_credentials() is None


def test_jwt_wrong_secret(zoom_sim, host, creds):
    secret = 'not-the-api-secret-42'
    client = ZoomClient(JWTAuth(creds['api_key'], secret), api_url=zoom_sim.api_url)
    with pytest.raises(ZoomAuthError) as exc_info:
        client.get_user(host)
    assert exc_info.value.status_code == 401
    assert secret not in str(exc_info.value)
    assert len(api_calls(zoom_sim)) == 2  # retried once with a fresh token


def test_jwt_missing_credentials():
    with pytest.raises(ZoomAuthError):
        ZoomClient(JWTAuth('key', ''), api_url='http://127.0.0.1:9/v2').check_credentials()


def test_api_url_from_token_reply(client, host, zoom_sim):
    client.get_user(host)
    assert client.base_url == zoom_sim.api_url
    assert client.auth.api_url.rstrip('/') == zoom_sim.url.rstrip('/')


def test_explicit_api_url_wins(make_s2s, host, zoom_sim):
    client = ZoomClient(make_s2s(), api_url=zoom_sim.api_url + '/')
    assert client.get_user(host)['email'] == host
    # nothing listens on port 9: the override must be used even though the token reply names the simulator
    client = ZoomClient(make_s2s(), api_url='http://127.0.0.1:9/v2', timeout=(1, 1))
    with pytest.raises(ZoomUnavailable):
        client.get_user(host)
    assert client.base_url == 'http://127.0.0.1:9/v2'
    assert len(api_calls(zoom_sim)) == 1


def test_default_api_url_without_token_reply():
    assert ZoomClient(JWTAuth('key', 'secret')).base_url == DEFAULT_API_URL == 'https://api.zoom.us/v2'
