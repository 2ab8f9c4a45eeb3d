"""Helpers for the simulator's own tests. The zoom_sim fixtures come from zoom_simulator.pytest_plugin."""

import os
from pathlib import Path

import pytest
import requests


ROOT = Path(__file__).resolve().parents[2]
SPEC_RELATIVE = ROOT.parent / 'shared' / 'zoom-api' / 'zoom-meeting-api-subset.json'


def find_spec():
    """The Zoom OpenAPI subset: $ZOOM_SIMULATOR_SPEC or ../shared beside the repo. Missing is a failure."""
    candidates = [os.environ.get('ZOOM_SIMULATOR_SPEC'), str(SPEC_RELATIVE)]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file():
            return candidate
    pytest.fail(f'Zoom OpenAPI spec not found (ZOOM_SIMULATOR_SPEC unset/wrong and no {SPEC_RELATIVE})')


@pytest.fixture(scope='session')
def spec_path():
    return find_spec()


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever proxy the environment names
    yield session
    session.close()


@pytest.fixture
def sim(zoom_sim):
    """zoom_sim in lenient mode: these tests check Zoom's own validation, which strict mode would pre-empt."""
    zoom_sim.configure(spec=None)
    return zoom_sim


class Api:
    """A tiny Zoom API client bound to one bearer token."""

    def __init__(self, http, base_url, token):
        self.http = http
        self.base_url = base_url
        self.token = token

    def request(self, method, path, **kwargs):
        headers = {'Authorization': f'Bearer {self.token}', **kwargs.pop('headers', {})}
        kwargs.setdefault('timeout', 10)
        return self.http.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self.request('POST', path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request('PATCH', path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def create(self, kind='meeting', user='me', **body):
        resp = self.post(f'/users/{user}/{kind}s', json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()


@pytest.fixture
def get_token(sim, http):
    """Fetch a fresh S2S access token with the simulator's credentials."""
    def get_token():
        creds = sim.credentials
        resp = http.post(sim.oauth_url, params={'grant_type': 'account_credentials', 'account_id': creds['account_id']},
                         auth=(creds['client_id'], creds['client_secret']), timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()['access_token']
    return get_token


@pytest.fixture
def make_api(sim, http):
    """make_api(token) -> Api bound to that bearer token."""
    return lambda token: Api(http, sim.api_url, token)


@pytest.fixture
def api(make_api, get_token):
    return make_api(get_token())
