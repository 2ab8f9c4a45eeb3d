"""Phone dial-in through the real stack: stored from the simulator's meetings, shown for people, following Zoom.

Who may see it is the protection matrix's business (``test_protection_matrix.py``); here: what is stored and when,
how it reads, that page views cost no Zoom call, the admins' switch, and changes made on Zoom or in Indico.
"""

import json
import time

import pytest

from tests.conftest import WEBHOOK_TOKEN
from zoom_simulator.webhooks import sign


US_NUMBERS = ['+1 6465588656', '+1 6699006833', '+1 3462487799', '+1 8884754499']
#: nothing listens here: the simulator changes its state and the test replays the payload itself
NO_RECEIVER = 'http://127.0.0.1:9/unreachable'


def sim_meeting(zoom_sim, zoom_id):
    return next(m for m in zoom_sim.meetings() if m['id'] == zoom_id)


def grouped(zoom_id):
    digits = str(zoom_id)
    return f'{digits[:3]} {digits[3:7]} {digits[7:]}'


def webhook_from_zoom(test_client, zoom_sim, event, zoom_id, changes):
    """Have the simulator change the meeting as Zoom would, then deliver Zoom's signed webhook about it."""
    result = zoom_sim.send_webhook(event, zoom_id, changes=changes, url=NO_RECEIVER, secret=WEBHOOK_TOKEN)
    body = json.dumps(result['sent']).encode()
    timestamp = str(int(time.time()))
    zoom_sim.clear_requests()
    resp = test_client.post('/api/plugin/zoom/webhook', data=body, content_type='application/json',
                            headers={'x-zm-request-timestamp': timestamp,
                                     'x-zm-signature': sign(WEBHOOK_TOKEN, timestamp, body)})
    assert resp.status_code == 200, resp.data
    return resp


def test_create_stores_what_zoom_says(zoom_room_event, zoom_sim):
    room, event = zoom_room_event
    meeting = sim_meeting(zoom_sim, room.data['zoom_id'])
    assert meeting['pstn_password'] == '12345678'
    assert room.data['dial_in'] == {
        'meeting_id': str(meeting['id']), 'passcode': '12345678', 'countries': ['US'],
        'numbers': [{k: n[k] for k in ('country', 'country_name', 'city', 'number', 'type')}
                    for n in meeting['settings']['global_dial_in_numbers']]}
    assert [n['number'] for n in room.data['dial_in']['numbers']] == US_NUMBERS


def test_pages_show_it_for_people_without_asking_zoom(zoom_room_event, zoom_host, login, test_client, zoom_sim):
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    client = login(zoom_host)
    for url in (f'/event/{event.id}/', f'/event/{event.id}/manage/videoconference/'):
        page = client.get(url).get_data(as_text=True)
        assert 'Join by phone' in page
        assert f'US (New York): <a href="tel:+16465588656,,{zoom_id}#,,,,*12345678#">+1 6465588656</a>' in page
        assert f'US (toll-free): <a href="tel:+18884754499,,{zoom_id}#,,,,*12345678#">+1 8884754499</a>' in page
        assert f'<dd>{grouped(zoom_id)}</dd>' in page
        assert '<dt>Phone passcode</dt>' in page
    # the default visibility is "logged-in users": nothing of it for anonymous visitors
    page = test_client.get(f'/event/{event.id}/').get_data(as_text=True)
    assert 'Join by phone' not in page
    assert '6465588656' not in page
    assert zoom_sim.requests() == []  # stored at create: page views never ask Zoom


def test_admins_can_switch_it_off(db, zoom_room_event, zoom_host, login, test_client, zoom_plugin):
    room, event = zoom_room_event
    assoc = event.vc_room_associations[0]
    assoc.data = {**assoc.data, 'password_visibility': 'everyone'}
    db.session.flush()
    zoom_plugin.settings.set('show_dial_in', False)
    client = login(zoom_host)
    page = client.get(f'/event/{event.id}/').get_data(as_text=True)
    assert room.data['join_url'] in page.replace('&amp;', '&')  # the link is still there ...
    assert '6465588656' not in page  # ... the phone numbers are not
    assert 'Join by phone' not in page
    [entry] = test_client.get(f'/export/event/{event.id}.json?nc=yes').json['results'][0]['videoconference']
    assert entry['url'] == room.data['join_url']
    assert entry['dial_in'] is None
    zoom_plugin.settings.set('show_dial_in', True)
    [entry] = test_client.get(f'/export/event/{event.id}.json?nc=yes').json['results'][0]['videoconference']
    assert entry['dial_in']['numbers'][0]['number'] == US_NUMBERS[0]


def test_calendar_and_email_carry_it(db, zoom_room_event, zoom_host, login, smtp):
    room, event = zoom_room_event
    assoc = event.vc_room_associations[0]
    assoc.data = {**assoc.data, 'password_visibility': 'everyone'}
    db.session.flush()
    ics = login(zoom_host).get(f'/event/{event.id}/event.ics').get_data(as_text=True)
    ics = ics.replace('\r\n ', '').replace('\\n', '\n').replace('\\,', ',')
    assert 'Join by phone:\n  US (New York): +1 6465588656' in ics
    assert f'Meeting ID: {grouped(room.data["zoom_id"])}\n  Phone passcode: 12345678' in ics
    # the creation e-mail (to the manager, host and admins) has it beside the link
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Second meeting', 'vc-password': '24681357', 'vc-password_visibility': 'no_one',
        'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y', 'vc-meeting_type': 'meeting'})
    assert resp.status_code == 200
    [mail] = [m for m in smtp.outbox if 'Second meeting' in m['Subject']]
    text = '\n'.join(part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart())
    assert 'Join by phone:</strong> US (New York) +1 6465588656; US (San Jose) +1 6699006833' in text
    assert 'phone passcode:</strong> 24681357' in text


def test_numbers_follow_other_countries_set_on_zoom(zoom_room_event, test_client, zoom_sim):
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    webhook_from_zoom(test_client, zoom_sim, 'meeting.updated', zoom_id,
                      {'settings': {'global_dial_in_countries': ['CH', 'DE']}})
    # Zoom's payload names the countries, not their numbers: one GET brings them
    assert [(r['method'], r['path']) for r in zoom_sim.requests()] == [('GET', f'/v2/meetings/{zoom_id}')]
    assert room.data['dial_in']['countries'] == ['CH', 'DE']
    assert [(n['country_name'], n['city']) for n in room.data['dial_in']['numbers']] == [
        ('Switzerland', 'Zurich'), ('Switzerland', 'Geneva'), ('Switzerland', ''), ('Germany', 'Frankfurt'),
        ('Germany', 'Berlin'), ('Germany', '')]


def test_phone_passcode_follows_passcode_changes(zoom_room_event, zoom_host, login, test_client, zoom_sim):
    room, event = zoom_room_event
    zoom_id = room.data['zoom_id']
    # on Zoom, a passcode with letters: the phone one is derived from it, and arrives with the GET that brings
    # the new join link
    webhook_from_zoom(test_client, zoom_sim, 'meeting.updated', zoom_id, {'password': 'Abc123xyz'})
    phone = sim_meeting(zoom_sim, zoom_id)['pstn_password']
    assert phone.isdigit()
    assert phone != room.data['password'] == 'Abc123xyz'
    assert room.data['dial_in']['passcode'] == phone
    # the phone passcode is a secret of the meeting like the others: not in its description
    client = login(zoom_host)
    url = f'/event/{event.id}/manage/videoconference/zoom/{room.events[0].id}/'  # the link's id, not the room's
    resp = client.post(url, {'vc-name': room.name, 'vc-description': f'Dial in with passcode {phone}',
                             'vc-password': 'Abc123xyz', 'vc-password_visibility': 'logged_in',
                             'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y'})
    assert 'contains the passcode' in resp.get_data(as_text=True)
    assert room.data['description'] != f'Dial in with passcode {phone}'
    # set in Indico (digits only), the passcode is also the phone passcode, as Zoom has it
    resp = client.post(url, {'vc-name': room.name, 'vc-description': 'desc', 'vc-password': '55554444',
                             'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself',
                             'vc-linking': 'event', 'vc-show': 'y'})
    assert resp.status_code == 200, resp.data
    assert room.data['dial_in']['passcode'] == '55554444' == sim_meeting(zoom_sim, zoom_id)['pstn_password']


@pytest.mark.parametrize(('meeting_id', 'shown'), (('81234567890', '812 3456 7890'), ('8123456789', '812 345 6789'),
                                                   ('812345678', '812 345 678'), ('8123456', '8123456')))
def test_meeting_id_grouped_as_zoom_writes_it(meeting_id, shown):
    from indico_vc_zoom.dialin import format_meeting_id
    assert format_meeting_id(meeting_id) == shown

