"""The API methods against the simulator: meetings, webinars, users, assistants, error replies."""

import pytest

from indico_vc_zoom.zoom import ZoomAuthError, ZoomError, ZoomNotFound, ZoomUnavailable, ZoomValidationError

from .conftest import MEETING, WEBINAR, api_calls, fault


def test_meeting_round_trip(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    assert meeting['topic'] == MEETING['topic']
    assert meeting['id']
    assert client.get_meeting(meeting['id'])['id'] == meeting['id']
    assert client.update_meeting(meeting['id'], {'topic': 'Renamed', 'duration': 45}) is None
    updated = client.get_meeting(meeting['id'])
    assert (updated['topic'], updated['duration']) == ('Renamed', 45)
    assert client.delete_meeting(meeting['id']) is None
    assert zoom_sim.meetings() == []
    with pytest.raises(ZoomNotFound) as exc_info:
        client.get_meeting(meeting['id'])
    assert (exc_info.value.status_code, exc_info.value.code) == (404, 3001)
    assert exc_info.value.message
    with pytest.raises(ZoomNotFound):
        client.delete_meeting(meeting['id'])
    assert [(r['method'], r['status']) for r in api_calls(zoom_sim)] == [
        ('POST', 201), ('GET', 200), ('PATCH', 204), ('GET', 200), ('DELETE', 204), ('GET', 404), ('DELETE', 404)
    ]
    assert client.stats == {
        ('POST', '/users/{userId}/meetings'): 1,
        ('GET', '/meetings/{meetingId}'): 3,
        ('PATCH', '/meetings/{meetingId}'): 1,
        ('DELETE', '/meetings/{meetingId}'): 2,
    }


def test_webinar_round_trip(client, host, zoom_sim):
    webinar = client.create_webinar(host, WEBINAR)
    assert webinar['topic'] == WEBINAR['topic']
    assert client.get_webinar(webinar['id'])['id'] == webinar['id']
    assert client.update_webinar(webinar['id'], {'topic': 'Renamed webinar'}) is None
    assert client.get_webinar(webinar['id'])['topic'] == 'Renamed webinar'
    assert client.delete_webinar(webinar['id']) is None
    with pytest.raises(ZoomNotFound) as exc_info:
        client.get_webinar(webinar['id'])
    assert exc_info.value.status_code == 404
    assert client.stats[('POST', '/users/{userId}/webinars')] == 1
    assert client.stats[('GET', '/webinars/{webinarId}')] == 3


def test_get_user_by_email_and_id(client, host):
    user = client.get_user(host)
    assert (user['email'], user['first_name'], user['last_name']) == (host, 'Hilda', 'Host')
    assert client.get_user(user['id'])['email'] == host


def test_unknown_user(client, zoom_sim):
    with pytest.raises(ZoomNotFound) as exc_info:
        client.get_user('nobody@example.com')
    err = exc_info.value
    assert (err.status_code, err.code) == (404, 1001)
    assert isinstance(err, ZoomError)
    assert '1001' in str(err)
    assert err.message in str(err)


def test_email_with_plus_is_quoted(client, zoom_sim):
    zoom_sim.add_user('a+b@example.com')
    assert client.get_user('a+b@example.com')['email'] == 'a+b@example.com'


def test_assistants(client, host, zoom_sim):
    zoom_sim.add_user('assistant@example.com')
    assert client.list_assistants(host) == []
    reply = client.add_assistants(host, [{'email': 'assistant@example.com'}])
    assert isinstance(reply, dict)
    assert [a['email'] for a in client.list_assistants(host)] == ['assistant@example.com']
    assert client.stats[('POST', '/users/{userId}/assistants')] == 1


def test_validation_error_from_simulator(client, host):
    with pytest.raises(ZoomValidationError) as exc_info:
        client.create_meeting(host, {**MEETING, 'type': 'two'})
    assert exc_info.value.status_code == 400
    assert exc_info.value.message


def test_validation_error_with_field_errors(client, host, zoom_sim):
    fault(zoom_sim, 'POST', r'/v2/users/.+/meetings', status=400,
                   body={'code': 300, 'message': 'Validation Failed.',
                         'errors': [{'field': 'settings.waiting_room', 'message': 'Invalid field.'}]})
    with pytest.raises(ZoomValidationError) as exc_info:
        client.create_meeting(host, MEETING)
    err = exc_info.value
    assert (err.status_code, err.code, err.message) == (400, 300, 'Validation Failed.')
    assert err.errors == [{'field': 'settings.waiting_room', 'message': 'Invalid field.'}]
    assert 'settings.waiting_room: Invalid field.' in str(err)
    assert len(api_calls(zoom_sim, 'POST')) == 1


def test_forbidden_is_auth_error(client, host, zoom_sim):
    fault(zoom_sim, 'GET', r'/v2/users/', status=403, body={'code': 200, 'message': 'No permission.'})
    with pytest.raises(ZoomAuthError) as exc_info:
        client.get_user(host)
    assert (exc_info.value.status_code, exc_info.value.code) == (403, 200)
    assert 'No permission.' in str(exc_info.value)
    assert len(api_calls(zoom_sim)) == 1


def test_non_json_error_body(client, host, zoom_sim):
    fault(zoom_sim, 'POST', r'/v2/users/.+/meetings', status=502, body='<html><body>Bad gateway</body></html>',
                   headers={'Content-Type': 'text/html'})
    with pytest.raises(ZoomUnavailable) as exc_info:
        client.create_meeting(host, MEETING)
    err = exc_info.value
    assert (err.status_code, err.code) == (502, None)
    assert '<html>' not in str(err)
    assert '502' in str(err)
