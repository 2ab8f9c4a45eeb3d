"""Users, assistants and the control API's user management."""

import re
from urllib.parse import quote

import pytest


def test_get_user_by_me_id_and_email(api, sim):
    me = api.get('/users/me')
    assert me.status_code == 200
    user = me.json()
    assert re.fullmatch(r'[A-Za-z0-9_-]{22}', user['id'])
    assert user['email'] == 'alice@example.com'
    assert (user['first_name'], user['last_name'], user['type'], user['status']) == ('Alice', 'A', 2, 'active')
    assert user['account_id'] == 'sim-account'
    assert isinstance(user['pmi'], int)
    assert user['timezone']
    assert api.get(f'/users/{user["id"]}').json() == user
    assert api.get('/users/ALICE@example.com').json()['id'] == user['id']
    assert api.get(f'/users/{quote("alice@example.com", safe="")}').json()['id'] == user['id']


@pytest.mark.parametrize('ref', ['nobody@example.com', 'AbCdEfGhIjKlMnOpQrStUv'])
def test_unknown_user(api, ref):
    resp = api.get(f'/users/{ref}')
    assert resp.status_code == 404
    assert resp.json() == {'code': 1001, 'message': f'User does not exist: {ref}.'}


def test_me_without_users(api, sim):
    sim.simulator.state.users.clear()  # an account with no users at all is an edge case only tests make
    resp = api.get('/users/me')
    assert resp.status_code == 404
    assert resp.json()['code'] == 1001


def test_add_user_via_control_api(api, sim):
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    assert re.fullmatch(r'[A-Za-z0-9_-]{22}', bob['id'])
    assert api.get('/users/bob@example.com').json()['id'] == bob['id']
    carol = sim.add_user('carol@example.com', id='carol-fixed-id', timezone='Europe/Zurich')
    assert carol['id'] == 'carol-fixed-id'
    assert api.get('/users/carol-fixed-id').json()['timezone'] == 'Europe/Zurich'
    assert [u['email'] for u in sim.users()] == ['alice@example.com', 'bob@example.com', 'carol@example.com']
    listed = api.get('/users').json()
    assert listed['total_records'] == 3


def test_add_duplicate_or_invalid_user(sim, http):
    resp = http.post(f'{sim.url}/_simulator/users', json={'email': 'alice@example.com'})
    assert resp.status_code == 409
    assert resp.json()['code'] == 1005
    resp = http.post(f'{sim.url}/_simulator/users', json={'first_name': 'No email'})
    assert resp.status_code == 400


def test_users_from_config_keep_ids_across_reset(sim):
    before = sim.users()
    sim.add_user('temp@example.com')
    sim.reset()
    assert sim.users() == before


def test_assistants(api, sim):
    bob = sim.add_user('bob@example.com', 'Bob', 'B')
    carol = sim.add_user('carol@example.com', 'Carol', 'C')
    assert api.get('/users/me/assistants').json() == {'assistants': []}

    resp = api.post('/users/me/assistants', json={'assistants': [{'email': 'bob@example.com'}, {'id': carol['id']}]})
    assert resp.status_code == 201
    body = resp.json()
    assert body['ids'] == f'{bob["id"]},{carol["id"]}'
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', body['add_at'])

    # adding again is idempotent
    assert api.post('/users/me/assistants', json={'assistants': [{'id': bob['id']}]}).status_code == 201
    listed = api.get('/users/alice@example.com/assistants').json()['assistants']
    assert listed == [{'id': bob['id'], 'email': 'bob@example.com'}, {'id': carol['id'], 'email': 'carol@example.com'}]

    alice_id = api.get('/users/me').json()['id']
    assert api.get('/users/bob@example.com/schedulers').json()['schedulers'][0]['id'] == alice_id

    assert api.delete(f'/users/me/assistants/{bob["id"]}').status_code == 204
    assert [a['id'] for a in api.get('/users/me/assistants').json()['assistants']] == [carol['id']]
    assert api.delete('/users/me/assistants').status_code == 204
    assert api.get('/users/me/assistants').json() == {'assistants': []}


def test_assistant_must_exist(api):
    """Zoom documents 400/200 "Can't find user $email." for POST /users/{userId}/assistants."""
    resp = api.post('/users/me/assistants', json={'assistants': [{'email': 'ghost@example.com'}]})
    assert resp.status_code == 400
    assert resp.json() == {'code': 200, 'message': "Can't find user ghost@example.com."}
    assert api.get('/users/me/assistants').json() == {'assistants': []}


def test_assistant_cannot_be_oneself(api):
    """Zoom documents 400/200 "Can't assign scheduling privilege to yourself."."""
    resp = api.post('/users/me/assistants', json={'assistants': [{'email': 'alice@example.com'}]})
    assert resp.status_code == 400
    assert resp.json() == {'code': 200, 'message': "Can't assign scheduling privilege to yourself."}


def test_assistant_must_be_licensed(api, sim):
    """Zoom documents 400/200 'The user must either be a Licensed user or an On-prem user : $email.'."""
    sim.add_user('basic@example.com', type=1)
    resp = api.post('/users/me/assistants', json={'assistants': [{'email': 'basic@example.com'}]})
    assert resp.status_code == 400
    assert resp.json()['code'] == 200
    assert 'Licensed user' in resp.json()['message']


def test_assistants_of_unknown_user(api):
    resp = api.get('/users/ghost@example.com/assistants')
    assert resp.status_code == 404
    assert resp.json()['code'] == 1001


@pytest.mark.parametrize('body', [{}, {'assistants': []}, {'assistants': 'bob'}, {'assistants': [{}]}])
def test_assistants_bad_body(api, body):
    resp = api.post('/users/me/assistants', json=body)
    assert resp.status_code == 400
    assert resp.json()['code'] == 300
