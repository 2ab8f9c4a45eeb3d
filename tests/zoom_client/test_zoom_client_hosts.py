"""Assistants, schedulers and scheduling for another user (issue 12.1) against the simulator."""

import pytest

from indico_vc_zoom.zoom import ZoomNotFound, ZoomRateLimited, ZoomSchedulingRefused, ZoomValidationError

from .conftest import HOST_EMAIL, MEETING, WEBINAR, api_calls


ASSISTANT_EMAIL = 'assistant@example.com'


@pytest.fixture
def assistant(zoom_sim):
    return zoom_sim.add_user(ASSISTANT_EMAIL, first_name='Ada', last_name='Assistant')


def test_assistants_and_schedulers(client, host, assistant):
    client.add_assistants(host, [{'email': ASSISTANT_EMAIL}])
    assert [a['id'] for a in client.list_assistants(host)] == [assistant['id']]
    [scheduler] = client.list_schedulers(ASSISTANT_EMAIL)
    assert scheduler['email'] == HOST_EMAIL
    assert isinstance(scheduler['pmi'], int)
    assert client.delete_assistant(host, assistant['id']) is None
    assert client.list_assistants(host) == []
    assert client.list_schedulers(ASSISTANT_EMAIL) == []
    with pytest.raises(ZoomNotFound):
        client.delete_assistant(host, assistant['id'])


def test_create_for_a_host_as_its_assistant(client, host, assistant, zoom_sim):
    client.add_assistants(host, [{'email': ASSISTANT_EMAIL}])
    meeting = client.create_meeting(ASSISTANT_EMAIL, MEETING, schedule_for=HOST_EMAIL)
    assert meeting['host_email'] == HOST_EMAIL
    assert meeting['assistant_id'] == assistant['id']
    [post] = api_calls(zoom_sim, 'POST', r'/meetings$')
    assert post['path'] == f'/v2/users/{ASSISTANT_EMAIL}/meetings'
    assert post['body']['schedule_for'] == HOST_EMAIL
    assert zoom_sim.meetings()[0]['_simulator']['scheduler_email'] == ASSISTANT_EMAIL
    assert 'schedule_for' not in MEETING  # the caller's dict is left alone


def test_scheduling_refused_is_typed_and_names_the_host(client, host, assistant):
    """Zoom: 400/3000 'You cannot schedule a meeting for {user}' without scheduling privilege."""
    with pytest.raises(ZoomSchedulingRefused) as exc_info:
        client.create_meeting(ASSISTANT_EMAIL, MEETING, schedule_for=HOST_EMAIL)
    err = exc_info.value
    assert isinstance(err, ZoomValidationError)
    assert (err.status_code, err.code, err.target_user) == (400, 3000, HOST_EMAIL)
    assert HOST_EMAIL in str(err)


def test_host_change_through_update(client, host, assistant, zoom_sim):
    client.add_assistants(host, [{'email': ASSISTANT_EMAIL}])
    meeting = client.create_meeting(ASSISTANT_EMAIL, MEETING)
    with pytest.raises(ZoomNotFound):  # an unknown user is not a refusal
        client.update_meeting(meeting['id'], {}, schedule_for='ghost@example.com')
    zoom_sim.add_user('other@example.com')
    with pytest.raises(ZoomSchedulingRefused) as exc_info:
        client.update_meeting(meeting['id'], {'topic': 'Moved'}, schedule_for='other@example.com')
    assert exc_info.value.target_user == 'other@example.com'
    client.update_meeting(meeting['id'], {'topic': 'Moved'}, schedule_for=HOST_EMAIL)
    moved = client.get_meeting(meeting['id'])
    assert (moved['host_email'], moved['topic']) == (HOST_EMAIL, 'Moved')


def test_daily_limit_names_the_scheduling_user(client, host, assistant, zoom_sim):
    zoom_sim.configure(daily_limit=1)
    client.add_assistants(host, [{'email': ASSISTANT_EMAIL}])
    client.create_meeting(ASSISTANT_EMAIL, MEETING, schedule_for=HOST_EMAIL)
    with pytest.raises(ZoomRateLimited) as exc_info:
        client.create_meeting(ASSISTANT_EMAIL, MEETING, schedule_for=HOST_EMAIL)
    assert exc_info.value.daily
    assert exc_info.value.user == ASSISTANT_EMAIL
    # the host's own budget is still there
    assert client.create_meeting(HOST_EMAIL, MEETING)['host_email'] == HOST_EMAIL


def test_webinar_for_a_host(client, host, assistant, zoom_sim):
    # the spec subset has no webinar schedule_for, so strict mode would refuse the key
    zoom_sim.configure(spec=None)
    client.add_assistants(host, [{'email': ASSISTANT_EMAIL}])
    webinar = client.create_webinar(ASSISTANT_EMAIL, WEBINAR, schedule_for=HOST_EMAIL)
    assert webinar['host_email'] == HOST_EMAIL
