"""Webhooks per second and SQL statements per webhook at 100 and at 20 000 Zoom rooms, in one run.

Through Indico's real controller (test client) and PostgreSQL; rooms beyond the first are inserted in bulk with
SQL (as many rooms as a large instance has), each with its row in the Zoom-id table. Nothing here asserts a timing.
"""

import json
import random
import statistics
import time
from functools import partial
from pathlib import Path

from indico.core.db import db
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator import sign


RESULTS = Path(__file__).with_name('results.md')
SECTION = '## Webhook cost'
SIZES = (100, 20000)
WEBHOOKS = 300
FIRST_ZOOM_ID = 80000000000
rows = []


def _add_rooms(event_id, user_id, start, stop):
    """Zoom rooms ``start..stop-1`` linked to the event, inserted as a large instance would have them."""
    db.session.execute(text("""
        WITH new_rooms AS (
            INSERT INTO events.vc_rooms (type, name, status, created_by_id, created_dt, data)
            SELECT 'zoom', 'Bench ' || i, 1, :user_id, now(),
                   jsonb_build_object('zoom_id', :first + i, 'password', '12345678', 'meeting_type', 'meeting',
                                      'join_url', 'https://zoom.example/j/' || (:first + i))
            FROM generate_series(:start, :stop - 1) AS i
            RETURNING id, (data->>'zoom_id')::bigint AS zoom_id
        ), links AS (
            INSERT INTO events.vc_room_events (event_id, vc_room_id, link_type, linked_event_id, show, data)
            SELECT :event_id, id, 1, :event_id, true, '{"password_visibility": "everyone"}' FROM new_rooms
        )
        INSERT INTO plugin_vc_zoom.zoom_meetings (vc_room_id, zoom_id) SELECT id, zoom_id FROM new_rooms
    """), {'user_id': user_id, 'event_id': event_id, 'first': FIRST_ZOOM_ID, 'start': start, 'stop': stop})
    db.session.execute(text('ANALYZE plugin_vc_zoom.zoom_meetings; ANALYZE events.vc_rooms'))


def _post(client, payload):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    resp = client.post('/api/plugin/zoom/webhook', data=body, content_type='application/json', headers={
        'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, body)})
    assert resp.status_code == 200, resp.data
    return resp.json['status']


def _measure(client, size, label, make_payload, expected):
    counts = []
    current = [0]

    def _count(*args):
        current[0] += 1

    event.listen(Engine, 'after_cursor_execute', _count)
    try:
        start = time.perf_counter()
        for i in range(WEBHOOKS):
            current[0] = 0
            assert _post(client, make_payload(i)) == expected
            counts.append(current[0])
        elapsed = time.perf_counter() - start
    finally:
        event.remove(Engine, 'after_cursor_execute', _count)
    rows.append((size, label, WEBHOOKS / elapsed, statistics.mean(counts), max(counts)))


def _lookup_plan(zoom_id):
    plan = db.session.execute(text('EXPLAIN SELECT vc_room_id FROM plugin_vc_zoom.zoom_meetings WHERE zoom_id = :z'),
                              {'z': zoom_id}).scalars().all()
    return plan[0].split('  (')[0].strip()


def test_webhook_cost(db, zoom_plugin, dummy_user, create_event, test_client, smtp):
    bench_event = create_event(title='Webhook benchmark')
    db.session.flush()
    rng = random.Random(1)
    base_ts = int(time.time() * 1000)
    added = 0
    for size in SIZES:
        _add_rooms(bench_event.id, dummy_user.id, added, size)
        added = size
        offset = size * 10

        def update(i, size=size, offset=offset):
            zoom_id = FIRST_ZOOM_ID + rng.randrange(size)
            return {'event': 'meeting.updated', 'event_ts': base_ts + offset + i, 'payload': {
                'account_id': 'x', 'object': {'id': zoom_id, 'topic': f'Topic {size} {i}'}}}

        def unknown(i, size=size):
            return {'event': 'meeting.updated', 'event_ts': base_ts, 'payload': {
                'account_id': 'x', 'object': {'id': FIRST_ZOOM_ID - 1 - i, 'topic': 'Nobody'}}}

        def joined(i, size=size, offset=offset, zoom_id=None):
            return {'event': 'meeting.participant_joined', 'event_ts': base_ts + offset + i, 'payload': {
                'account_id': 'x', 'object': {'id': zoom_id or FIRST_ZOOM_ID + rng.randrange(size), 'uuid': 'u==',
                                              'participant': {'user_name': f'Guest {i}',
                                                              'email': f'guest{i}@example.org',
                                                              'registrant_id': '', 'join_time': None}}}}

        _measure(test_client, size, 'update of a known meeting (topic)', update, 'applied')
        _measure(test_client, size, 'unknown meeting', unknown, 'ignored')
        _measure(test_client, size, 'participant joined, check-in off', joined, 'ignored')
        db.session.execute(text("UPDATE events.vc_rooms SET data = data || '{\"checkin\": \"email\"}' "
                                'WHERE id = (SELECT vc_room_id FROM plugin_vc_zoom.zoom_meetings WHERE zoom_id = :z)'),
                           {'z': FIRST_ZOOM_ID})
        _measure(test_client, size, 'participant joined, check-in by e-mail, not registered',
                 partial(joined, zoom_id=FIRST_ZOOM_ID), 'ignored')
        rows.append((size, f'lookup plan: {_lookup_plan(FIRST_ZOOM_ID + 7)}', None, None, None))


def _section():
    lines = [SECTION, '',
             f'Produced by `bash scripts/bench` (`benchmarks/test_webhook_cost.py`): {WEBHOOKS} signed',
             'webhooks per row (`meeting.updated`, `meeting.participant_joined`), one after the other',
             "through Indico's real controller (test client,",
             'no HTTP server), against PostgreSQL with that many Zoom rooms. Statements are all SQL statements of',
             "the request, including the one read of the plugin's settings.", '',
             '| rooms | webhook | webhooks/s | SQL statements per webhook (mean) | max |', '|---|---|---|---|---|']
    for size, label, per_second, mean, top in rows:
        if per_second is None:
            lines.append(f'| {size} | {label} | | | |')
        else:
            lines.append(f'| {size} | {label} | {per_second:.0f} | {mean:.2f} | {top} |')
    return '\n'.join(lines) + '\n'


def teardown_module(module):
    text_ = RESULTS.read_text() if RESULTS.exists() else ''
    head = text_.split('\n' + SECTION, 1)[0].rstrip('\n')
    RESULTS.write_text((head + '\n\n' if head else '') + _section())
    print('\n' + _section())
