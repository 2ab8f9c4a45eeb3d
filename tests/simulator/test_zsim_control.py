"""The control API: faults, request log, reset, config, and the command line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests

from zoom_simulator.pytest_plugin import zoom_view


def test_fault_status_body_headers_and_times(api, sim):
    sim.fault(r'^/v2/users/[^/]+/meetings$', status=503, method='POST', body={'code': 503, 'message': 'Down'},
              headers={'Retry-After': '7'}, times=2)
    for _ in range(2):
        resp = api.post('/users/me/meetings', json={'topic': 'x'})
        assert resp.status_code == 503
        assert resp.json() == {'code': 503, 'message': 'Down'}
        assert resp.headers['Retry-After'] == '7'
    assert api.post('/users/me/meetings', json={'topic': 'x'}).status_code == 201
    assert len(sim.meetings()) == 1
    log = sim.requests()
    assert [(r['method'], r['status']) for r in log] == [('POST', 503), ('POST', 503), ('POST', 201)]
    assert log[0]['body'] == {'topic': 'x'}


def test_fault_default_body_and_method_filter(api, sim):
    sim.fault(r'^/v2/meetings/', status=500, method='DELETE')
    meeting = api.create()
    assert api.get(f'/meetings/{meeting["id"]}').status_code == 200  # GET does not match
    resp = api.delete(f'/meetings/{meeting["id"]}')
    assert resp.status_code == 500
    assert resp.json() == {'code': 500, 'message': 'Simulated fault'}
    assert len(sim.meetings()) == 1  # the faulted delete did nothing
    assert api.delete(f'/meetings/{meeting["id"]}').status_code == 204


def test_fault_forever_until_cleared(api, sim):
    sim.fault('/users/me$', status=502, times=None)
    assert [api.get('/users/me').status_code for _ in range(3)] == [502, 502, 502]
    sim.clear_faults()
    assert api.get('/users/me').status_code == 200


def test_fault_with_text_body(api, sim):
    sim.fault('/users/me$', status=502, body='<html>Bad gateway</html>')
    resp = api.get('/users/me')
    assert resp.status_code == 502
    assert resp.text == '<html>Bad gateway</html>'


def test_fault_on_oauth(sim, http):
    sim.fault('^/oauth/token$', status=503)
    resp = http.post(sim.oauth_url, params={'grant_type': 'account_credentials', 'account_id': 'sim-account'},
                     auth=('sim-client-id', 'sim-client-secret'))
    assert resp.status_code == 503
    assert sim.requests('/oauth')[-1]['status'] == 503


def test_fault_delay_causes_client_timeout_then_request_is_handled(api, sim):
    sim.fault(r'^/v2/users/me/meetings$', status=None, delay=0.6, method='POST')
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post('/users/me/meetings', json={'topic': 'slow'}, timeout=0.2)
    # status None: after the delay the request is handled normally, although the client gave up
    deadline = time.monotonic() + 5
    while not sim.requests() and time.monotonic() < deadline:  # logged once answered
        time.sleep(0.05)
    assert [m['topic'] for m in sim.meetings()] == ['slow']
    assert sim.requests()[-1]['status'] == 201
    # the fault was used up
    started = time.monotonic()
    assert api.post('/users/me/meetings', json={'topic': 'fast'}, timeout=5).status_code == 201
    assert time.monotonic() - started < 0.5


def test_fault_delay_with_status(api, sim):
    sim.fault('/users/me$', status=504, delay=0.3)
    started = time.monotonic()
    assert api.get('/users/me').status_code == 504
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize('spec', [{'path': '(', 'status': 500}, {'path': 'x', 'status': 'boom'},
                                  {'path': 'x', 'times': 0}])
def test_invalid_fault(sim, http, spec):
    resp = http.post(f'{sim.url}/_simulator/faults', json=spec)
    assert resp.status_code == 400


def test_request_log_never_holds_secrets(sim, http, get_token, make_api):
    creds = sim.credentials
    grant = {'grant_type': 'account_credentials', 'account_id': 'sim-account'}
    basic_token = get_token()
    form = http.post(sim.oauth_url, data={**grant, 'client_id': creds['client_id'],
                                          'client_secret': creds['client_secret']})
    form_token = form.json()['access_token']
    http.post(sim.oauth_url, params={**grant, 'client_secret': creds['client_secret']},
              auth=(creds['client_id'], 'wrong-secret'))
    make_api(basic_token).get('/users/me', params={'access_token': form_token})
    make_api(form_token).post('/users/me/meetings', json={'topic': 'logged'})
    legacy = jwt.encode({'iss': creds['api_key'], 'exp': int(time.time()) + 60}, 'x' * 40, algorithm='HS256')
    make_api(legacy).get('/users/me')

    raw = http.get(f'{sim.url}/_simulator/requests').text
    for secret in (creds['client_secret'], creds['client_id'], basic_token, form_token, legacy, 'wrong-secret',
                   'Bearer', 'Basic', 'authorization', 'Authorization'):
        assert secret not in raw
    log = json.loads(raw)
    assert [(r['method'], r['path'], r['status']) for r in log] == [
        ('POST', '/oauth/token', 200), ('POST', '/oauth/token', 200), ('POST', '/oauth/token', 401),
        ('GET', '/v2/users/me', 200), ('POST', '/v2/users/me/meetings', 201), ('GET', '/v2/users/me', 401),
    ]
    assert log[0]['query'] == grant
    assert log[1]['body'] == grant
    assert log[4]['body'] == {'topic': 'logged'}
    assert all(isinstance(r['time'], float) for r in log)
    assert [r['time'] for r in log] == sorted(r['time'] for r in log)
    # control requests are not logged
    assert not any(r['path'].startswith('/_simulator') for r in sim.requests(None))


def test_request_log_filter_and_clear(api, sim):
    api.get('/users/me')
    assert [r['path'] for r in sim.requests()] == ['/v2/users/me']
    assert [r['path'] for r in sim.requests('/oauth')] == ['/oauth/token']
    assert len(sim.requests(None)) == 2
    sim.clear_requests()
    assert sim.requests(None) == []


def test_reset_restores_start_state(api, sim, http):
    sim.configure(daily_limit=1, token_ttl=5)
    sim.add_user('bob@example.com')
    api.create()
    api.post('/users/me/assistants', json={'assistants': [{'email': 'bob@example.com'}]})
    sim.fault('/users/me$', status=500, times=None)
    sim.reset()
    assert sim.meetings() == [] and sim.webinars() == []
    assert [u['email'] for u in sim.users()] == ['alice@example.com']
    assert sim.requests(None) == []
    assert http.get(f'{sim.url}/_simulator/faults').json() == []
    config = http.get(f'{sim.url}/_simulator/config').json()
    assert (config['daily_limit'], config['token_ttl']) == (100, 3600)
    # tokens are forgotten too
    resp = api.get('/users/me')
    assert resp.status_code == 401
    assert resp.json()['message'] == 'Invalid access token.'
    # ...and the assistants
    sim.configure(spec=None)
    assert sim.add_user('bob@example.com')
    assert sim.simulator.state.assistants == {}


def test_config_hides_secrets_and_rejects_unknown_keys(sim, http):
    config = sim.configure(webhook_secret='topsecret', webhook_url='http://127.0.0.1:1/hook', per_second_limit=5)
    assert config['per_second_limit'] == 5
    assert config['webhook_url'] == 'http://127.0.0.1:1/hook'
    raw = http.get(f'{sim.url}/_simulator/config').text
    for secret in ('topsecret', 'sim-client-secret', 'sim-api-secret'):
        assert secret not in raw
    for bad in ({'nope': 1}, {'users': []}, {'daily_limit': -1}, {'token_ttl': 0}, {'spec': '/does/not/exist'}):
        assert http.post(f'{sim.url}/_simulator/config', json=bad).status_code == 400, bad


def test_control_meetings_view_has_full_objects(api, sim):
    meeting = api.create(password='pw1', settings={'waiting_room': True})
    webinar = api.create('webinar')
    view = {'meetings': sim.meetings(), 'webinars': sim.webinars()}
    assert {k: zoom_view(v) for k, v in view.items()} == {'meetings': [meeting], 'webinars': [webinar]}
    alice = sim.users()[0]
    assert view['meetings'][0]['_simulator'] == {'scheduler_id': alice['id'], 'scheduler_email': alice['email'],
                                                 'registrants': []}
    assert view['meetings'][0]['password'] == 'pw1'
    assert view['meetings'][0]['settings']['waiting_room'] is True


def test_python_api_start_stop():
    from zoom_simulator import ZoomSimulator

    sim = ZoomSimulator(config={'account_id': 'acc', 'users': [{'email': 'x@example.com', 'id': 'uid-x'}]})
    with pytest.raises(RuntimeError):
        sim.url  # noqa: B018 - not started yet
    sim.start()
    try:
        session = requests.Session()
        session.trust_env = False
        token = session.post(f'{sim.url}/oauth/token', params={'grant_type': 'account_credentials',
                                                              'account_id': 'acc'},
                             auth=('sim-client-id', 'sim-client-secret')).json()['access_token']
        me = session.get(f'{sim.url}/v2/users/me', headers={'Authorization': f'Bearer {token}'}).json()
        assert (me['id'], me['email'], me['account_id']) == ('uid-x', 'x@example.com', 'acc')
    finally:
        sim.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f'http://127.0.0.1:{sim.port}/_simulator/strict', timeout=2)


def test_unknown_config_key_rejected():
    from zoom_simulator import ZoomSimulator

    with pytest.raises(ValueError, match='client_secrte'):
        ZoomSimulator(config={'client_secrte': 'typo'})


def test_cli(tmp_path):
    config = tmp_path / 'sim.json'
    config.write_text(json.dumps({'client_secret': 'cli-secret-value', 'users': [{'email': 'cli@example.com'}]}))
    env = {**os.environ, 'PYTHONUNBUFFERED': '1'}
    env.pop('ZOOM_SIMULATOR_SPEC', None)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, '-m', 'zoom_simulator', '--host', '127.0.0.1', '--port', '0',
                             '--config', str(config)], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith('Zoom simulator listening on http://127.0.0.1:'), line
        url = line.split(' on ', 1)[1].strip()
        session = requests.Session()
        session.trust_env = False
        token = session.post(f'{url}/oauth/token', params={'grant_type': 'account_credentials',
                                                           'account_id': 'sim-account'},
                             auth=('sim-client-id', 'cli-secret-value'), timeout=5).json()['access_token']
        me = session.get(f'{url}/v2/users/me', headers={'Authorization': f'Bearer {token}'}, timeout=5)
        assert me.json()['email'] == 'cli@example.com'
        session.get(f'{url}/_simulator/requests', timeout=5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    lines = stderr.splitlines()
    assert 'POST /oauth/token 200' in lines
    assert 'GET /v2/users/me 200' in lines
    assert '_simulator' not in stderr
    assert 'cli-secret-value' not in stderr
    assert token not in stderr
    assert 'account_credentials' not in stderr  # no query strings in the log


def test_cli_sigint(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'ZOOM_SIMULATOR_SPEC'}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, '-m', 'zoom_simulator', '--port', '0'], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert 'listening on' in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
