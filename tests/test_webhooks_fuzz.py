"""Property-based fuzzing of the webhook endpoint: never a 5xx, and nothing changes without Zoom's signature."""

import json
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoom
from indico.util.date_time import now_utc

from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator import sign


URL = '/api/plugin/zoom/webhook'
#: stands for the Zoom id of the test's room in generated payloads
ROOM_ID = object()
FUZZ = settings(max_examples=2000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

EVENTS = ('meeting.updated', 'webinar.updated', 'meeting.deleted', 'webinar.deleted', 'meeting.converted_to_webinar',
          'webinar.converted_to_meeting', 'endpoint.url_validation', 'meeting.started', '', 'x' * 300)
# printable, any script; control characters cannot be sent in a header at all
header_text = st.text(st.characters(blacklist_categories=('Cc', 'Cs')), max_size=80)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda children: (st.lists(children, max_size=4) |
                                                        st.dictionaries(st.text(max_size=12), children, max_size=4)),
                           max_leaves=12)
meeting_fields = st.fixed_dictionaries({}, optional={
    'topic': st.text(max_size=30) | json_scalars,
    'password': st.text(max_size=10) | json_scalars,
    'join_url': st.sampled_from(['https://zoom.example/j/1?pwd=x', 'javascript:alert(1)', '']) | json_scalars,
    'host_id': st.text(max_size=10) | json_scalars,
    'host_email': st.sampled_from(['a@example.com', '']) | json_scalars,
    'type': st.sampled_from([1, 2, 3, 5, 6, 8, 9, 99]) | json_scalars,
    'duration': st.integers(-5, 200) | json_scalars,
    'start_time': st.text(max_size=25) | json_scalars,
    'settings': st.dictionaries(st.sampled_from(['waiting_room', 'host_video', 'mute_upon_entry', 'audio']),
                                json_scalars, max_size=3) | json_values,
})
zoom_ids = st.just(ROOM_ID) | st.integers(-3, 10 ** 12) | st.text(max_size=12) | json_scalars
zoom_like = st.builds(
    lambda event, ts, zoom_id, fields, token: {'event': event, 'event_ts': ts, 'payload': {
        'account_id': 'acc', 'plainToken': token, 'object': {'id': zoom_id, **fields}}},
    st.sampled_from(EVENTS), st.integers(0, 2 ** 53) | json_scalars, zoom_ids, meeting_fields,
    st.text(max_size=20) | json_scalars)
bodies = (st.binary(max_size=200) | json_values | zoom_like |
          st.builds(lambda obj, junk: {**obj, 'payload': junk}, zoom_like, json_values))


def encode(body, zoom_id):
    if isinstance(body, bytes):
        return body
    return json.dumps(body, default=lambda o: zoom_id).encode()


def unsigned_headers(draw_mode, body, extra, now):
    """Headers that are not a valid, fresh Zoom signature of ``body`` made with the webhook token."""
    mode, value = draw_mode
    ts = str(now)
    if mode == 'none':
        return {}
    if mode == 'random':
        return extra
    if mode == 'wrong secret':
        token = value if value != WEBHOOK_TOKEN else value + 'x'
        return {'x-zm-request-timestamp': ts, 'x-zm-signature': sign(token or 'x', ts, body), **extra}
    if mode == 'stale':
        ts = str(now + value)
        return {'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, body)}
    if mode == 'other body':
        return {'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, body + value)}
    if mode == 'mangled':
        good = sign(WEBHOOK_TOKEN, ts, body)
        pos = value % len(good)
        bad = good[:pos] + ('0' if good[pos] != '0' else '1') + good[pos + 1:]
        return {'x-zm-request-timestamp': ts, 'x-zm-signature': bad}
    if mode == 'other timestamp':
        other = str(now - 1 - value % 200)
        return {'x-zm-request-timestamp': other, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, body)}
    assert mode == 'legacy token'  # legacy mode is off in this test
    return {'authorization': WEBHOOK_TOKEN, **extra}


header_modes = st.one_of(
    st.tuples(st.just('none'), st.none()),
    st.tuples(st.just('random'), st.none()),
    st.tuples(st.just('wrong secret'), st.text(max_size=30)),
    st.tuples(st.just('stale'), st.integers(301, 10 ** 9) | st.integers(-10 ** 9, -301)),
    st.tuples(st.just('other body'), st.binary(min_size=1, max_size=5)),
    st.tuples(st.just('mangled'), st.integers(0, 1000)),
    st.tuples(st.just('other timestamp'), st.integers(0, 1000)),
    st.tuples(st.just('legacy token'), st.none()),
)
extra_headers = st.dictionaries(
    st.sampled_from(['x-zm-signature', 'x-zm-request-timestamp', 'authorization', 'X-ZM-SIGNATURE', 'Content-Type',
                     'x-zm-trackingid', 'X-CSRF-Token', 'Cookie']),
    header_text | st.sampled_from(['v0=', 'v0=' + '0' * 64, 'Bearer abc', '1700000000', '-1', '1e9', '١٢']),
    max_size=4)


@pytest.fixture
def room_event(db, smtp, zoom_plugin, zoom_host, create_event, login, zoom_sim):
    event = create_event(start_dt=now_utc() + timedelta(days=2), end_dt=now_utc() + timedelta(days=2, hours=2))
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Fuzzed meeting', 'vc-description': '', 'vc-password': '12345678',
        'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event',
        'vc-show': 'y', 'vc-meeting_type': 'meeting',
    })
    assert resp.status_code == 200, resp.data
    zoom_sim.clear_requests()
    del smtp.outbox[:]
    return VCRoom.query.filter_by(name='Fuzzed meeting').one(), event


def state(room, event, smtp):
    return (json.dumps(room.data, sort_keys=True), room.name, room.status,
            EventLogEntry.query.filter_by(event=event).count(), len(smtp.outbox))


def test_fuzz_without_valid_signature(test_client, room_event, smtp, zoom_sim):
    room, event = room_event
    zoom_id = room.data['zoom_id']
    before = state(room, event, smtp)
    seen_modes = set()

    @FUZZ
    @given(body=bodies, mode=header_modes, extra=extra_headers)
    def check(body, mode, extra):
        raw = encode(body, zoom_id)
        headers = unsigned_headers(mode, raw, extra, int(time.time()))
        resp = test_client.post(URL, data=raw, headers=headers, content_type='application/json')
        assert resp.status_code == 401, (resp.status_code, resp.data)
        assert resp.json == {'error': 'invalid signature'}
        assert state(room, event, smtp) == before
        seen_modes.add(mode[0])

    check()
    assert len(seen_modes) == 8  # every kind of bad header was tried
    assert zoom_sim.requests() == []


def test_fuzz_signed_payloads_never_fail(test_client, room_event, smtp):
    room, event = room_event
    zoom_id = room.data['zoom_id']
    statuses = set()

    @FUZZ
    @given(body=bodies)
    def check(body):
        raw = encode(body, zoom_id)
        ts = str(int(time.time()))
        headers = {'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, raw)}
        resp = test_client.post(URL, data=raw, headers=headers, content_type='application/json')
        assert resp.status_code in (200, 400), (resp.status_code, resp.data)
        assert isinstance(resp.json, dict)
        assert len(resp.data) < 2000
        statuses.add(resp.status_code)

    check()
    assert statuses == {200, 400}
