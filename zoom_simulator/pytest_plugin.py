"""pytest fixtures for the Zoom simulator.

Load with ``pytest_plugins = ['zoom_simulator.pytest_plugin']``. ``zoom_simulator_server`` is one simulator per
test session (strict mode when ZOOM_SIMULATOR_SPEC is set); ``zoom_sim`` resets it for each test and returns a
helper that drives it over HTTP.
"""

import pytest
import requests

from .simulator import ZoomSimulator


def zoom_view(objects):
    """Meetings from the control view without the simulator's own `_simulator` record: what the API returns."""
    return [{k: v for k, v in o.items() if k != '_simulator'} for o in objects]


class ZoomSimHelper:
    """Arrange and inspect the simulator from a test; every call is a real HTTP request to it."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.url = simulator.url
        self.oauth_url = f'{self.url}/oauth/token'
        self.api_url = f'{self.url}/v2'
        self.session = requests.Session()
        self.session.trust_env = False  # never send loopback traffic through a proxy from the environment

    @property
    def credentials(self):
        config = self.simulator.state.config
        return {k: config[k] for k in ('account_id', 'client_id', 'client_secret', 'api_key', 'api_secret')}

    def _call(self, method, path, json=None, expect=(200, 201, 204)):
        resp = self.session.request(method, f'{self.url}/_simulator{path}', json=json, timeout=30)
        if resp.status_code not in expect:
            raise AssertionError(f'{method} /_simulator{path} answered {resp.status_code}: {resp.text}')
        return resp.json() if resp.content else None

    def reset(self):
        self._call('POST', '/reset')

    def requests(self, path_prefix='/v2'):
        """The request log (oldest first), limited to paths starting with path_prefix (None/'' = all)."""
        return [r for r in self._call('GET', '/requests') if not path_prefix or r['path'].startswith(path_prefix)]

    def clear_requests(self):
        self._call('DELETE', '/requests')

    def meetings(self):
        return self._call('GET', '/meetings')['meetings']

    def webinars(self):
        return self._call('GET', '/meetings')['webinars']

    def users(self):
        return self._call('GET', '/users')

    def add_user(self, email, first_name='', last_name='', id=None, **fields):
        user = {'email': email, 'first_name': first_name, 'last_name': last_name, **fields}
        if id is not None:
            user['id'] = id
        return self._call('POST', '/users', user)

    def fault(self, path, status=500, method='*', body=None, headers=None, delay=0.0, times=1):
        """Answer the next `times` requests whose path matches the regex `path` with `status` (None: after
        sleeping `delay` seconds, handle them normally)."""
        spec = {'method': method, 'path': path, 'status': status, 'headers': headers or {}, 'delay': delay,
                'times': times}
        if body is not None:
            spec['body'] = body
        return self._call('POST', '/faults', spec)

    def clear_faults(self):
        self._call('DELETE', '/faults')

    def configure(self, **kw):
        return self._call('POST', '/config', kw)

    def expire_tokens(self):
        self._call('POST', '/expire-tokens')

    @property
    def strict(self):
        return self._call('GET', '/strict')['strict']

    def run(self, action, id=None, **extra):
        """Drive a meeting run: action start|join|leave|end|recording_completed|recording_trashed|
        recording_deleted (see README); returns {'run': uuid, 'sent', 'status', 'body', ...}."""
        payload = {'action': action, **extra}
        if id is not None:
            payload['id'] = id
        return self._call('POST', '/run', payload)

    def runs(self):
        return self._call('GET', '/runs')

    def send_webhook(self, event, id=None, changes=None, url=None, secret=None, **extra):
        """Apply a change as if made in Zoom, send Zoom's webhook; returns {'status', 'body', 'sent', ...}."""
        payload = {'event': event, **extra}
        for key, value in (('id', id), ('changes', changes), ('url', url), ('secret', secret)):
            if value is not None:
                payload[key] = value
        return self._call('POST', '/webhook', payload)


@pytest.fixture(scope='session')
def zoom_simulator_server():
    """One Zoom simulator for the whole test session, on a free loopback port."""
    simulator = ZoomSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture
def zoom_sim(zoom_simulator_server):
    """The session simulator, reset to its start state, wrapped in a ZoomSimHelper."""
    helper = ZoomSimHelper(zoom_simulator_server)
    helper.reset()
    yield helper
    helper.session.close()
