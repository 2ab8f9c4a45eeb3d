"""Fixtures for the Zoom API client tests; `zoom_sim` comes from zoom_simulator.pytest_plugin (tests/conftest.py)."""

import re
import socket
import time

import pytest

from indico_vc_zoom.zoom import JWTAuth, S2SAuth, ZoomClient


HOST_EMAIL = 'host@example.com'
MEETING = {'topic': 'Client test', 'type': 2, 'start_time': '2030-05-01T10:00:00Z', 'duration': 30,
           'timezone': 'UTC', 'agenda': 'Testing the client', 'settings': {'join_before_host': False}}
WEBINAR = {'topic': 'Client webinar', 'type': 5, 'start_time': '2030-05-02T10:00:00Z', 'duration': 60,
           'timezone': 'UTC'}


LOOPBACK = {'127.0.0.1', 'localhost', '::1'}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail loudly instead of ever reaching the real Zoom (e.g. a default URL left in a test)."""
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise OSError(f'test tried to reach {host}')
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', guarded)


def wait_for(predicate, timeout=3.0):
    """Poll `predicate` until true: the simulator logs a slow request only once it has answered it."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def fault(zoom_sim, method, path, **kwargs):
    """Inject a simulator fault for `method` requests whose path matches the regex `path`."""
    return zoom_sim.fault(method=method, path=path, **kwargs)


def api_calls(zoom_sim, method=None, path_regex=None):
    return [r for r in zoom_sim.requests('/v2')
            if (method is None or r['method'] == method) and (path_regex is None or re.search(path_regex, r['path']))]


def token_calls(zoom_sim):
    return [r for r in zoom_sim.requests('/oauth') if r['method'] == 'POST']


@pytest.fixture
def creds(zoom_sim):
    return zoom_sim.credentials


@pytest.fixture
def make_s2s(zoom_sim, creds):
    def _make(**kwargs):
        kwargs.setdefault('oauth_url', zoom_sim.oauth_url)
        return S2SAuth(kwargs.pop('account_id', creds['account_id']), kwargs.pop('client_id', creds['client_id']),
                       kwargs.pop('client_secret', creds['client_secret']), **kwargs)
    return _make


@pytest.fixture
def client(make_s2s):
    return ZoomClient(make_s2s(), timeout=(2, 5))


@pytest.fixture
def jwt_client(zoom_sim, creds):
    # a JWT reply carries no api_url, so the simulator's must be given
    return ZoomClient(JWTAuth(creds['api_key'], creds['api_secret']), api_url=zoom_sim.api_url, timeout=(2, 5))


@pytest.fixture
def host(zoom_sim):
    zoom_sim.add_user(HOST_EMAIL, first_name='Hilda', last_name='Host')
    return HOST_EMAIL
