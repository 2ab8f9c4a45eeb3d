"""Zoom's rate limits: daily create/update limit per scheduling user and the optional per-second limit."""

import time
from datetime import UTC, datetime, timedelta


def _next_midnight():
    today = datetime.now(UTC).date()
    return (datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')


def _assert_daily_429(resp, limit):
    assert resp.status_code == 429
    assert resp.json() == {
        'code': 429,
        'message': f'You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests '
                   'permitted for this particular user. You may resume these requests at GMT 00:00:00.',
    }
    assert resp.headers['X-RateLimit-Type'] == 'Daily-limit'
    assert resp.headers['X-RateLimit-Limit'] == str(limit)
    assert resp.headers['X-RateLimit-Remaining'] == '0'
    assert resp.headers['Retry-After'] == _next_midnight()


def test_daily_limit_counts_creates_and_updates_per_user(api, sim):
    """Zoom: 'A maximum of {rateLimitNumber} meetings can be created/updated for a single user in one day.'"""
    sim.configure(daily_limit=3)
    bob = sim.add_user('bob@example.com')
    first = api.create()
    api.create(type=3)
    assert api.patch(f'/meetings/{first["id"]}', json={'topic': 'x'}).status_code == 204
    _assert_daily_429(api.post('/users/me/meetings', json={'topic': 'one too many'}), 3)
    _assert_daily_429(api.patch(f'/meetings/{first["id"]}', json={'topic': 'y'}), 3)
    _assert_daily_429(api.post('/users/me/webinars', json={'topic': 'webinars count too'}), 3)
    assert len(sim.meetings()) == 2
    assert sim.webinars() == []
    # reads and deletes are not limited
    assert api.get(f'/meetings/{first["id"]}').status_code == 200
    # another user has a budget of its own
    assert api.create(user=bob['id'])['host_id'] == bob['id']


def test_assistant_mode_charges_the_assistant(api, sim):
    """The budget is per Zoom user: the account scheduling on behalf of hosts pays for every create/update."""
    sim.configure(daily_limit=2)
    alice = api.get('/users/me').json()
    bob = sim.add_user('bob@example.com')
    carol = sim.add_user('carol@example.com')
    for host in (bob, carol):
        api.post(f'/users/{host["id"]}/assistants', json={'assistants': [{'id': alice['id']}]})
    meeting = api.create(schedule_for=bob['id'])
    assert api.patch(f'/meetings/{meeting["id"]}', json={'topic': 'x'}).status_code == 204
    # alice's two requests are used up, whichever host she acts for
    _assert_daily_429(api.post('/users/me/meetings', json={'schedule_for': carol['id']}), 2)
    _assert_daily_429(api.patch(f'/meetings/{meeting["id"]}', json={'topic': 'y'}), 2)
    # the hosts' own budgets are untouched
    assert api.create(user=bob['id'])['host_id'] == bob['id']
    assert api.create(user=bob['id'])['host_id'] == bob['id']
    assert api.create(user=carol['id'])['host_id'] == carol['id']


def test_daily_limit_default_is_100_and_reset_clears_counts(api, sim, make_api, get_token):
    meeting = api.create()
    for _ in range(99):
        assert api.patch(f'/meetings/{meeting["id"]}', json={'agenda': 'a'}).status_code == 204
    _assert_daily_429(api.patch(f'/meetings/{meeting["id"]}', json={'agenda': 'b'}), 100)
    _assert_daily_429(api.post('/users/me/meetings', json={}), 100)
    sim.reset()
    sim.configure(spec=None)
    assert make_api(get_token()).post('/users/me/meetings', json={}).status_code == 201


def test_daily_limit_off(api, sim):
    sim.configure(daily_limit=None)
    meeting = api.create()
    for _ in range(5):
        assert api.patch(f'/meetings/{meeting["id"]}', json={'agenda': 'a'}).status_code == 204


def _start_of_second():
    # Begin right after a second boundary so the burst below falls within one second.
    time.sleep(1.02 - time.time() % 1)


def test_per_second_limit(api, sim):
    sim.configure(per_second_limit=2)
    _start_of_second()
    statuses = [api.get('/users/me').status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    resp = api.get('/users/me')
    assert resp.status_code == 429
    assert resp.json() == {'code': 429,
                           'message': 'You have reached the maximum per-second rate limit for this API. '
                                      'Try again later.'}
    assert resp.headers['X-RateLimit-Type'] == 'QPS'
    assert resp.headers['Retry-After'] == '1'
    # categories count separately: a create is 'Medium', a user lookup 'Light'
    assert api.post('/users/me/meetings', json={}).status_code == 201
    _start_of_second()
    assert api.get('/users/me').status_code == 200


def test_per_second_limit_off_by_default(api):
    assert all(api.get('/users/me').status_code == 200 for _ in range(20))
