"""After a meeting: participant reports and recordings through the client (issue 14.5)."""

import pytest

from indico_vc_zoom.zoom import WEBINAR, ZoomNoRecording, ZoomNotFound, ZoomPlanRequired, ZoomValidationError

from .conftest import MEETING, api_calls
from .conftest import WEBINAR as WEBINAR_DATA


def _run(zoom_sim, obj_id, people):
    zoom_sim.run('start', obj_id)
    for email in people:
        zoom_sim.run('join', obj_id, participant={'name': email.split('@')[0], 'email': email})
    return zoom_sim.run('end', obj_id)['run']


def test_past_participants_all_pages(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    people = [f'p{i:02}@example.org' for i in range(7)]
    uuid = _run(zoom_sim, meeting['id'], people)
    rows = list(client.iter_past_participants(uuid, page_size=3))
    assert [r['user_email'] for r in rows] == people
    assert len(api_calls(zoom_sim, 'GET', r'/participants$')) == 3
    assert [r['user_email'] for r in client.list_past_participants(uuid)] == people
    assert client.stats[('GET', '/past_meetings/{meetingId}/participants')] == 4


def test_uuid_that_needs_double_encoding(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    zoom_sim.simulator.state.objects['meeting'][meeting['id']]['uuid'] = '//xY+z/w=='
    uuid = _run(zoom_sim, meeting['id'], ['a@example.org', 'b@example.org'])
    assert uuid == '//xY+z/w=='
    assert len(client.list_past_participants(uuid)) == 2
    [call] = api_calls(zoom_sim, 'GET', r'/participants$')
    assert call['path'] == '/v2/past_meetings/%252F%252FxY%252Bz%252Fw%253D%253D/participants'  # encoded twice


def test_webinar_report(client, host, zoom_sim):
    webinar = client.create_webinar(host, WEBINAR_DATA)
    uuid = _run(zoom_sim, webinar['id'], ['a@example.org', 'b@example.org'])
    assert len(client.list_past_participants(uuid, kind=WEBINAR)) == 2


def test_report_errors_are_typed(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    with pytest.raises(ZoomNotFound):
        client.list_past_participants(meeting['uuid'])  # never ran
    zoom_sim.configure(paid_account=False)
    with pytest.raises(ZoomPlanRequired) as exc_info:
        client.list_past_participants(meeting['uuid'])
    err = exc_info.value
    assert isinstance(err, ZoomValidationError)
    assert (err.status_code, err.code) == (400, 200)
    assert 'paid account' in err.message


def test_recordings(client, host, zoom_sim):
    meeting = client.create_meeting(host, MEETING)
    with pytest.raises(ZoomNoRecording) as exc_info:
        client.get_meeting_recordings(meeting['id'])
    assert (exc_info.value.status_code, exc_info.value.code) == (404, 3301)
    uuid = _run(zoom_sim, meeting['id'], ['a@example.org'])
    zoom_sim.run('recording_completed', meeting['id'])
    recording = client.get_meeting_recordings(meeting['id'])
    assert recording['uuid'] == uuid
    assert [f['file_type'] for f in recording['recording_files']] == ['MP4', 'M4A']
    assert client.get_meeting_recordings(uuid)['share_url'] == recording['share_url']
    zoom_sim.run('recording_trashed', meeting['id'])
    with pytest.raises(ZoomNoRecording):
        client.get_meeting_recordings(uuid)
