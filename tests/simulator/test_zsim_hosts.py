"""Hosts: scheduling privilege through assistants, schedulers, alternative hosts and use_pmi (issue 12.1)."""

import pytest


@pytest.fixture
def bob(sim):
    return sim.add_user('bob@example.com', 'Bob', 'B')


@pytest.fixture
def alice(api):
    return api.get('/users/me').json()


def _make_assistant(api, host, assistant):
    resp = api.post(f'/users/{host["id"]}/assistants', json={'assistants': [{'id': assistant['id']}]})
    assert resp.status_code == 201, resp.text


def test_schedulers_are_the_hosts_a_user_assists(api, alice, bob):
    """GET /users/{userId}/schedulers lists the users who gave this user scheduling privilege."""
    assert api.get('/users/me/schedulers').json() == {'schedulers': []}
    _make_assistant(api, bob, alice)
    assert api.get('/users/me/schedulers').json() == {
        'schedulers': [{'id': bob['id'], 'email': 'bob@example.com', 'pmi': bob['pmi']}]}
    assert api.get(f'/users/{bob["id"]}/assistants').json() == {
        'assistants': [{'id': alice['id'], 'email': 'alice@example.com'}]}


def test_webinar_schedule_for_follows_the_same_rule(api, sim, alice, bob):
    """The rule for POST /users/{userId}/webinars: the spec subset lacks webinar `schedule_for` (strict mode would
    refuse the key), so this runs lenient; the answer is the same 400/3000 as for meetings."""
    sim.configure(spec=None)
    resp = api.post('/users/me/webinars', json={'schedule_for': bob['id']})
    assert (resp.status_code, resp.json()['code']) == (400, 3000)
    _make_assistant(api, bob, alice)
    webinar = api.create('webinar', schedule_for=bob['id'])
    assert webinar['host_id'] == bob['id']
    assert sim.webinars()[0]['_simulator']['scheduler_id'] == alice['id']


def test_refused_schedule_for_creates_nothing_but_counts(api, sim, bob):
    sim.configure(daily_limit=1)
    assert api.post('/users/me/meetings', json={'schedule_for': bob['id']}).status_code == 400
    assert sim.meetings() == []
    # the refused request still used alice's budget, as a request counts once its user is known
    assert api.post('/users/me/meetings', json={}).status_code == 429


@pytest.mark.parametrize('separator', [';', ','])
def test_alternative_hosts_must_be_licensed_users(api, sim, bob, separator):
    """settings.alternative_hosts: 'A semicolon-separated list of the meeting's alternative hosts' email addresses
    or IDs' (create) / 'Multiple values separated by comma' (the spec uses both). Each must be a licensed user."""
    value = f'bob@example.com{separator} alice@example.com'
    meeting = api.create(settings={'alternative_hosts': value})
    assert meeting['settings']['alternative_hosts'] == value


@pytest.mark.parametrize(('value', 'bad'), [('ghost@example.com', 'ghost@example.com'),
                                             ('bob@example.com;basic@example.com', 'basic@example.com')])
def test_alternative_hosts_refused(api, sim, bob, value, bad):
    """The subset documents no code for a bad alternative host; the simulator uses Zoom's generic 400/300."""
    sim.add_user('basic@example.com', type=1)  # a Basic (unlicensed) user cannot be an alternative host
    resp = api.post('/users/me/meetings', json={'settings': {'alternative_hosts': value}})
    assert resp.status_code == 400
    body = resp.json()
    assert body['code'] == 300
    assert body['errors'][0]['field'] == 'settings.alternative_hosts'
    assert bad in body['errors'][0]['message']
    assert sim.meetings() == []
    meeting = api.create()
    resp = api.patch(f'/meetings/{meeting["id"]}', json={'settings': {'alternative_hosts': value}})
    assert (resp.status_code, resp.json()['code']) == (400, 300)
    assert api.get(f'/meetings/{meeting["id"]}').json()['settings']['alternative_hosts'] == ''


def test_alternative_hosts_by_id_and_cleared(api, bob):
    meeting = api.create(settings={'alternative_hosts': bob['id']})
    path = f'/meetings/{meeting["id"]}'
    assert api.patch(path, json={'settings': {'alternative_hosts': ''}}).status_code == 204
    assert api.get(path).json()['settings']['alternative_hosts'] == ''


def test_use_pmi(api, alice):
    """settings.use_pmi is accepted; the meeting then names the host's personal meeting ID (`pmi`)."""
    meeting = api.create(settings={'use_pmi': True})
    assert meeting['settings']['use_pmi'] is True
    assert meeting['pmi'] == alice['pmi']
    assert 'pmi' not in api.create()


def test_assistant_mode_round_trip_in_strict_mode(zoom_sim, make_api, get_token, spec_path):
    """Everything an assistant-mode plugin sends passes strict validation against the spec."""
    zoom_sim.configure(spec=spec_path)
    api = make_api(get_token())
    assistant = zoom_sim.add_user('assistant@example.com')
    host = zoom_sim.add_user('host@example.com')
    assert api.post(f'/users/{host["id"]}/assistants',
                    json={'assistants': [{'email': 'assistant@example.com'}]}).status_code == 201
    created = api.post(f'/users/{assistant["id"]}/meetings',
                       json={'topic': 'T', 'type': 2, 'schedule_for': 'host@example.com',
                             'settings': {'alternative_hosts': 'assistant@example.com', 'use_pmi': False}})
    assert created.status_code == 201, created.text
    assert api.patch(f'/meetings/{created.json()["id"]}', json={'schedule_for': host['id']}).status_code == 204
    assert api.delete(f'/users/{host["id"]}/assistants/{assistant["id"]}').status_code == 204
    assert api.get(f'/users/{assistant["id"]}/schedulers').json() == {'schedulers': []}
    assert all(r['status'] < 300 for r in zoom_sim.requests())


def test_privilege_check_can_be_switched_off(api, sim, bob, http):
    sim.configure(scheduling_privilege=False)
    assert api.create(schedule_for=bob['id'])['host_id'] == bob['id']
    meeting = api.create()
    assert api.patch(f'/meetings/{meeting["id"]}', json={'schedule_for': bob['id']}).status_code == 204
    assert http.post(f'{sim.url}/_simulator/config', json={'scheduling_privilege': 'no'}).status_code == 400
    sim.reset()
    assert sim.configure()['scheduling_privilege'] is True
