"""Dial-in details of meetings and webinars as the client returns them (issue 20.1)."""

from indico_vc_zoom.zoom import dial_in

from .conftest import MEETING, WEBINAR


def test_dial_in_of_a_meeting(client, host):
    meeting = client.create_meeting(host, {**MEETING, 'password': 'x7Y*z',
                                           'settings': {'global_dial_in_countries': ['CH', 'US']}})
    info = dial_in(client.get_meeting(meeting['id']))
    assert info['meeting_id'] == str(meeting['id'])
    assert info['passcode'].isdigit()
    assert info['passcode'] == meeting['pstn_password']
    assert info['countries'] == ['CH', 'US']
    assert {n['country'] for n in info['numbers']} == {'CH', 'US'}
    assert {n['type'] for n in info['numbers']} == {'toll', 'tollfree'}


def test_dial_in_without_passcode(client, host):
    webinar = client.create_webinar(host, {**WEBINAR, 'password': ''})
    info = dial_in(webinar)
    assert info['passcode'] == ''
    assert info['countries'] == ['US']
    assert info['numbers']
