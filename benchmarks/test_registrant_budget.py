"""Zoom calls per registration change, through Indico's real registration code and the plugin's background sync.

Run with ``bash scripts/bench``; writes its section of ``benchmarks/results.md``. Counts come from the simulator's
request log (what Zoom received); times are medians of the whole change (Indico's work plus the eager sync).
"""

import statistics
import time
from collections import Counter
from datetime import timedelta

import pytest
from indico.core import signals
from indico.core.db import db
from indico.modules.events.features.util import set_feature_enabled
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.util import (
    create_personal_data_fields,
    create_registration,
    modify_registration,
)
from indico.modules.vc.clone import VCCloner
from indico.util.date_time import now_utc

from benchmarks.report import write_section
from indico_vc_zoom.compat import INDICO_LINE
from indico_vc_zoom.registration import hooks


ROUNDS = 5
BATCH = 60
rows = []


@pytest.fixture
def room(app, db, zoom_plugin, zoom_host, create_event, login, zoom_sim, monkeypatch, smtp):
    """A meeting in registration mode, made through the dialog; commits send Indico's after-commit signal."""
    def _commit():
        db.session.flush()
        signals.core.after_commit.send()
    monkeypatch.setattr(db.session, 'commit', _commit)
    zoom_plugin.settings.set('allow_registration', True)
    start = now_utc(exact=False) + timedelta(days=3)
    event = create_event(start_dt=start, end_dt=start + timedelta(hours=2))
    event.update_principal(zoom_host, full_access=True)
    set_feature_enabled(event, 'registration', True)
    regform = RegistrationForm(event=event, title='Participants', currency='EUR')
    create_personal_data_fields(regform)
    for field in regform.sections[0].fields:
        field.is_enabled = True
    db.session.flush()
    client = login(zoom_host)
    resp = client.post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Registrant budget', 'vc-password': '12345678', 'vc-password_visibility': 'logged_in',
        'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y', 'vc-meeting_type': 'meeting',
        'vc-registration': 'y'})
    assert resp.json['success'], resp.json
    return event, regform, event.vc_room_associations[0], client


def _template(path):
    parts = path.split('/')[2:]
    return '/' + '/'.join('{id}' if i % 2 and part != 'status' else part for i, part in enumerate(parts))


def _measure(zoom_sim, label, action, rounds=ROUNDS, per=1):
    times = []
    for i in range(rounds):
        zoom_sim.clear_requests()
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    calls = Counter(f"{r['method']} {_template(r['path'])}" for r in zoom_sim.requests())
    total = sum(calls.values())
    rows.append((label, total, f'{total / per:.2f}', ', '.join(f'{v}x {k}' for k, v in sorted(calls.items())) or '-',
                 statistics.median(times) * 1000))


def _data(regform, email, n):
    fields = {f.personal_data_type.name: f for f in regform.active_fields if f.personal_data_type}
    return {fields['email'].html_field_name: email, fields['first_name'].html_field_name: f'B{n}',
            fields['last_name'].html_field_name: 'Bench', 'email': email}


def _register(app, regform, n):
    with app.test_request_context():
        registration = create_registration(regform, _data(regform, f'bench{n}@example.test', n), notify_user=False)
        db.session.commit()
    return registration


def test_registrant_budget(app, room, zoom_sim, create_event, monkeypatch):
    event, regform, assoc, client = room
    registrations = []
    _measure(zoom_sim, 'register', lambda i: registrations.append(_register(app, regform, i)))

    def change_state(i, withdrawn):
        with app.test_request_context():
            registrations[i].update_state(withdrawn=withdrawn)
            db.session.commit()

    _measure(zoom_sim, 'withdraw', lambda i: change_state(i, True))
    _measure(zoom_sim, 're-activate a withdrawn registration', lambda i: change_state(i, False))

    def change_email(i):
        with app.test_request_context():
            modify_registration(registrations[i], _data(regform, f'changed{i}@example.test', i), notify_user=False)
            db.session.commit()

    _measure(zoom_sim, 'change e-mail (Zoom cannot edit a registrant)', change_email)
    _measure(zoom_sim, 'replayed sync, nothing changed', lambda i: client.post(
        f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/registrants/sync', prefix=''))

    # registrations made while no sync followed them (e.g. before the meeting had registration), then "sync now"
    with monkeypatch.context() as patch:
        patch.setattr(hooks, 'queue_sync', lambda *a, **k: None)
        for n in range(BATCH):
            _register(app, regform, 1000 + n)
    _measure(zoom_sim, f'"sync now" with {BATCH} new registrants', lambda i: client.post(
        f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/registrants/sync', prefix=''), rounds=1,
        per=BATCH)

    def clone(i):
        start = event.start_dt + timedelta(days=7 + i)
        new_event = create_event(start_dt=start, end_dt=start + timedelta(hours=2))
        with app.test_request_context():
            VCCloner(event).run(new_event, set(), {})

    _measure(zoom_sim, 'clone the event (new meeting, registration on)', clone)


def teardown_module(module):
    line = '.'.join(map(str, INDICO_LINE))
    write_section(f'Zoom registrant calls (Indico {line})', [
        f"Per registration change through Indico's registration code, the sync run eagerly (as by the worker); "
        f'{ROUNDS} rounds, calls of the last round, median wall time.', '',
        '| change | Zoom calls | per registrant | which | median ms |', '|---|---|---|---|---|',
        *(f'| {label} | {count} | {per} | {which} | {ms:.1f} |' for label, count, per, which, ms in rows)])
