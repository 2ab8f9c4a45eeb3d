"""Zoom API calls and wall time per user action, measured through Indico's real controllers.

Run with ``bash scripts/bench``; writes its section of ``benchmarks/results.md``. Nothing here asserts a timing:
the numbers are measurements. Call counts come from the simulator's request log (what Zoom would have received).
"""

import json
import statistics
import time
from collections import Counter
from datetime import timedelta

from indico.core.db import db
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
from indico.util.date_time import now_utc

from benchmarks.report import write_section
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.hosts import user_cache
from indico_vc_zoom.zoom import ZoomClient
from indico_vc_zoom.zoom.auth import S2SAuth
from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator import sign


ROUNDS = 5
rows = []


def _event(create_event, id_, manager, days=3):
    start = now_utc(exact=False) + timedelta(days=days)
    event = create_event(id_, start_dt=start, end_dt=start + timedelta(hours=1))
    event.update_principal(manager, full_access=True)
    db.session.flush()
    return event


def _form(name, **extra):
    return {'vc-name': name, 'vc-description': '', 'vc-password': '12345678', 'vc-password_visibility': 'logged_in',
            'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y', 'vc-meeting_type': 'meeting', **extra}


def _template(path):
    parts = path.split('/')[2:]  # drop '', 'v2'
    return '/' + '/'.join('{id}' if i % 2 else part for i, part in enumerate(parts))


def _measure(zoom_sim, label, action):
    """Run ``action`` ROUNDS times; record the Zoom calls of the last round and the median time."""
    times = []
    for i in range(ROUNDS):
        zoom_sim.clear_requests()
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    calls = Counter(f"{r['method']} {_template(r['path'])}" for r in zoom_sim.requests())
    rows.append((label, sum(calls.values()), ', '.join(f'{v}x {k}' for k, v in sorted(calls.items())) or '-',
                 statistics.median(times) * 1000))


def test_action_budget(db, zoom_plugin, zoom_host, create_event, login, zoom_sim, smtp):
    client = login(zoom_host)
    events = [_event(create_event, 100 + i, zoom_host) for i in range(ROUNDS * 2)]

    def create(i):
        resp = client.post(f'/event/{events[i].id}/manage/videoconference/zoom/create', _form(f'Bench {i}'))
        assert resp.json['success']

    _measure(zoom_sim, 'create (cold cache: host looked up)', lambda i: (user_cache.delete(zoom_host.email), create(i)))
    assocs = [VCRoomEventAssociation.query.filter_by(event_id=events[i].id).one() for i in range(ROUNDS)]

    def edit(i, **changes):
        assoc = assocs[i]
        room = assoc.vc_room
        data = _form(room.name, **{'vc-password': room.data['password'], 'vc-mute_audio': None, **changes})
        data = {k: v for k, v in data.items() if v is not None and k != 'vc-meeting_type'}
        for key in ('mute_audio', 'mute_host_video', 'mute_participant_video', 'join_before_host', 'waiting_room'):
            if room.data.get(key):
                data[f'vc-{key}'] = 'y'
        url = f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/'
        assert client.post(url, data).json['success']

    _measure(zoom_sim, 'open the edit form', lambda i: client.get(
        f'/event/{assocs[i].event_id}/manage/videoconference/zoom/{assocs[i].id}/'))
    _measure(zoom_sim, 'save edit without changes', lambda i: edit(i))
    _measure(zoom_sim, 'save edit (rename)', lambda i: edit(i, **{'vc-name': f'Renamed {i}'}))
    _measure(zoom_sim, 'save edit (new passcode: the new join link read back)',
             lambda i: edit(i, **{'vc-password': f'{24680000 + i}'}))

    def attach(i):
        resp = client.post(f'/event/{events[ROUNDS + i].id}/manage/videoconference/zoom/attach/', {
            'vc-room': str(assocs[i].vc_room.id), 'vc-linking': 'event', 'vc-show': 'y',
            'vc-password_visibility': 'everyone'})
        assert resp.status_code == 200

    def webhook(i):
        body = json.dumps({'event': 'meeting.updated', 'event_ts': int(time.time() * 1000) + i, 'payload': {
            'account_id': 'x', 'object': {'id': assocs[i].vc_room.data['zoom_id'], 'topic': f'From Zoom {i}'}}})
        ts = str(int(time.time()))
        resp = client.client.post('/api/plugin/zoom/webhook', data=body, content_type='application/json', headers={
            'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, body.encode())})
        assert resp.status_code == 200, resp.data

    _measure(zoom_sim, 'webhook meeting.updated (topic)', webhook)
    _measure(zoom_sim, 'attach to a second event (loses fixed time)', attach)
    second = [VCRoomEventAssociation.query.filter_by(event_id=events[ROUNDS + i].id).one() for i in range(ROUNDS)]
    _measure(zoom_sim, 'detach one of two links', lambda i: client.post(
        f'/event/{second[i].event_id}/manage/videoconference/zoom/{second[i].id}/remove'))
    _measure(zoom_sim, 'delete (last link)', lambda i: client.post(
        f'/event/{assocs[i].event_id}/manage/videoconference/zoom/{assocs[i].id}/remove'))


def _edit(client, assoc, **changes):
    """Post the edit dialog as the browser does: the room's values, with ``changes`` (``vc-`` keys)."""
    room = assoc.vc_room
    data = _form(room.name, **{'vc-password': room.data['password'], 'vc-mute_audio': None, **changes})
    data = {k: v for k, v in data.items() if v is not None and k != 'vc-meeting_type'}
    for key in ('mute_audio', 'mute_host_video', 'mute_participant_video', 'join_before_host', 'waiting_room'):
        if room.data.get(key):
            data[f'vc-{key}'] = 'y'
    resp = client.post(f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/', data)
    return resp.json.get('success')


def test_host_actions_budget(db, zoom_plugin, zoom_host, create_user, create_event, login, zoom_sim, smtp):
    assistant = 'bench.assistant@example.test'
    zoom_sim.add_user(assistant, 'Bench', 'Assistant')
    zoom_plugin.settings.set('assistant_id', assistant)
    client = login(zoom_host)
    events = [_event(create_event, 200 + i, zoom_host) for i in range(ROUNDS * 3)]
    others = []
    for i in range(ROUNDS):
        other = create_user(300 + i, first_name='Bench', last_name=f'Host {i}', email=f'bench.host{i}@example.test')
        zoom_sim.add_user(other.email, 'Bench', f'Host {i}')
        others.append(other)
    colleague = create_user(399, first_name='Bench', last_name='Colleague', email='bench.colleague@example.test')
    zoom_sim.add_user(colleague.email, 'Bench', 'Colleague')
    for event in events:
        event.update_principal(colleague, full_access=True)
    db.session.flush()

    def create(i, offset=0, **extra):
        resp = client.post(f'/event/{events[offset + i].id}/manage/videoconference/zoom/create',
                           _form(f'Host {offset + i}', **{f'vc-{k}': v for k, v in extra.items()}))
        assert resp.json.get('success'), resp.json

    def assoc(i, offset=0):
        return VCRoomEventAssociation.query.filter_by(event_id=events[offset + i].id).one()

    firsts = []
    for i in range(ROUNDS):
        first = create_user(500 + i, first_name='Bench', last_name=f'New {i}', email=f'bench.new{i}@example.test')
        zoom_sim.add_user(first.email, 'Bench', f'New {i}')
        firsts.append(first)
    _measure(zoom_sim, "create, assistant mode, a host's first meeting (looked up, assistant added)",
             lambda i: create(i, host_choice='someone_else', host_user=firsts[i].identifier))
    _measure(zoom_sim, 'create, assistant mode, known host', lambda i: create(i, ROUNDS))
    _measure(zoom_sim, "change host, assistant mode, the new host's first meeting (looked up, assistant added)",
             lambda i: _edit(client, assoc(i), **{'vc-host_choice': 'someone_else',
                                                  'vc-host_user': others[i].identifier}))
    _measure(zoom_sim, 'save edit adding an alternative host (account known)',
             lambda i: _edit(client, assoc(i, ROUNDS), **{'vc-alternative_hosts': json.dumps([others[i].identifier])}))
    helper = login(colleague)
    _measure(zoom_sim, "make me alternative host (one click, manager's account known)", lambda i: helper.post(
        f'/event/{events[ROUNDS + i].id}/manage/videoconference/zoom/{assoc(i, ROUNDS).id}/alternative-host',
        prefix=''))
    admin = login(create_user(398, admin=True))
    targets = [create_user(400 + i, email=f'bench.merged{i}@example.test') for i in range(ROUNDS)]
    _measure(zoom_sim, 'merge of a host into another Indico user', lambda i: admin.post(
        '/admin/users/merge/', {'source_user': others[i].identifier, 'target_user': targets[i].identifier},
        prefix=''))

    zoom_plugin.settings.set('assistant_id', '')  # own-account mode: Zoom refuses host changes
    for i in range(ROUNDS):
        create(i, 2 * ROUNDS)

    def refused_host_change(i):
        assert not _edit(client, assoc(i, 2 * ROUNDS), **{'vc-host_choice': 'someone_else',
                                                          'vc-host_user': colleague.identifier})

    _measure(zoom_sim, 'change host refused by Zoom, own-account mode (nothing changed)', refused_host_change)
    assert zoom_sim.meetings()[-1]['host_email'] == zoom_host.email


def test_token_reuse(db, zoom_plugin, zoom_host, zoom_sim):
    zoom_sim.clear_requests()
    client = get_client()
    start = time.perf_counter()
    for _ in range(200):
        client.get_user(zoom_host.email)
    elapsed = time.perf_counter() - start
    token_requests = len(zoom_sim.requests('/oauth'))
    rows.append(('200 API calls, shared Redis token cache', 200 + token_requests,
                 f'{token_requests}x oauth token, 200x GET users', elapsed / 200 * 1000))

    zoom_sim.clear_requests()
    creds = zoom_sim.credentials
    naive = 0
    start = time.perf_counter()
    for _ in range(50):
        # what a client without a shared cache pays: one token per worker/request
        fresh = ZoomClient(S2SAuth(creds['account_id'], creds['client_id'], creds['client_secret'],
                                   oauth_url=zoom_sim.oauth_url), api_url=zoom_sim.api_url)
        fresh.get_user(zoom_host.email)
        naive += 1
    elapsed = time.perf_counter() - start
    rows.append(('50 API calls, no shared token cache (for comparison)', naive + len(zoom_sim.requests('/oauth')),
                 f"{len(zoom_sim.requests('/oauth'))}x oauth token, 50x GET users", elapsed / 50 * 1000))


def teardown_module(module):
    write_section('Zoom API budget', [
        f"{ROUNDS} rounds per action, median wall time through Indico's real controllers with the Zoom simulator on",
        'loopback (strict mode when the spec is present). Calls are what Zoom received during the last round.', '',
        '| action | Zoom calls | which | median ms |', '|---|---|---|---|',
        *(f'| {label} | {count} | {which} | {ms:.1f} |' for label, count, which, ms in rows)])
