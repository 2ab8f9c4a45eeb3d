"""The background work through a real ``indico celery worker -B`` next to the live Indico (the demo's own start-up):
tasks go through the instance's Redis broker and the worker's own database connections see committed data."""

import time

import pytest
from scenario import wait_until


pytestmark = pytest.mark.browser  # runs with the live-instance tests, at the end
ACTIONS = 'tests.browser.live_actions'


@pytest.fixture(scope='module')
def sim(live, http):
    def call(method, path, **kwargs):
        resp = http.request(method, f'{live.zoom_url}/_simulator{path}', timeout=15, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None
    return call


def meetings_by_id(sim):
    return {m['id']: m for m in sim('GET', '/meetings')['meetings']}


def patches(sim, zoom_id):
    return [r for r in sim('GET', '/requests')
            if r['method'] == 'PATCH' and r['path'] == f'/v2/meetings/{zoom_id}']


@pytest.fixture(scope='module')
def rooms(live):
    return live.call(f'{ACTIONS}:create_meetings', admin_email=live.users['admin']['email'], prefix='Worker test',
                     count=3)


def test_worker_runs_with_beat_and_the_plugin_tasks(live):
    log = live.log_tail('celery-worker', 400)
    assert ' ready.' in log
    for task in ('vc_zoom.sync_room', 'vc_zoom.apply_due_changes', 'vc_zoom.reconcile'):
        assert task in log  # registered with the worker; the periodic ones in beat's schedule


def test_timetable_change_is_pushed_by_the_worker(live, sim, rooms):
    moved = live.call(f'{ACTIONS}:move_events', rooms=rooms, hours=2)
    assert moved['patches_in_request'] == 0  # the request only recorded the change
    assert moved['flashed'] == ['3 Zoom meetings ("Worker test meeting 0", "Worker test meeting 1", "Worker test '
                                'meeting 2") will follow the new time on Zoom in a moment.']
    wait_until(lambda: all(meetings_by_id(sim)[int(zid)]['start_time'] == start
                           for zid, start in moved['starts'].items()), what='Zoom')
    assert all(len(patches(sim, room['zoom_id'])) == 1 for room in rooms)
    marks = wait_until(lambda: (m := live.call(f'{ACTIONS}:room_marks', rooms=[r['room'] for r in rooms]))
                       and not any(m.values()) and m)
    assert set(marks) == {str(r['room']) for r in rooms}


def test_same_work_picked_up_twice_runs_once(live, sim, rooms):
    room = rooms[0]
    before = len(patches(sim, room['zoom_id']))
    moved = live.call(f'{ACTIONS}:move_events', rooms=[room], hours=1)
    live.call(f'{ACTIONS}:send_sync_tasks', room=room['room'], times=4)  # 5 tasks, 2 worker processes
    wait_until(lambda: meetings_by_id(sim)[room['zoom_id']]['start_time'] == moved['starts'][str(room['zoom_id'])])
    time.sleep(2)  # let every sent task finish
    assert len(patches(sim, room['zoom_id'])) == before + 1


def test_daily_limit_change_waits_and_the_worker_applies_it_after_reset(live, sim, rooms):
    room = rooms[1]
    sim('POST', '/config', json={'daily_limit': 0})
    try:
        moved = live.call(f'{ACTIONS}:move_events', rooms=[room], hours=3)
        mark = wait_until(lambda: live.call(f'{ACTIONS}:room_marks', rooms=[room['room']])[str(room['room'])]
                          .get('not_before'))
        assert mark.endswith('T00:00:00Z')
    finally:
        sim('POST', '/config', json={'daily_limit': 100})  # Zoom's new day
    assert meetings_by_id(sim)[room['zoom_id']]['start_time'] != moved['starts'][str(room['zoom_id'])]
    live.call(f'{ACTIONS}:apply_due_changes_at', minutes=1)
    wait_until(lambda: meetings_by_id(sim)[room['zoom_id']]['start_time'] == moved['starts'][str(room['zoom_id'])],
               what='the daily-limit queue')
