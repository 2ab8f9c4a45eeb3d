"""Registrant methods of the client against the simulator (issue 13.5)."""

import pytest

from indico_vc_zoom.zoom import (
    WEBINAR,
    ZoomNotFound,
    ZoomRegistrantNotFound,
    ZoomRegistrationDisabled,
    ZoomRegistrationFull,
    ZoomValidationError,
)

from .conftest import MEETING, api_calls
from .conftest import WEBINAR as WEBINAR_DATA


def _meeting(client, host, approval_type=0):
    return client.create_meeting(host, {**MEETING, 'settings': {'approval_type': approval_type}})


def test_add_get_list_delete(client, host, zoom_sim):
    meeting = _meeting(client, host)
    reply = client.add_registrant(meeting['id'], {'email': 'r@example.com', 'first_name': 'R', 'last_name': 'S'})
    assert reply['join_url'] and reply['registrant_id']
    registrant = client.get_registrant(meeting['id'], reply['registrant_id'])
    assert (registrant['email'], registrant['status']) == ('r@example.com', 'approved')
    assert [r['id'] for r in client.list_registrants(meeting['id'])] == [reply['registrant_id']]
    assert client.delete_registrant(meeting['id'], reply['registrant_id']) is None
    assert client.list_registrants(meeting['id']) == []
    with pytest.raises(ZoomRegistrantNotFound) as exc_info:
        client.get_registrant(meeting['id'], reply['registrant_id'])
    assert isinstance(exc_info.value, ZoomNotFound)
    with pytest.raises(ZoomRegistrantNotFound):
        client.delete_registrant(meeting['id'], reply['registrant_id'])
    assert client.stats[('GET', '/meetings/{meetingId}/registrants')] == 2


def test_listing_follows_every_page(client, host, zoom_sim):
    meeting = _meeting(client, host)
    people = [{'email': f'p{i:02}@example.com', 'first_name': f'P{i}'} for i in range(65)]
    added = client.add_registrants(meeting['id'], people)
    assert [a['email'] for a in added] == [p['email'] for p in people]
    assert len(api_calls(zoom_sim, 'POST', r'/batch_registrants$')) == 3  # 30 + 30 + 5
    emails = [r['email'] for r in client.iter_registrants(meeting['id'], page_size=20)]
    assert emails == [p['email'] for p in people]
    listing = api_calls(zoom_sim, 'GET', r'/registrants$')
    assert len(listing) == 4
    assert [bool(c['query'].get('next_page_token')) for c in listing] == [False, True, True, True]


def test_approval_flow(client, host):
    meeting = _meeting(client, host, approval_type=1)
    a = client.add_registrant(meeting['id'], {'email': 'a@example.com', 'first_name': 'A'})
    client.add_registrant(meeting['id'], {'email': 'b@example.com', 'first_name': 'B'})
    client.add_registrant(meeting['id'], {'email': 'c@example.com', 'first_name': 'C'}, auto_approve=True)
    assert [r['email'] for r in client.list_registrants(meeting['id'], status='pending')] == [
        'a@example.com', 'b@example.com']
    client.update_registrant_status(meeting['id'], 'approve', [a['registrant_id'], 'b@example.com'])
    assert len(client.list_registrants(meeting['id'])) == 3
    client.update_registrant_status(meeting['id'], 'deny', ['c@example.com'])
    assert [r['email'] for r in client.list_registrants(meeting['id'], status='denied')] == ['c@example.com']
    with pytest.raises(ValueError):
        client.update_registrant_status(meeting['id'], 'ban', ['c@example.com'])
    with pytest.raises(ValueError):
        client.list_registrants(meeting['id'], status='cancelled')


def test_registration_disabled_is_typed(client, host):
    meeting = _meeting(client, host, approval_type=2)
    for call in (lambda: client.list_registrants(meeting['id']),
                 lambda: client.add_registrant(meeting['id'], {'email': 'x@example.com', 'first_name': 'X'}),
                 lambda: client.add_registrants(meeting['id'], [{'email': 'x@example.com', 'first_name': 'X'}]),
                 lambda: client.delete_registrant(meeting['id'], 'x')):
        with pytest.raises(ZoomRegistrationDisabled) as exc_info:
            call()
        assert isinstance(exc_info.value, ZoomValidationError)
        assert not isinstance(exc_info.value, ZoomNotFound)  # the meeting itself exists


def test_capacity_is_typed(client, host, zoom_sim):
    zoom_sim.configure(registrant_limit=1)
    meeting = _meeting(client, host)
    client.add_registrant(meeting['id'], {'email': 'a@example.com', 'first_name': 'A'})
    with pytest.raises(ZoomRegistrationFull) as exc_info:
        client.add_registrant(meeting['id'], {'email': 'b@example.com', 'first_name': 'B'})
    assert exc_info.value.code == 3043


def test_webinar_registrants_and_questions(client, host):
    webinar = client.create_webinar(host, {**WEBINAR_DATA, 'settings': {'approval_type': 0}})
    client.update_registration_questions(webinar['id'], [{'field_name': 'org', 'required': True}],
                                         [{'title': 'Role', 'type': 'single_dropdown', 'answers': ['a', 'b']}],
                                         kind=WEBINAR)
    questions = client.get_registration_questions(webinar['id'], kind=WEBINAR)
    assert questions['questions'] == [{'field_name': 'org', 'required': True}]
    assert questions['custom_questions'][0]['type'] == 'single_dropdown'
    with pytest.raises(ZoomValidationError):
        client.add_registrant(webinar['id'], {'email': 'w@example.com', 'first_name': 'W'}, kind=WEBINAR)
    reply = client.add_registrant(webinar['id'], {'email': 'w@example.com', 'first_name': 'W', 'org': 'CERN'},
                                  kind=WEBINAR, auto_approve=True)  # ignored: the webinar call has none
    assert client.get_registrant(webinar['id'], reply['registrant_id'], kind=WEBINAR)['org'] == 'CERN'
    assert client.stats[('POST', '/webinars/{webinarId}/registrants')] == 2
