"""Property-based fuzzing of the webhook endpoint: never a 5xx, and nothing changes without Zoom's signature."""

import itertools
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoomStatus

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
# NUL and lone surrogates pass json.loads but not PostgreSQL / UTF-8
nasty_text = st.sampled_from(['\x00', 'a\x00b', '\ud800', 'x\udfff'])
json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) |
                nasty_text)
json_values = st.recursive(json_scalars, lambda children: (st.lists(children, max_size=4) |
                                                        st.dictionaries(st.text(max_size=12), children, max_size=4)),
                           max_leaves=12)


def mostly(valid, invalid=json_scalars):
    """Mostly (4 in 5) well-typed values, to get past the shape checks; sometimes anything."""
    return st.sampled_from(range(5)).flatmap(lambda i: invalid if i == 0 else valid)


meeting_fields = st.fixed_dictionaries({}, optional={
    'topic': mostly(st.text(max_size=30)),
    'agenda': mostly(st.text(max_size=30) | st.none()),
    'password': mostly(st.text('0123456789abc', max_size=10)),
    'join_url': mostly(st.sampled_from(['https://zoom.example/j/1?pwd=x', 'javascript:alert(1)', ''])),
    'host_id': mostly(st.sampled_from(['zoomhost1', 'unknown-host'])),
    'host_email': mostly(st.sampled_from(['a@example.com', ''])),
    'type': mostly(st.sampled_from([1, 2, 3, 5, 6, 8, 9, 99])),
    'duration': mostly(st.integers(-5, 200) | st.none()),
    'start_time': mostly(st.sampled_from(['2030-01-01T10:00:00Z', '']) | st.none()),
    'timezone': mostly(st.sampled_from(['UTC', 'Europe/Zurich'])),
    'settings': mostly(st.dictionaries(st.sampled_from(['waiting_room', 'host_video', 'mute_upon_entry', 'audio']),
                                       mostly(st.booleans()), max_size=3), json_values),
})
zoom_ids = mostly(st.just(ROOM_ID), st.integers(-3, 10 ** 12) | st.text(max_size=12) | json_scalars)
zoom_like = st.builds(
    lambda event, ts, zoom_id, fields, token: {'event': event, 'event_ts': ts, 'payload': {
        'account_id': 'acc', 'plainToken': token, 'object': {'id': zoom_id, **fields}}},
    st.sampled_from(EVENTS), mostly(st.integers(0, 2 ** 53)), zoom_ids, meeting_fields,
    mostly(st.text(max_size=20)))
junk_payload = st.builds(lambda obj, junk: {**obj, 'payload': junk}, zoom_like, json_values)
# half of the bodies look like Zoom's, the rest is anything
anything = (st.binary(max_size=200), json_values, junk_payload)
bodies = st.sampled_from(range(6)).flatmap(lambda i: anything[i] if i < 3 else zoom_like)


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
    # 5 minutes are allowed; the margin covers the time between taking `now` and handling the request
    st.tuples(st.just('stale'), st.integers(310, 10 ** 9) | st.integers(-10 ** 9, -302)),
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




def state(room, event, smtp):
    return (json.dumps(room.data, sort_keys=True), room.name, room.status,
            EventLogEntry.query.filter_by(event=event).count(), len(smtp.outbox))


def test_fuzz_without_valid_signature(test_client, zoom_room_event, smtp, zoom_sim):
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    before = state(room, event, smtp)
    seen_modes = []

    @FUZZ
    @given(body=bodies, mode=header_modes, extra=extra_headers)
    def check(body, mode, extra):
        raw = encode(body, zoom_id)
        headers = unsigned_headers(mode, raw, extra, int(time.time()))
        resp = test_client.post(URL, data=raw, headers=headers, content_type='application/json')
        assert resp.status_code == 401, (resp.status_code, resp.data)
        assert resp.json == {'error': 'invalid signature'}
        assert state(room, event, smtp) == before
        seen_modes.append(mode[0])

    check()
    assert len(seen_modes) >= 2000
    assert len(set(seen_modes)) == 8  # every kind of bad header was tried
    assert zoom_sim.requests() == []


def test_fuzz_signed_payloads_never_fail(test_client, zoom_room_event, smtp):
    """Zoom-signed but odd bodies: 200 or 400, never a 5xx, and the room stays consistent."""
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    replies = []
    clock = itertools.count(int(time.time() * 1000))

    @FUZZ
    @given(body=bodies)
    def check(body):
        if isinstance(body, dict) and isinstance(body.get('event_ts'), int) and not isinstance(body['event_ts'], bool):
            body['event_ts'] = next(clock)  # newer than the last one, so events keep being applied
        room.status = VCRoomStatus.created  # undo a deletion from an earlier example
        raw = encode(body, zoom_id)
        ts = str(int(time.time()))
        headers = {'x-zm-request-timestamp': ts, 'x-zm-signature': sign(WEBHOOK_TOKEN, ts, raw)}
        resp = test_client.post(URL, data=raw, headers=headers, content_type='application/json')
        assert resp.status_code in (200, 400), (resp.status_code, resp.data)
        assert isinstance(resp.json, dict)
        assert len(resp.data) < 2000
        assert room.data['meeting_type'] in ('meeting', 'webinar')
        assert room.data['join_url'].startswith(('http://', 'https://'))
        assert isinstance(room.name, str)
        assert 'start_url' not in json.dumps(room.data)
        replies.append((resp.status_code, resp.json.get('status')))

    check()
    assert len(replies) >= 2000
    assert {status for status, _ in replies} == {200, 400}
    assert sum(reply == 'applied' for _, reply in replies) > 50
