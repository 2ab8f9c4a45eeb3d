"""Webhooks under load against a live Indico (the demo's own start-up), a real Celery worker and the simulator.

Concurrent senders (8, then 32) mix updates of one meeting (with duplicates and out of order), of many meetings
and of unknown ones with anonymous page views, once while Zoom is fast and once while it takes longer than the
plugin's read timeout to answer. Every webhook must get a 2xx (Zoom's requests carry no timeout of their own; a
client timeout below Zoom's delay makes a webhook that waited on Zoom fail), every page a 200, each event must be
applied once and in order, and the follow-up GET must complete in the worker once Zoom answers again.
"""

import importlib.util
import json
import os
import random
import secrets
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import requests

from zoom_simulator import sign


ROOT = Path(__file__).resolve().parents[1]
ROOMS = 12
#: longer than the plugin's read timeout (15 s): the first GET of the follow-up times out, the retry succeeds
SLOW_ZOOM = 16
#: a webhook that waited on Zoom would take longer than this; one that did not answers in milliseconds
CLIENT_TIMEOUT = (3, 12)
FOLLOWUP_WAIT = 90


def _load_live_instance():
    spec = importlib.util.spec_from_file_location('live_instance_webhooks',
                                                  ROOT / 'scripts' / 'lib' / 'live_instance.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


live_instance = _load_live_instance()


class Live:
    """The running instance, its rooms, and plain loopback HTTP to it and to the simulator."""

    def __init__(self, instance, rooms):
        self.instance = instance
        self.rooms = rooms
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.mount('http://', requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=40))
        self.webhook_url = f'{instance.indico_url}/api/plugin/zoom/webhook'

    def sim(self, method, path, payload=None):
        resp = self.http.request(method, f'{self.instance.zoom_url}/_simulator{path}', json=payload, timeout=30)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    def deliver(self, body):
        ts = str(int(time.time()))
        resp = self.http.post(self.webhook_url, data=body, timeout=CLIENT_TIMEOUT, headers={
            'Content-Type': 'application/json', 'x-zm-request-timestamp': ts,
            'x-zm-signature': sign(self.instance.webhook_token, ts, body)})
        return resp.status_code, resp.json().get('status')

    def page(self, url):
        resp = self.http.get(url, timeout=CLIENT_TIMEOUT)
        return resp.status_code, None

    def query(self, sql, *args):
        with psycopg2.connect(self.instance.db_uri) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()


@pytest.fixture(scope='module')
def live(tmp_path_factory):
    instance = live_instance.LiveInstance(
        tmp_path_factory.mktemp('live-webhooks'),
        indico_port=live_instance.free_port(), zoom_port=live_instance.free_port(),
        redis_port=live_instance.free_port(), pg_port=int(os.environ.get('TEST_PG_PORT', '55433')),
        db_name=f'vczoom_whl_{os.getpid()}', db_user='vczoom_e2e', webhook_token=secrets.token_urlsafe(24))
    instance.start()
    try:
        # a real worker runs the follow-ups (threads: one waiting on Zoom does not hold up the others)
        instance._spawn('webhook-test-worker', [str(instance.bin_dir / 'indico'), 'celery', 'worker', '-P', 'threads',
                                          '-c', '4', '-l', 'INFO'],
                         env={'C_FORCE_ROOT': '1'})  # CI runs as root; the worker only reads our own broker
        out = instance.data_dir / 'rooms.json'
        subprocess.run([instance.python, str(ROOT / 'tests' / 'live_rooms.py'), str(ROOMS),
                        str(instance.seed['events']['main']), str(out)], env=instance._env(), check=True,
                       cwd=instance.data_dir, timeout=120)
        yield Live(instance, json.loads(out.read_text()))
    finally:
        instance.stop()
        instance.drop_database()


def _body(event, zoom_id, ts, **fields):
    return json.dumps({'event': event, 'event_ts': ts, 'payload': {
        'account_id': 'acc', 'object': {'id': zoom_id, 'uuid': 'u==', **fields}}}).encode()


def _burst(live, senders, jobs):
    """Run the jobs (callables) on ``senders`` threads; ``[(label, status, body status)]``."""
    random.Random(senders).shuffle(jobs)
    with ThreadPoolExecutor(senders) as pool:
        return list(pool.map(lambda job: (job[0], *job[1]()), jobs))


def _change_passcode_on_zoom(live, zoom_id, passcode):
    # the simulator changes its meeting; its own webhook goes nowhere (we send ours below, under load)
    live.sim('POST', '/webhook', {'event': 'meeting.updated', 'id': zoom_id, 'changes': {'password': passcode},
                                  'url': 'http://127.0.0.1:9/', 'secret': 'unused'})
    return next(m for m in live.sim('GET', '/meetings')['meetings'] if m['id'] == zoom_id)['join_url']


def _jobs(live, *, one, many, passcode_room, passcode, base_ts, updates):
    """Updates of ``one`` (each twice, shuffled), one update of each of ``many``, unknown meetings, page views."""
    jobs = []
    for i in range(updates):
        body = _body('meeting.updated', one['zoom_id'], base_ts + i, topic=f'One {base_ts + i}')
        jobs += [('one', lambda b=body: live.deliver(b))] * 2
    for n, room in enumerate(many):
        body = _body('meeting.updated', room['zoom_id'], base_ts + n, topic=f'Many {base_ts}')
        jobs.append(('many', lambda b=body: live.deliver(b)))
    for n in range(10):
        body = _body('meeting.updated', 81000000000 + base_ts % 1000 * 100 + n, base_ts, topic='Nobody')
        jobs.append(('unknown', lambda b=body: live.deliver(b)))
    body = _body('meeting.updated', passcode_room['zoom_id'], base_ts, password=passcode)
    jobs.append(('passcode', lambda: live.deliver(body)))
    jobs += [('page', lambda: live.page(live.instance.event_url('main')))] * 5
    jobs += [('page', lambda: live.page(live.instance.event_url('second')))] * 5
    return jobs


def _check_burst(results, updates, many):
    assert [r for r in results if r[1] != 200] == []  # no 5xx, no 4xx: every webhook and page answered
    outcome = {label: sorted(status for lbl, _, status in results if lbl == label)
               for label in ('one', 'many', 'unknown', 'passcode')}
    assert outcome['many'] == ['applied'] * len(many)
    assert outcome['unknown'] == ['ignored'] * 10
    assert outcome['passcode'] == ['applied']
    # each update of `one` was delivered twice: at most one delivery applied it, the newest always applies
    assert len(outcome['one']) == 2 * updates
    assert set(outcome['one']) <= {'applied', 'duplicate'}
    assert 1 <= outcome['one'].count('applied') <= updates
    return outcome['one'].count('applied')


def _room(live, room):
    (name, data), = live.query('SELECT name, data FROM events.vc_rooms WHERE id = %s', room['vc_room_id'])
    return name, data


def _logged_topics(live, room):
    rows = live.query("SELECT summary FROM events.logs WHERE module = 'Videoconference' AND data::jsonb->>'Zoom ID' "
                      "= %s AND summary LIKE '%%was changed on Zoom' ORDER BY id", str(room['zoom_id']))
    return [summary.split('"')[1] for summary, in rows]


def _gets(live, zoom_id):
    return [r for r in live.sim('GET', '/requests') if r['method'] == 'GET' and r['path'] == f'/v2/meetings/{zoom_id}']


def _server_logs(live):
    # the server's output and Indico's own log (where it logs the exceptions behind 5xx answers)
    paths = [live.instance.log_dir / name for name in ('indico-server.log', 'indico.log')]
    return '\n'.join(p.read_text(errors='replace') for p in paths if p.exists())


def test_concurrent_webhooks_with_fast_and_slow_zoom(live):
    one, fast_pass, slow_pass, *many = live.rooms
    assert live.query('SELECT count(*) FROM plugin_vc_zoom.zoom_meetings') == [(ROOMS,)]  # made by db prepare
    live.sim('DELETE', '/requests')

    # 8 senders, Zoom answers at once
    fast_url = _change_passcode_on_zoom(live, fast_pass['zoom_id'], '24682468')
    base1 = int(time.time() * 1000)
    results = _burst(live, 8, _jobs(live, one=one, many=many, passcode_room=fast_pass, passcode='24682468',
                                    base_ts=base1, updates=20))
    applied = _check_burst(results, 20, many)

    # 32 senders while Zoom takes longer than the plugin's read timeout to answer the follow-up's GET
    slow_id = slow_pass['zoom_id']
    live.sim('POST', '/faults', {'method': 'GET', 'path': f'^/v2/meetings/{slow_id}$', 'status': None,
                                 'delay': SLOW_ZOOM, 'times': 1})
    slow_url = _change_passcode_on_zoom(live, slow_id, '13571357')
    base2 = base1 + 1000
    results = _burst(live, 32, _jobs(live, one=one, many=many, passcode_room=slow_pass, passcode='13571357',
                                     base_ts=base2, updates=30))
    applied += _check_burst(results, 30, many)

    # the page still renders while the worker waits on Zoom
    assert live.page(live.instance.event_url('main'))[0] == 200

    # in order and once: the newest update won, and the applied ones were logged in increasing order, once each
    assert _room(live, one)[0] == f'One {base2 + 29}'
    topics = _logged_topics(live, one)
    stamps = [int(t.split()[1]) for t in topics]
    assert len(topics) == applied
    assert stamps == sorted(set(stamps))
    assert all(_room(live, room)[0] == f'Many {base2}' for room in many)

    # the webhook answered without the join link; the worker got it from Zoom, the slow one after a timeout
    deadline = time.monotonic() + FOLLOWUP_WAIT
    while time.monotonic() < deadline:
        if _room(live, fast_pass)[1]['join_url'] == fast_url and _room(live, slow_pass)[1]['join_url'] == slow_url:
            break
        assert live.instance.dead_process() is None, live.instance.log_tail(live.instance.dead_process())
        time.sleep(0.5)
    for room, url, passcode in ((fast_pass, fast_url, '24682468'), (slow_pass, slow_url, '13571357')):
        data = _room(live, room)[1]
        assert data['password'] == passcode
        assert data['join_url'] == url, live.instance.log_tail('webhook-test-worker')
    # the simulator logs the slow GET when its delay is over, after the plugin gave up on it and asked again
    deadline = time.monotonic() + SLOW_ZOOM
    while len(gets := _gets(live, slow_id)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(gets) == 2

    logs = _server_logs(live)
    assert 'QueuePool limit' not in logs
    assert 'Traceback' not in logs


def test_malformed_chunked_body_is_400(live):
    host, port = '127.0.0.1', live.instance.indico_port
    request = (f'POST /api/plugin/zoom/webhook HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n'
               'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz-not-hex\r\n{}\r\n0\r\n\r\n').encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        answer = b''
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b'\r\n')
    assert status_line.split()[1] == b'400', answer[:500]
    assert b'the request body could not be read' in rest
    assert 'Traceback' not in _server_logs(live)
