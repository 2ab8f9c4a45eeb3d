"""Strict mode: /v2 requests validated against Zoom's OpenAPI description with unknown body keys forbidden."""

import os

import pytest
import requests

from zoom_simulator import ZoomSimulator
from zoom_simulator.strict import get_validator


@pytest.fixture(scope='module')
def strict_sim(spec_path):
    sim = ZoomSimulator(config={'spec': spec_path}).start()
    yield sim
    sim.stop()


@pytest.fixture
def strict_api(strict_sim):
    session = requests.Session()
    session.trust_env = False
    session.post(f'{strict_sim.url}/_simulator/reset')
    token = session.post(f'{strict_sim.url}/oauth/token',
                         params={'grant_type': 'account_credentials', 'account_id': 'sim-account'},
                         auth=('sim-client-id', 'sim-client-secret')).json()['access_token']
    session.headers['Authorization'] = f'Bearer {token}'
    session.base = strict_sim.url
    yield session
    session.close()


def test_strict_flag(strict_api):
    assert strict_api.get(f'{strict_api.base}/_simulator/strict').json()['strict'] is True


def test_misspelled_settings_key_rejected(strict_api):
    resp = strict_api.post(f'{strict_api.base}/v2/users/me/meetings',
                           json={'topic': 'x', 'type': 2, 'settings': {'waiting_rooms': True}})
    assert resp.status_code == 400
    body = resp.json()
    assert (body['code'], body['message']) == (300, 'Validation Failed.')
    assert [e['field'] for e in body['errors']] == ['settings.waiting_rooms']
    assert 'waiting_rooms' in body['errors'][0]['message']
    assert strict_api.get(f'{strict_api.base}/_simulator/meetings').json()['meetings'] == []
    log = strict_api.get(f'{strict_api.base}/_simulator/requests').json()
    assert (log[-1]['path'], log[-1]['status'], log[-1]['body']['settings']) == \
        ('/v2/users/me/meetings', 400, {'waiting_rooms': True})


def test_valid_requests_pass(strict_api):
    base = strict_api.base
    resp = strict_api.post(f'{base}/v2/users/me/meetings', json={
        'topic': 'Strictly fine', 'type': 2, 'start_time': '2030-01-01T10:00:00Z', 'duration': 30,
        'timezone': 'UTC', 'agenda': 'a', 'password': 'pw12',
        'settings': {'waiting_room': True, 'host_video': False, 'alternative_hosts': '', 'auto_recording': 'none'}})
    assert resp.status_code == 201, resp.text
    meeting_id = resp.json()['id']
    assert strict_api.get(f'{base}/v2/meetings/{meeting_id}').status_code == 200
    assert strict_api.patch(f'{base}/v2/meetings/{meeting_id}', json={'topic': 'New'}).status_code == 204
    assert strict_api.get(f'{base}/v2/users/me').status_code == 200
    assert strict_api.get(f'{base}/v2/users/alice@example.com/assistants').status_code == 200
    webinar = strict_api.post(f'{base}/v2/users/me/webinars', json={'topic': 'W', 'type': 5,
                                                                    'settings': {'panelists_video': True}})
    assert webinar.status_code == 201, webinar.text
    assert strict_api.delete(f'{base}/v2/meetings/{meeting_id}').status_code == 204


@pytest.mark.parametrize(('method', 'path', 'kwargs', 'field'), [
    ('POST', '/v2/users/me/meetings', {'json': {'topic': 'x', 'type': 'two'}}, 'type'),
    ('POST', '/v2/users/me/meetings', {'json': {'topic': 'x', 'colour': 'red'}}, 'colour'),
    ('PATCH', '/v2/meetings/81234567890', {'json': {'settings': {'waiting_room': 'yes'}}}, 'settings.waiting_room'),
    ('GET', '/v2/users/me', {'params': {'login_type': 'abc'}}, 'login_type'),
    ('GET', '/v2/meetings/not-a-number', {}, 'meetingId'),
], ids=['wrong-type', 'unknown-top-level', 'patch-setting-type', 'query-param', 'path-param'])
def test_nonconforming_requests_rejected(strict_api, method, path, kwargs, field):
    resp = strict_api.request(method, strict_api.base + path, **kwargs)
    assert resp.status_code == 400
    body = resp.json()
    assert (body['code'], body['message']) == (300, 'Validation Failed.')
    assert field in [e['field'] for e in body['errors']]


def test_auth_is_checked_before_validation(strict_api):
    resp = strict_api.post(f'{strict_api.base}/v2/users/me/meetings', json={'bogus': 1},
                           headers={'Authorization': 'Bearer nope'})
    assert resp.status_code == 401


def test_lenient_server_accepts_the_same_typo(sim, api):
    assert sim.strict is False
    resp = api.post('/users/me/meetings', json={'topic': 'x', 'type': 2, 'settings': {'waiting_rooms': True}})
    assert resp.status_code == 201


def test_strict_can_be_switched_at_runtime(sim, api, spec_path):
    sim.configure(spec=spec_path)
    assert sim.strict is True
    assert api.post('/users/me/meetings', json={'settings': {'waiting_rooms': True}}).status_code == 400
    sim.configure(spec=None)
    assert api.post('/users/me/meetings', json={'settings': {'waiting_rooms': True}}).status_code == 201


def test_env_var_enables_strict(monkeypatch, spec_path):
    monkeypatch.setenv('ZOOM_SIMULATOR_SPEC', spec_path)
    assert ZoomSimulator().config['spec'] == spec_path
    # an explicit null in the config wins over the env var
    assert ZoomSimulator(config={'spec': None}).config['spec'] is None
    monkeypatch.delenv('ZOOM_SIMULATOR_SPEC')
    assert ZoomSimulator().config['spec'] is None


def test_session_fixture_follows_env_var(zoom_sim):
    assert zoom_sim.strict is bool(os.environ.get('ZOOM_SIMULATOR_SPEC'))


def test_spec_parsed_once_per_path(spec_path):
    assert get_validator(spec_path) is get_validator(spec_path)


def test_bad_spec_path_fails_at_start(tmp_path):
    with pytest.raises(FileNotFoundError):
        ZoomSimulator(config={'spec': str(tmp_path / 'missing.json')}).start()
