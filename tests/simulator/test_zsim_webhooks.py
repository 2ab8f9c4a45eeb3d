"""Webhooks: state change, Zoom's payload shapes, signing, URL validation."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from zoom_simulator import sign
from zoom_simulator.webhooks import encrypt_token


SECRET = 'webhook-secret-token'


class Receiver:
    """A tiny HTTP endpoint standing in for Indico's webhook view."""

    def __init__(self):
        self.received = []
        self.reply = lambda body: (200, '')  # (status, text) for a parsed request body
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers['Content-Length']))
                receiver.received.append({'path': self.path, 'headers': dict(self.headers), 'raw': raw})
                status, text = receiver.reply(json.loads(raw))
                data = text.encode()
                self.send_response(status)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/zoom/webhook'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(sim):
    rec = Receiver()
    sim.configure(webhook_url=rec.url, webhook_secret=SECRET)
    yield rec
    rec.close()


def _check_signature(request, secret=SECRET):
    """Verify like Indico must: HMAC-SHA256 over v0:{timestamp}:{body}, computed here independently."""
    headers = {k.lower(): v for k, v in request['headers'].items()}
    timestamp = headers['x-zm-request-timestamp']
    assert abs(int(timestamp) - time.time()) < 60
    expected = 'v0=' + hmac.new(secret.encode(), f'v0:{timestamp}:'.encode() + request['raw'],
                                hashlib.sha256).hexdigest()
    assert headers['x-zm-signature'] == expected
    assert headers['content-type'] == 'application/json'


def test_sign_matches_independent_hmac():
    body = b'{"event": "meeting.deleted"}'
    expected = hmac.new(b'k', b'v0:1700000000:' + body, hashlib.sha256).hexdigest()
    assert sign('k', 1700000000, body) == f'v0={expected}'
    assert sign('k', '1700000000', body.decode()) == f'v0={expected}'
    assert sign('other', 1700000000, body) != f'v0={expected}'


def test_meeting_updated(api, sim, receiver):
    receiver.reply = lambda body: (200, 'thanks')
    meeting = api.create(topic='Old', password='oldpw', settings={'waiting_room': False, 'mute_upon_entry': True})
    changes = {'topic': 'New', 'password': '123456', 'settings': {'waiting_room': True},
               'start_time': '2031-05-06T07:08:09Z'}
    result = sim.send_webhook('meeting.updated', meeting['id'], changes)
    assert (result['status'], result['body']) == (200, 'thanks')

    [request] = receiver.received
    assert request['path'] == '/zoom/webhook'
    _check_signature(request)
    sent = json.loads(request['raw'])
    assert sent == result['sent']
    assert sent['event'] == 'meeting.updated'
    assert isinstance(sent['event_ts'], int) and sent['event_ts'] > 1_600_000_000_000
    payload = sent['payload']
    alice = api.get('/users/me').json()
    assert (payload['account_id'], payload['operator'], payload['operator_id'], payload['operation']) == \
        ('sim-account', 'alice@example.com', alice['id'], 'single')
    assert isinstance(payload['time_stamp'], int)
    assert payload['object'] == {'id': meeting['id'], 'uuid': meeting['uuid'], 'topic': 'New', 'password': '123456',
                                 'settings': {'waiting_room': True}, 'start_time': '2031-05-06T07:08:09Z'}
    assert payload['old_object'] == {'id': meeting['id'], 'uuid': meeting['uuid'], 'topic': 'Old',
                                     'password': 'oldpw', 'settings': {'waiting_room': False},
                                     'start_time': meeting['start_time']}
    # the change is in the simulator's state, merged
    now = api.get(f'/meetings/{meeting["id"]}').json()
    assert (now['topic'], now['password'], now['start_time']) == ('New', '123456', '2031-05-06T07:08:09Z')
    assert now['settings']['waiting_room'] is True
    assert now['settings']['mute_upon_entry'] is True
    assert now['join_url'] != meeting['join_url']


def test_meeting_deleted(api, sim, receiver):
    meeting = api.create(topic='Doomed', timezone='Europe/Zurich')
    result = sim.send_webhook('meeting.deleted', meeting['id'])
    assert result['status'] == 200
    _check_signature(receiver.received[0])
    sent = result['sent']
    assert sent['event'] == 'meeting.deleted'
    payload = sent['payload']
    assert payload['operation'] == 'single'
    assert payload['operator'] == 'alice@example.com'
    assert payload['object'] == {k: meeting[k] for k in ('uuid', 'id', 'host_id', 'topic', 'type', 'start_time',
                                                         'duration', 'timezone')}
    assert api.get(f'/meetings/{meeting["id"]}').status_code == 404


def test_webinar_updated_and_deleted(api, sim, receiver):
    webinar = api.create('webinar', topic='Talk')
    sim.send_webhook('webinar.updated', webinar['id'], {'agenda': 'New agenda'})
    updated = json.loads(receiver.received[0]['raw'])
    assert updated['event'] == 'webinar.updated'
    assert updated['payload']['object'] == {'id': webinar['id'], 'uuid': webinar['uuid'], 'agenda': 'New agenda'}
    assert updated['payload']['old_object'] == {'id': webinar['id'], 'uuid': webinar['uuid'], 'agenda': ''}
    assert api.get(f'/webinars/{webinar["id"]}').json()['agenda'] == 'New agenda'

    deleted = sim.send_webhook('webinar.deleted', webinar['id'])['sent']
    assert deleted['event'] == 'webinar.deleted'
    assert deleted['payload']['object']['id'] == webinar['id']
    assert deleted['payload']['object']['type'] == 5
    assert api.get(f'/webinars/{webinar["id"]}').status_code == 404
    assert len(receiver.received) == 2
    for request in receiver.received:
        _check_signature(request)


@pytest.mark.parametrize(('meeting_type', 'webinar_type'), [(2, 5), (3, 6)])
def test_meeting_converted_to_webinar_and_back(api, sim, receiver, meeting_type, webinar_type):
    meeting = api.create(type=meeting_type, topic='Grows', password='pw')
    result = sim.send_webhook('meeting.converted_to_webinar', meeting['id'])
    sent = result['sent']
    assert sent['event'] == 'meeting.converted_to_webinar'
    obj = sent['payload']['object']
    assert {k: obj[k] for k in ('id', 'uuid', 'host_id', 'topic')} == \
        {k: meeting[k] for k in ('id', 'uuid', 'host_id', 'topic')}
    assert obj['type'] == webinar_type
    assert obj['join_url'] != meeting['join_url']
    assert api.get(f'/meetings/{meeting["id"]}').status_code == 404
    webinar = api.get(f'/webinars/{meeting["id"]}').json()
    assert (webinar['type'], webinar['join_url'], webinar['password']) == (webinar_type, obj['join_url'], 'pw')
    assert 'panelists_video' in webinar['settings']

    back = sim.send_webhook('webinar.converted_to_meeting', meeting['id'])['sent']
    assert back['event'] == 'webinar.converted_to_meeting'
    assert back['payload']['object']['type'] == meeting_type
    assert api.get(f'/meetings/{meeting["id"]}').json()['join_url'] == meeting['join_url']
    assert api.get(f'/webinars/{meeting["id"]}').status_code == 404
    _check_signature(receiver.received[-1])


def test_url_validation(sim, receiver):
    def good(body):
        plain = body['payload']['plainToken']
        return 200, json.dumps({'plainToken': plain, 'encryptedToken': encrypt_token(SECRET, plain)})

    receiver.reply = good
    result = sim.send_webhook('endpoint.url_validation')
    assert result['valid'] is True
    sent = json.loads(receiver.received[0]['raw'])
    assert sent['event'] == 'endpoint.url_validation'
    assert isinstance(sent['payload']['plainToken'], str) and sent['payload']['plainToken']
    _check_signature(receiver.received[0])
    # the reply is checked against an HMAC of the plain token with the secret
    plain = sent['payload']['plainToken']
    assert json.loads(result['body'])['encryptedToken'] == hmac.new(SECRET.encode(), plain.encode(),
                                                                    hashlib.sha256).hexdigest()


@pytest.mark.parametrize('reply', [
    lambda body: (200, json.dumps({'plainToken': body['payload']['plainToken'], 'encryptedToken': 'nope'})),
    lambda body: (200, json.dumps({'plainToken': 'other', 'encryptedToken': encrypt_token(SECRET, 'other')})),
    lambda body: (200, 'not json'),
    lambda body: (401, ''),
], ids=['bad-hmac', 'wrong-token', 'not-json', 'refused'])
def test_url_validation_invalid(sim, receiver, reply):
    receiver.reply = reply
    assert sim.send_webhook('endpoint.url_validation')['valid'] is False


def test_url_and_secret_overrides(api, sim, receiver):
    meeting = api.create()
    result = sim.send_webhook('meeting.updated', meeting['id'], {'topic': 'x'}, url=receiver.url + '?alt=1',
                              secret='other-secret')
    assert result['status'] == 200
    assert receiver.received[0]['path'] == '/zoom/webhook?alt=1'
    _check_signature(receiver.received[0], secret='other-secret')


def test_receiver_status_and_body_are_reported(api, sim, receiver):
    receiver.reply = lambda body: (403, 'bad signature')
    meeting = api.create()
    result = sim.send_webhook('meeting.deleted', meeting['id'])
    assert (result['status'], result['body']) == (403, 'bad signature')


def test_receiver_may_call_back_the_api_while_handling(api, sim, receiver):
    """Indico fetches the meeting from Zoom while it handles the webhook: no deadlock, sees the new state."""
    meeting = api.create(topic='Before')

    def call_back(body):
        fetched = api.get(f'/meetings/{body["payload"]["object"]["id"]}', timeout=5).json()
        return 200, fetched['topic']

    receiver.reply = call_back
    assert sim.send_webhook('meeting.updated', meeting['id'], {'topic': 'After'})['body'] == 'After'


def test_webhook_errors(api, sim, http):
    meeting = api.create()
    url = f'{sim.url}/_simulator/webhook'
    # no webhook_url configured
    assert http.post(url, json={'event': 'meeting.deleted', 'id': meeting['id']}).status_code == 400
    sim.configure(webhook_url='http://127.0.0.1:9/unreachable', webhook_secret=SECRET)
    assert http.post(url, json={'event': 'meeting.exploded', 'id': meeting['id']}).status_code == 400
    resp = http.post(url, json={'event': 'meeting.deleted', 'id': 1})
    assert resp.status_code == 404
    assert resp.json()['code'] == 3001
    assert http.post(url, json={'event': 'meeting.updated', 'id': meeting['id']}).status_code == 400
    bad = http.post(url, json={'event': 'meeting.updated', 'id': meeting['id'], 'changes': {'type': 5}})
    assert bad.status_code == 400
    assert bad.json()['errors'][0]['field'] == 'type'
    # an unreachable receiver is reported, and the state change still happened
    result = http.post(url, json={'event': 'meeting.updated', 'id': meeting['id'], 'changes': {'topic': 'Z'}}).json()
    assert result['status'] is None
    assert result['error']
    assert api.get(f'/meetings/{meeting["id"]}').json()['topic'] == 'Z'


def test_webhook_requests_are_not_in_the_api_log(api, sim, receiver):
    meeting = api.create()
    sim.clear_requests()
    sim.send_webhook('meeting.deleted', meeting['id'])
    assert sim.requests(None) == []


def test_signature_over_exact_bytes(sim, receiver, api):
    meeting = api.create(topic='Ünïcode topic')
    sim.send_webhook('meeting.updated', meeting['id'], {'topic': 'Ωmega'})
    request = receiver.received[0]
    _check_signature(request)
    assert json.loads(request['raw'])['payload']['object']['topic'] == 'Ωmega'


def test_plugin_can_reuse_sign_for_its_own_requests(receiver):
    body = json.dumps({'event': 'meeting.deleted', 'payload': {}}).encode()
    ts = str(int(time.time()))
    session = requests.Session()
    session.trust_env = False
    session.post(receiver.url, data=body, headers={'Content-Type': 'application/json', 'x-zm-request-timestamp': ts,
                                                   'x-zm-signature': sign(SECRET, ts, body)})
    _check_signature(receiver.received[0])
