"""Zoom webhooks end to end: the simulator changes a meeting and POSTs Zoom's signed webhook about it.

The webhook goes to a loopback receiver that keeps the exact bytes and headers; those are replayed into Indico's
test client (Indico itself cannot be served from another thread: the test's DB session is not visible there).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm
from indico.modules.vc.models.vc_rooms import VCRoomStatus

from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator.webhooks import check_url_validation


URL = '/api/plugin/zoom/webhook'
#: set by the client that replays, not part of what Zoom signs
NOT_REPLAYED = {'host', 'content-length', 'connection'}


class Receiver:
    """A loopback HTTP server that records each POST (raw body and headers) and answers 200."""

    def __init__(self):
        self.captured = []
        captured = self.captured

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                captured.append((body, list(self.headers.items())))
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.end_headers()
                self.wfile.write(b'{}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/zoom-webhook'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver(zoom_sim):
    receiver = Receiver()
    zoom_sim.configure(webhook_url=receiver.url, webhook_secret=WEBHOOK_TOKEN)
    yield receiver
    receiver.stop()




@pytest.fixture
def room(zoom_room_event):
    return zoom_room_event[0]


def from_zoom(zoom_sim, receiver, event, zoom_id=0, **kwargs):
    """Have the simulator do ``event`` and send its webhook; return the captured (body, headers)."""
    result = zoom_sim.send_webhook(event, zoom_id, **kwargs)
    assert result['status'] == 200, result
    body, headers = receiver.captured[-1]
    assert json.loads(body) == result['sent']
    return body, headers


def replay(test_client, body, headers):
    headers = [(k, v) for k, v in headers if k.lower() not in NOT_REPLAYED]
    assert {k.lower() for k, v in headers} >= {'x-zm-signature', 'x-zm-request-timestamp', 'content-type'}
    return test_client.post(URL, data=body, headers=headers)


def sim_object(zoom_sim, zoom_id):
    return next(m for m in zoom_sim.meetings() + zoom_sim.webinars() if m['id'] == zoom_id)


def test_url_validation_from_zoom(test_client, zoom_plugin, zoom_sim, receiver):
    result = zoom_sim.send_webhook('endpoint.url_validation', 0)
    body, headers = receiver.captured[-1]
    resp = replay(test_client, body, headers)
    assert resp.status_code == 200
    assert check_url_validation(WEBHOOK_TOKEN, result['sent'], resp.data.decode())


def test_meeting_updated_from_zoom(test_client, zoom_room_event, zoom_sim, receiver):
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    old_join_url = room.data['join_url']
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.updated', zoom_id,
                              changes={'topic': 'Renamed in Zoom', 'password': '99887766', 'agenda': 'New'})
    zoom_sim.clear_requests()
    resp = replay(test_client, body, headers)
    assert resp.status_code == 200
    assert resp.json == {'status': 'applied'}
    assert room.name == 'Renamed in Zoom'
    assert room.data['password'] == '99887766'
    assert room.data['description'] == 'New'
    # Zoom's payload has no join_url: exactly one GET brings the link with the new passcode
    assert room.data['join_url'] == sim_object(zoom_sim, zoom_id)['join_url'] != old_join_url
    assert [(r['method'], r['path']) for r in zoom_sim.requests()] == [('GET', f'/v2/meetings/{zoom_id}')]
    # Zoom delivers it again: nothing more happens
    logs = EventLogEntry.query.filter_by(event=event).count()
    resp = replay(test_client, body, headers)
    assert resp.json == {'status': 'duplicate'}
    assert EventLogEntry.query.filter_by(event=event).count() == logs
    assert len(zoom_sim.requests()) == 1


def test_settings_updated_from_zoom_without_calls(test_client, room, zoom_sim, receiver):
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.updated', room.data['zoom_id'],
                              changes={'settings': {'waiting_room': True, 'host_video': True}, 'duration': 45})
    zoom_sim.clear_requests()
    resp = replay(test_client, body, headers)
    assert resp.status_code == 200
    assert room.data['waiting_room'] is True
    assert room.data['mute_host_video'] is False
    assert room.data['zoom']['duration'] == 45
    assert zoom_sim.requests() == []


def test_tampered_or_stale_deliveries_are_refused(test_client, room, zoom_sim, receiver):
    zoom_id = room.data['zoom_id']
    before = json.dumps(room.data, sort_keys=True), room.name
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.updated', zoom_id, changes={'topic': 'Evil'})
    assert replay(test_client, body.replace(b'Evil', b'Evel'), headers).status_code == 401
    forged = [(k, 'v0=' + '0' * 64 if k.lower() == 'x-zm-signature' else v) for k, v in headers]
    assert replay(test_client, body, forged).status_code == 401
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.updated', zoom_id, changes={'topic': 'Old news'},
                              timestamp=int(time.time()) - 600)
    assert replay(test_client, body, headers).status_code == 401
    assert (json.dumps(room.data, sort_keys=True), room.name) == before


def test_meeting_deleted_from_zoom(test_client, zoom_room_event, zoom_sim, receiver, smtp):
    room, event = zoom_room_event
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.deleted', room.data['zoom_id'])
    assert zoom_sim.meetings() == []
    resp = replay(test_client, body, headers)
    assert resp.status_code == 200
    assert room.status == VCRoomStatus.deleted
    entry = (EventLogEntry.query.filter_by(event=event, realm=EventLogRealm.management)
             .order_by(EventLogEntry.id.desc()).first())
    assert entry.summary == 'Zoom meeting "Webhook meeting" was deleted on Zoom'
    assert len(smtp.outbox) == 1
    assert event.creator.email in smtp.outbox[0].details.rcpttos
    assert replay(test_client, body, headers).json == {'status': 'ignored'}
    assert len(smtp.outbox) == 1


def test_conversions_from_zoom(test_client, room, zoom_sim, receiver):
    zoom_id = room.data['zoom_id']
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.converted_to_webinar', zoom_id)
    zoom_sim.clear_requests()
    assert replay(test_client, body, headers).json == {'status': 'applied'}
    assert room.data['meeting_type'] == 'webinar'
    assert room.data['join_url'] == sim_object(zoom_sim, zoom_id)['join_url']
    assert zoom_sim.requests() == []
    # the room is found under its new kind
    body, headers = from_zoom(zoom_sim, receiver, 'webinar.updated', zoom_id, changes={'topic': 'Webinar now'})
    assert replay(test_client, body, headers).json == {'status': 'applied'}
    assert room.name == 'Webinar now'
    body, headers = from_zoom(zoom_sim, receiver, 'webinar.converted_to_meeting', zoom_id)
    assert replay(test_client, body, headers).json == {'status': 'applied'}
    assert room.data['meeting_type'] == 'meeting'
    assert room.data['join_url'] == sim_object(zoom_sim, zoom_id)['join_url']
    body, headers = from_zoom(zoom_sim, receiver, 'meeting.deleted', zoom_id)
    assert replay(test_client, body, headers).json == {'status': 'applied'}
    assert room.status == VCRoomStatus.deleted
    assert zoom_sim.requests() == []
