"""Render time and SQL query count of the pages that list Zoom meetings, at 1, 10 and 50 meetings.

Run with ``bash scripts/bench`` (``BENCH_INDICO=3.2`` for the other line); writes its section of
``benchmarks/results.md`` (one per Indico line). Nothing here asserts a timing: the numbers are measurements. Each
page is requested WARMUP times, then ROUNDS times with the DB session emptied before each request (a real request
starts with no loaded objects), the rounds taking the 1-, 10- and 50-meeting pages in turn; the median wall time is
reported, and its ratio to the page with one meeting. The events differ only in their number of meetings.
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
ROUNDS = 25


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _request(db, client, url, counter):
    forget_loaded(db)
    counter.count = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    resp = client.get(url)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    assert resp.status_code == 200
    return elapsed, cpu, counter.count


def _measure(db, client, urls, counter):
    """``{meetings: (median ms, median CPU ms, queries)}`` of one page; the rounds go through the meeting counts in
    turn (the starting count rotating), so a change of the machine's load during the run falls on all counts alike."""
    for url in urls.values():
        for _ in range(WARMUP):
            _request(db, client, url, counter)
    samples = {n: [] for n in urls}
    order = list(urls)
    for i in range(ROUNDS):
        for n in order[i % len(order):] + order[:i % len(order)]:
            samples[n].append(_request(db, client, urls[n], counter))
    return {n: (statistics.median(s[0] for s in samples[n]) * 1000, statistics.median(s[1] for s in samples[n]) * 1000,
                samples[n][-1][2]) for n in urls}


def _profile(db, client, url, label):
    forget_loaded(db)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    out = io.StringIO()
    order = 'tottime' if os.environ.get('BENCH_PROFILE') == 'tottime' else 'cumulative'
    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(45)
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
    load_start = os.getloadavg()[0]
    try:
        for label, viewer, url in pages:
            results = _measure(db, clients[viewer], {n: url.format(event_ids[n]) for n in MEETING_COUNTS}, counter)
            rows.append((label, results))
            if os.environ.get('BENCH_PROFILE'):
                _profile(db, clients[viewer], url.format(event_ids[MEETING_COUNTS[-1]]), label)
    finally:
        sa_event.remove(Engine, 'after_cursor_execute', counter)
    assert not zoom_sim.requests(None)  # pages never call Zoom
    _write(rows, (load_start, os.getloadavg()[0]))
    assert rows[0][0].endswith(f'({ANONYMOUS})')


def _write(rows, load):
    one = MEETING_COUNTS[0]
    head = ' | '.join(f'{n} meeting{"s" if n > 1 else ""}' for n in MEETING_COUNTS)
    lines = [f"Median of {ROUNDS} requests after {WARMUP} warm-up requests through Indico's test client, the DB",
             'session emptied before each (as a real request starts), the 1-, 10- and 50-meeting pages requested in',
             'turn; the events differ only in their number of meetings. Wall time (what a visitor waits) and CPU time',
             'of the Indico process (the steadier figure where others share the machine; it leaves out the',
             "database's own time) in ms, with the ratio to the page with one meeting, and SQL queries per request.",
             f'Zoom calls during all these page views: 0. Load average of the machine: {load[0]:.1f} at the start,',
             f'{load[1]:.1f} at the end ({os.cpu_count()} CPUs).', '',
             f'| page | time | {head} | queries ({" / ".join(map(str, MEETING_COUNTS))}) |',
             '|---|---|' + '---|' * len(MEETING_COUNTS) + '---|']
    for label, results in rows:
        queries = ' / '.join(str(results[n][2]) for n in MEETING_COUNTS)
        for index, kind in ((0, 'wall'), (1, 'CPU')):
            base = results[one][index]
            cells = ' | '.join(f'{results[n][index]:.1f} ({results[n][index] / base:.2f}x)' for n in MEETING_COUNTS)
            lines.append(f'| {label if index == 0 else ""} | {kind} | {cells} | {queries if index == 0 else ""} |')
    write_section(f'Pages listing meetings, Indico {indico.__version__}', lines)
