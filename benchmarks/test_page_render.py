"""Render time and SQL query count of the pages that list Zoom meetings, at 1, 10 and 50 meetings.

Run with ``bash scripts/bench`` (``BENCH_INDICO=3.2`` for the other line); writes its section of
``benchmarks/results.md`` (one per Indico line). Nothing here asserts a timing: the numbers are measurements. Each
page is requested WARMUP times, then ROUNDS times with the DB session emptied before each request (a real request
starts with no loaded objects); the median wall time is reported, and its ratio to the page with one meeting.
``BENCH_PROFILE=1`` also prints a cProfile of the 50-meeting pages (top functions by cumulative time).
"""

import cProfile
import io
import os
import pstats
import statistics
import time

import indico
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from benchmarks.report import write_section
from tests.meeting_pages import ANONYMOUS, MANAGER, MEETING_COUNTS, VIEWERS, build_event, forget_loaded, viewer_clients


WARMUP = 3
ROUNDS = 15


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _measure(db, client, url, counter):
    for _ in range(WARMUP):
        forget_loaded(db)
        assert client.get(url).status_code == 200
    times = []
    for _ in range(ROUNDS):
        forget_loaded(db)
        counter.count = 0
        start = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - start)
        assert resp.status_code == 200
    return statistics.median(times) * 1000, counter.count


def _profile(db, client, url, label):
    forget_loaded(db)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats('cumulative').print_stats(45)
    print(f'\n--- profile: {label}\n{out.getvalue()}')


def test_page_scaling(db, zoom_plugin, zoom_host, create_user, create_event, test_client, login, zoom_sim):
    visitor = create_user(3001, email='visitor@example.test')
    clients = viewer_clients(test_client, login, zoom_host, visitor)
    event_ids = {n: build_event(db, create_event, zoom_host, n, event_id=500 + n).id for n in MEETING_COUNTS}
    pages = [(f'event page ({viewer})', viewer, '/event/{}/') for viewer in VIEWERS]
    pages.append(('Videoconference management page (manager)', MANAGER, '/event/{}/manage/videoconference/'))
    counter = QueryCounter()
    sa_event.listen(Engine, 'after_cursor_execute', counter)
    rows = []
    zoom_sim.clear_requests()
    try:
        for label, viewer, url in pages:
            results = {n: _measure(db, clients[viewer], url.format(event_ids[n]), counter) for n in MEETING_COUNTS}
            rows.append((label, results))
            if os.environ.get('BENCH_PROFILE'):
                _profile(db, clients[viewer], url.format(event_ids[MEETING_COUNTS[-1]]), label)
    finally:
        sa_event.remove(Engine, 'after_cursor_execute', counter)
    assert not zoom_sim.requests(None)  # pages never call Zoom
    _write(rows)
    assert rows[0][0].endswith(f'({ANONYMOUS})')


def _write(rows):
    one = MEETING_COUNTS[0]
    head = ' | '.join(f'{n} meeting{"s" if n > 1 else ""}' for n in MEETING_COUNTS)
    lines = [f"Median of {ROUNDS} requests after {WARMUP} warm-up requests through Indico's test client, the DB",
             'session emptied before each (as a real request starts); ms with the ratio to the page with one meeting,',
             'and SQL queries per request. Zoom calls during all these page views: 0.', '',
             f'| page | {head} | queries ({" / ".join(map(str, MEETING_COUNTS))}) |',
             '|---|' + '---|' * len(MEETING_COUNTS) + '---|']
    for label, results in rows:
        base = results[one][0]
        cells = ' | '.join(f'{ms:.1f} ({ms / base:.2f}x)' for ms, _ in (results[n] for n in MEETING_COUNTS))
        lines.append(f'| {label} | {cells} | {" / ".join(str(results[n][1]) for n in MEETING_COUNTS)} |')
    write_section(f'Pages listing meetings, Indico {indico.__version__}', lines)
