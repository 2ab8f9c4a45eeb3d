"""OAuth scopes (issue 20.2): tokens carry a chosen scope set and calls outside it get Zoom's 4711."""

import json
import re

import jwt
import pytest

from zoom_simulator import api as sim_api
from zoom_simulator.scopes import ADMIN_SCOPES


def _token(sim, http):
    creds = sim.credentials
    resp = http.post(sim.oauth_url, params={'grant_type': 'account_credentials', 'account_id': creds['account_id']},
                     auth=(creds['client_id'], creds['client_secret']), timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_default_token_has_every_classic_admin_scope(sim, http):
    assert _token(sim, http)['scope'].split() == list(ADMIN_SCOPES)


def test_missing_scope_is_refused_with_4711(sim, http, make_api):
    """Zoom answers 400 {"code": 4711, "message": "Invalid access token, does not contain scopes:[...]."}; the
    scopes named are those the spec lists for the endpoint ('Scopes: meeting:write:admin, meeting:write')."""
    sim.configure(scopes=['meeting:read:admin', 'user:read:admin'])
    reply = _token(sim, http)
    assert reply['scope'] == 'meeting:read:admin user:read:admin'
    api = make_api(reply['access_token'])
    resp = api.post('/users/me/meetings', json={'topic': 'x'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 4711,
                           'message': 'Invalid access token, does not contain scopes:[meeting:write:admin, '
                                      'meeting:write].'}
    assert sim.meetings() == []
    assert api.get('/users/me').status_code == 200
    assert api.get('/users/me/meetings').status_code == 200
    resp = api.get('/users/me/webinars')
    assert (resp.status_code, resp.json()['code']) == (400, 4711)
    assert 'webinar:read:admin' in resp.json()['message']


def test_granular_scopes_are_accepted(sim, http, make_api):
    sim.configure(scopes=['meeting:write:meeting:admin', 'meeting:read:meeting:admin'])
    api = make_api(_token(sim, http)['access_token'])
    meeting = api.create(topic='granular')
    assert api.get(f'/meetings/{meeting["id"]}').status_code == 200
    # updating needs meeting:update:meeting:admin (or the classic meeting:write:admin)
    resp = api.patch(f'/meetings/{meeting["id"]}', json={'topic': 'y'})
    assert (resp.status_code, resp.json()['code']) == (400, 4711)


def test_a_token_keeps_the_scopes_it_was_issued_with(sim, http, make_api):
    api = make_api(_token(sim, http)['access_token'])
    sim.configure(scopes=[])
    assert api.create()['id']
    narrow = make_api(_token(sim, http)['access_token'])
    assert narrow.get('/users/me').json()['code'] == 4711


def test_legacy_jwt_apps_have_every_scope(sim, make_api):
    sim.configure(scopes=[])
    creds = sim.credentials
    token = jwt.encode({'iss': creds['api_key'], 'exp': 4102444800}, creds['api_secret'], algorithm='HS256')
    assert make_api(token).create()['id']


def test_scope_refusal_comes_after_auth(sim, make_api):
    resp = make_api('not-a-token').get('/users/me')
    assert resp.status_code == 401


@pytest.mark.parametrize('bad', ['meeting:read:admin', [''], ['a b'], [1]])
def test_bad_scopes_config(sim, http, bad):
    resp = http.post(f'{sim.url}/_simulator/config', json={'scopes': bad})
    assert resp.status_code == 400


def _spec_operations(spec_path):
    with open(spec_path, encoding='utf-8') as f:
        spec = json.load(f)
    for path, item in spec['paths'].items():
        for method, op in item.items():
            if method in ('get', 'post', 'put', 'patch', 'delete'):
                match = re.search(r'\*\*Scopes?:?\*\*:?([^\n]*)', op.get('description', ''))
                scopes = re.findall(r'`([a-z_]+:[a-z_:]+)`', match.group(1)) if match else []
                yield method.upper(), path, scopes


def test_every_route_needs_the_scope_the_spec_documents(spec_path):
    """Each endpoint's scope comes from the spec's 'Scopes:' line (e.g. `meeting:write:admin`, `meeting:write`)."""
    checked = 0
    for method, path, documented in _spec_operations(spec_path):
        sample = '/v2' + re.sub(r'\{[^}]+\}', '123', path)
        routes = [r for r in sim_api.ROUTES if r[0] == method and re.fullmatch(f'/v2{r[1]}', sample)]
        if not routes or not documented:
            continue
        listed = routes[0][4]['listed']
        assert listed[0] in documented, (method, path, listed, documented)
        assert set(listed) <= set(documented), (method, path, listed, documented)
        checked += 1
    assert checked >= 25
    assert all(r[4] is not None for r in sim_api.ROUTES)
