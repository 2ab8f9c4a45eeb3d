"""Zoom answering after the client's read timeout while carrying the change out (issue 18, point 1): every call of
unknown outcome is verified against Zoom and converged, in the request while the action's time budget lasts, else
by a task (run by Indico's task runner here). Short timeouts keep the tests fast: read timeout 1 s, delays 1.5-3 s."""

import time

import pytest
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation

from tests.test_meetings import (
    attach,
    create_url,
    edit_data,
    edit_url,
    form_data,
    form_errors,
    future_event,
    remove,
    zoom_calls,
)


MEETING_PATH = r'^/v2/meetings/\d+$'
CREATE_PATH = r'^/v2/users/[^/]+/meetings$'


@pytest.fixture
def manager_client(zoom_plugin, zoom_host, login, smtp):
    return login(zoom_host)


def slow_zoom(zoom_plugin, action_time_limit):
    zoom_plugin.settings.set_multi({'read_timeout': 1, 'action_time_limit': action_time_limit})


def wait_for(predicate, timeout=10.0):
    """The simulator carries a slow request out (and logs it) only when its delay is over."""
    end = time.monotonic() + timeout
    while not (result := predicate()) and time.monotonic() < end:
        time.sleep(0.1)
    return result


def logs(event):
    return [e.summary for e in EventLogEntry.query.with_parent(event)]


def flashes(client):
    with client.client.session_transaction() as sess:
        return [text for _, text in sess.get('_flashes', [])]


def make_meeting(client, event):
    resp = client.post(create_url(event), form_data())
    assert resp.json.get('success'), form_errors(resp)
    return VCRoomEventAssociation.query.filter_by(event_id=event.id).one()


# --- create -------------------------------------------------------------------------------------------------------

def test_create_answered_late_is_found_and_adopted(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                   zoom_sim):
    slow_zoom(zoom_plugin, 8)
    event = future_event(create_event, 1, zoom_host)
    zoom_sim.fault(CREATE_PATH, status=None, method='POST', delay=2)
    resp = manager_client.post(create_url(event), form_data())
    assert resp.json.get('success'), form_errors(resp)  # the user's create stands
    room = VCRoom.query.one()
    [meeting] = zoom_sim.meetings()
    assert room.data['zoom_id'] == meeting['id']
    assert room.data['join_url'] == meeting['join_url']
    [post] = zoom_calls(zoom_sim, 'POST')  # never sent twice
    assert post['status'] == 201
    verified = [e.data['Verified'] for e in EventLogEntry.query.with_parent(event) if 'Verified' in e.data]
    assert verified == ['Zoom answered too late; the meeting was found on Zoom and adopted']


def test_create_answered_after_the_budget_is_deleted_by_a_task(db, manager_client, zoom_plugin, zoom_host,
                                                                create_event, zoom_sim, after_commit):
    slow_zoom(zoom_plugin, 2.5)
    event = future_event(create_event, 1, zoom_host)
    zoom_sim.fault(CREATE_PATH, status=None, method='POST', delay=3)
    resp = manager_client.post(create_url(event), form_data())
    errors = form_errors(resp)
    assert 'did not answer in time' in errors and 'it was not created in Indico' in errors
    assert 'deletes it on Zoom again' in errors
    assert VCRoom.query.count() == 0
    assert wait_for(lambda: len(zoom_sim.meetings()) == 1)  # Zoom made it after Indico gave up: an orphan, for now
    after_commit()  # the request's commit sends the verification task
    assert zoom_sim.meetings() == []
    assert any('created on Zoom after Indico gave up waiting' in s for s in logs(event))


def test_create_5xx_says_what_is_known(db, manager_client, zoom_host, create_event, zoom_sim, after_commit):
    event = future_event(create_event, 1, zoom_host)
    zoom_sim.fault(CREATE_PATH, status=500, method='POST', body={'code': 500, 'message': 'Internal error'})
    resp = manager_client.post(create_url(event), form_data())
    assert 'Zoom answered with an error, so it is not known whether it created the meeting' in form_errors(resp)
    assert VCRoom.query.count() == 0
    assert len(zoom_calls(zoom_sim, 'POST')) == 1  # a create is never re-sent blindly
    # the simulator did not create it: the task finds nothing (and, the window not over, looks again later)
    after_commit()
    assert zoom_sim.meetings() == []


# --- edit -----------------------------------------------------------------------------------------------------------

def test_edit_answered_late_is_read_back_in_the_request(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                        zoom_sim):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    slow_zoom(zoom_plugin, 6)
    zoom_sim.fault(MEETING_PATH, status=None, method='PATCH', delay=1.5, times=None)
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, description='New agenda'))
    assert resp.json.get('success'), form_errors(resp)
    room = assoc.vc_room
    assert zoom_sim.meetings()[0]['agenda'] == 'New agenda' == room.data['description']
    assert room.data['zoom']['agenda'] == 'New agenda'
    assert 'zoom_sync' not in room.data  # verified: nothing owed
    assert any('updated' in s for s in logs(assoc.event))


def test_edit_not_verifiable_in_time_is_converged_by_a_task(db, manager_client, zoom_plugin, zoom_host,
                                                            create_event, zoom_sim, after_commit):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    slow_zoom(zoom_plugin, 2.5)
    zoom_sim.fault(MEETING_PATH, status=None, method='*', delay=3, times=None)
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, description='New agenda'))
    assert resp.json.get('success'), form_errors(resp)
    room = assoc.vc_room
    assert room.data['description'] == 'New agenda'  # the user's change is kept in Indico
    assert room.data['zoom_sync']['reason'] == 'unconfirmed'
    assert any('it is not known yet whether it took your change' in f for f in flashes(manager_client))
    assert any('did not confirm the change' in s for s in logs(assoc.event))
    assert wait_for(lambda: zoom_sim.meetings()[0]['agenda'] == 'New agenda')  # Zoom did take it, late
    zoom_sim.clear_faults()
    time.sleep(1.5)  # the request's second, slower PATCH is over too
    zoom_sim.clear_requests()
    after_commit()
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET']  # read back: nothing to send again
    assert 'zoom_sync' not in room.data
    assert room.data['zoom']['agenda'] == 'New agenda'
    assert any('verified on Zoom: Zoom and Indico agree' in s for s in logs(assoc.event))


def test_attach_answered_late_ends_with_zoom_and_indico_agreeing(db, manager_client, zoom_plugin, zoom_host,
                                                                  create_event, zoom_sim, after_commit):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    slow_zoom(zoom_plugin, 2.5)
    zoom_sim.fault(MEETING_PATH, status=None, method='*', delay=3, times=None)
    second = future_event(create_event, 2, zoom_host, days=5)
    resp = attach(manager_client, second, assoc.vc_room)
    assert resp.status_code == 200
    room = assoc.vc_room
    assert room.data['zoom_sync']['reason'] == 'unconfirmed'
    assert wait_for(lambda: zoom_sim.meetings()[0]['type'] == 3)
    zoom_sim.clear_faults()
    after_commit()
    assert room.data['zoom']['zoom_type'] == 3 == zoom_sim.meetings()[0]['type']
    assert 'zoom_sync' not in room.data


def test_edit_refused_by_zoom_still_changes_nothing(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                    zoom_sim):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.fault(MEETING_PATH, status=400, method='PATCH', body={'code': 300, 'message': 'Invalid field.'})
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, description='New agenda'))
    assert resp.status_code == 200
    assert 'Zoom could not update the meeting' in form_errors(resp)
    assert zoom_sim.meetings()[0]['agenda'] == 'Agenda'
    # a refusal is a known outcome: nothing to read back
    assert [c for c in zoom_calls(zoom_sim, 'GET') if c['path'].startswith('/v2/meetings/')] == []


# --- delete ---------------------------------------------------------------------------------------------------------

def test_delete_answered_late_is_confirmed_by_a_404(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                    zoom_sim):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    event = assoc.event
    slow_zoom(zoom_plugin, 6)
    zoom_sim.fault(MEETING_PATH, status=None, method='DELETE', delay=1.5, times=None)
    resp = remove(manager_client, assoc)
    assert resp.status_code == 302
    assert VCRoom.query.count() == 0
    assert zoom_sim.meetings() == []
    assert [c['status'] for c in zoom_calls(zoom_sim, 'GET')][-1] == 404
    assert any('deleted' in s for s in logs(event))


def test_delete_not_verifiable_in_time_is_finished_by_a_task(db, manager_client, zoom_plugin, zoom_host,
                                                             create_event, zoom_sim, after_commit):
    assoc = make_meeting(manager_client, future_event(create_event, 1, zoom_host))
    event = assoc.event
    slow_zoom(zoom_plugin, 2.5)
    # Zoom stays unreachable for the whole action and never carries the delete out
    zoom_sim.fault(MEETING_PATH, status=503, method='*', delay=3, times=None)
    resp = remove(manager_client, assoc)
    assert resp.status_code == 302  # the user's delete stands in Indico: no ghost pointing at nothing
    assert VCRoom.query.count() == 0
    assert any('Zoom did not confirm in time' in f for f in flashes(manager_client))
    assert any('Zoom has not confirmed it yet' in s for s in logs(event))
    assert len(zoom_sim.meetings()) == 1
    time.sleep(3.5)  # the slow answers of the request are over
    zoom_sim.clear_faults()
    after_commit()
    assert zoom_sim.meetings() == []
    assert any('Zoom confirmed that the meeting "Weekly sync" is deleted' in s for s in logs(event))


def test_bad_input_is_still_a_4xx_when_zoom_is_slow(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                    zoom_sim):
    slow_zoom(zoom_plugin, 2.5)
    zoom_sim.fault(CREATE_PATH, status=None, method='POST', delay=3, times=None)
    event = future_event(create_event, 1, zoom_host)
    resp = manager_client.post(create_url(event), form_data(password='abc'))
    assert resp.status_code == 200 and 'passcode' in form_errors(resp).lower()
    assert zoom_calls(zoom_sim, 'POST') == []
    resp = manager_client.post(f'/event/{event.id}/manage/videoconference/zoom/999999/remove')
    assert 400 <= resp.status_code < 500
