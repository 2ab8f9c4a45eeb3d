"""Server-to-Server OAuth, token expiry and legacy JWT auth."""

import base64
import time

import jwt
import pytest


# The default legacy api_secret is short, as the brief's config says; PyJWT warns about that when signing.
pytestmark = pytest.mark.filterwarnings('ignore:The HMAC key is')


GRANT = {'grant_type': 'account_credentials', 'account_id': 'sim-account'}


def test_token_with_basic_auth(sim, http, make_api):
    resp = http.post(sim.oauth_url, params=GRANT, auth=('sim-client-id', 'sim-client-secret'))
    assert resp.status_code == 200
    data = resp.json()
    assert data['token_type'] == 'bearer'
    assert data['expires_in'] == 3600
    assert data['api_url'] == sim.url  # server root without /v2, like https://api.zoom.us
    assert set(data['scope'].split()) >= {'meeting:write:admin', 'user:read:admin', 'webinar:write:admin'}
    assert len(data['access_token']) >= 32
    me = make_api(data['access_token']).get('/users/me')
    assert me.status_code == 200
    assert me.json()['email'] == 'alice@example.com'


def test_token_with_form_credentials_and_form_grant(sim, http, make_api):
    resp = http.post(sim.oauth_url, data={**GRANT, 'client_id': 'sim-client-id', 'client_secret': 'sim-client-secret'})
    assert resp.status_code == 200
    token = resp.json()['access_token']
    assert make_api(token).get('/users/me').status_code == 200


def test_tokens_are_distinct(get_token):
    assert get_token() != get_token()


@pytest.mark.parametrize('auth', [('sim-client-id', 'wrong'), ('other-client', 'sim-client-secret'), None])
def test_wrong_client_credentials(sim, http, auth):
    resp = http.post(sim.oauth_url, params=GRANT, auth=auth)
    assert resp.status_code == 401
    assert resp.json() == {'reason': 'Invalid client_id or client_secret', 'error': 'invalid_client'}


def test_garbage_basic_header(sim, http):
    resp = http.post(sim.oauth_url, params=GRANT, headers={'Authorization': 'Basic !!notbase64'})
    assert resp.status_code == 401
    assert resp.json()['error'] == 'invalid_client'


@pytest.mark.parametrize(('params', 'error'), [
    ({'account_id': 'sim-account'}, 'invalid_request'),
    ({'grant_type': 'client_credentials', 'account_id': 'sim-account'}, 'unsupported_grant_type'),
    ({'grant_type': 'account_credentials'}, 'invalid_request'),
    ({'grant_type': 'account_credentials', 'account_id': 'someone-else'}, 'invalid_request'),
])
def test_bad_grant_or_account(sim, http, params, error):
    resp = http.post(sim.oauth_url, params=params, auth=('sim-client-id', 'sim-client-secret'))
    assert resp.status_code == 400
    body = resp.json()
    assert body['error'] == error
    assert isinstance(body['reason'], str)
    assert body['reason']


def test_token_endpoint_needs_post(sim, http):
    assert http.get(sim.oauth_url, params=GRANT).status_code == 405


def test_token_expires_after_ttl(sim, get_token, make_api):
    sim.configure(token_ttl=0.3)
    api = make_api(get_token())
    assert api.get('/users/me').status_code == 200
    time.sleep(0.4)
    resp = api.get('/users/me')
    assert resp.status_code == 401
    assert resp.json() == {'code': 124, 'message': 'Access token is expired.'}


def test_expire_tokens(sim, get_token, make_api):
    api = make_api(get_token())
    sim.expire_tokens()
    resp = api.get('/users/me')
    assert resp.status_code == 401
    assert resp.json() == {'code': 124, 'message': 'Access token is expired.'}
    # a token fetched afterwards is fine
    assert make_api(get_token()).get('/users/me').status_code == 200


@pytest.mark.parametrize('headers', [{}, {'Authorization': 'Bearer not-a-token'}, {'Authorization': 'Basic eDp5'}])
def test_missing_or_unknown_token(sim, http, headers):
    resp = http.get(f'{sim.api_url}/users/me', headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {'code': 124, 'message': 'Invalid access token.'}


def _jwt(key='sim-api-key', secret='sim-api-secret', exp_in=60, **claims):
    payload = {'iss': key, **claims}
    if exp_in is not None:
        payload['exp'] = int(time.time()) + exp_in
    return jwt.encode(payload, secret, algorithm='HS256')


def test_legacy_jwt_accepted(make_api):
    resp = make_api(_jwt()).get('/users/me')
    assert resp.status_code == 200
    assert resp.json()['email'] == 'alice@example.com'


BAD_JWTS = {
    'forged': (lambda: _jwt(secret='forged-secret-forged-secret-forged'), 'Invalid access token.'),
    'wrong-iss': (lambda: _jwt(key='another-key'), 'Invalid access token.'),
    'no-exp': (lambda: _jwt(exp_in=None), 'Invalid access token.'),
    'expired': (lambda: _jwt(exp_in=-10), 'Access token is expired.'),
    'hs512': (lambda: jwt.encode({'iss': 'sim-api-key', 'exp': int(time.time()) + 60}, 'sim-api-secret',
                                 algorithm='HS512'), 'Invalid access token.'),
}


@pytest.mark.parametrize('case', BAD_JWTS)
def test_legacy_jwt_rejected(make_api, case):
    make_token, message = BAD_JWTS[case]
    resp = make_api(make_token()).get('/users/me')
    assert resp.status_code == 401
    assert resp.json() == {'code': 124, 'message': message}


def test_unsigned_jwt_rejected(make_api):
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b'=').decode()
    claims = base64.urlsafe_b64encode(b'{"iss":"sim-api-key","exp":9999999999}').rstrip(b'=').decode()
    resp = make_api(f'{header}.{claims}.').get('/users/me')
    assert resp.status_code == 401


def test_jwt_disabled_without_api_key(sim, make_api):
    sim.configure(api_key=None)
    resp = make_api(_jwt()).get('/users/me')
    assert resp.status_code == 401
    assert resp.json()['code'] == 124
