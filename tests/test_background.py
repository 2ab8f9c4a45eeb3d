"""Background work in Celery tasks (run eagerly here, as Indico does in tests): timetable pushes, the daily-limit
queue, retries and refusals, the reconcile. ``tests/test_worker_live.py`` runs the same through a real worker."""

from datetime import timedelta

import pytest
from flask import get_flashed_messages
from indico.modules.events.util import track_time_changes
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from indico.util.date_time import format_datetime
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import pending_changes, reconcile, tasks
from indico_vc_zoom.zoom.errors import ZoomRateLimited, ZoomUnavailable, next_utc_midnight
from tests.test_meetings import create_meeting, edit_data, edit_url, form_errors, future_event, zoom_calls


@pytest.fixture
def manager_client(zoom_plugin, zoom_host, login, smtp):
    return login(zoom_host)


def move(event, hours):
    new_start = event.start_dt + timedelta(hours=hours)
    with track_time_changes():
        event.start_dt = new_start
        event.end_dt = new_start + timedelta(hours=1)
    return new_start.strftime('%Y-%m-%dT%H:%M:%SZ')


def logs(event):
    return [e.summary for e in EventLogEntry.query.with_parent(event)]


# --- timetable changes --------------------------------------------------------------------------------------------

def test_time_change_answers_at_once_and_says_meetings_follow(app, db, manager_client, zoom_host, create_event,
                                                              zoom_sim, after_commit):
    events = [future_event(create_event, i, zoom_host) for i in (1, 2)]
    rooms = [create_meeting(manager_client, e, name=f'Meeting {e.id}').vc_room for e in events]
    zoom_sim.clear_requests()
    with app.test_request_context():
        starts = [move(e, 3) for e in events]
        flashed = get_flashed_messages()
    assert zoom_calls(zoom_sim) == []
    assert flashed == ['2 Zoom meetings ("Meeting 1", "Meeting 2") will follow the new time on Zoom in a moment.']
    assert all(room.data['zoom_sync']['reason'] == 'schedule' for room in rooms)
    after_commit()
    assert sorted(m['start_time'] for m in zoom_sim.meetings()) == sorted(starts)
    assert len(zoom_calls(zoom_sim, 'PATCH')) == 2
    assert all('zoom_sync' not in room.data for room in rooms)
    assert after_commit() is None and len(zoom_calls(zoom_sim, 'PATCH')) == 2  # nothing queued twice


def test_several_moves_before_the_task_make_one_patch(db, manager_client, zoom_host, create_event, zoom_sim,
                                                      after_commit):
    event = future_event(create_event, 1, zoom_host)
    create_meeting(manager_client, event)
    zoom_sim.clear_requests()
    move(event, 1)
    last = move(event, 2)
    after_commit()
    [patch] = zoom_calls(zoom_sim, 'PATCH')
    assert patch['body']['start_time'] == last
    # a repeated task (a second worker, a redelivery) finds nothing owed and calls nobody
    tasks.sync_room.delay(event.vc_room_associations[0].vc_room_id)
    assert len(zoom_calls(zoom_sim)) == 1


def test_task_retries_zoom_5xx_and_loses_nothing(db, manager_client, zoom_host, create_event, zoom_sim,
                                                 after_commit):
    event = future_event(create_event, 1, zoom_host)
    room = create_meeting(manager_client, event).vc_room
    zoom_sim.clear_requests()
    start = move(event, 5)
    # the client retries twice itself; the third 503 makes the task retry (eagerly here, with backoff in a worker)
    zoom_sim.fault(r'/meetings/\d+$', status=503, method='PATCH', body={'code': 503, 'message': 'busy'}, times=3)
    after_commit()
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['PATCH'] * 4
    assert zoom_sim.meetings()[0]['start_time'] == start
    assert 'zoom_sync' not in room.data


def test_task_giving_up_keeps_the_change_for_the_sweep(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    room = create_meeting(manager_client, event).vc_room
    start = move(event, 5)
    zoom_sim.fault(r'/meetings/\d+$', status=500, method='PATCH', times=3)
    # the last attempt a task has: it gives up instead of retrying once more
    assert tasks.sync_room.apply(args=(room.id,), kwargs={'attempt': tasks.MAX_RETRIES}).get() == 'gave up'
    assert room.data['zoom_sync']['reason'] == 'schedule'  # nothing lost
    assert pending_changes.due_room_ids() == [room.id]
    assert tasks.apply_due_changes() == {'pushed': 1}
    assert zoom_sim.meetings()[0]['start_time'] == start


def test_zoom_4xx_stops_retrying_with_the_reason_logged(db, manager_client, zoom_host, create_event, zoom_sim,
                                                        after_commit):
    event = future_event(create_event, 1, zoom_host)
    room = create_meeting(manager_client, event).vc_room
    zoom_sim.clear_requests()
    move(event, 5)
    zoom_sim.fault(r'/meetings/\d+$', status=400, method='PATCH', body={'code': 300, 'message': 'Invalid start'})
    after_commit()
    assert len(zoom_calls(zoom_sim, 'PATCH')) == 1
    assert 'Invalid start' in room.data['zoom_sync']['failed']
    assert any('Zoom refused to apply' in s for s in logs(event))
    assert pending_changes.due_room_ids() == []  # not retried blindly; the next edit or reconcile tries again


def test_backoff_grows_and_honours_retry_after():
    assert [tasks.backoff(n, ZoomUnavailable('x')) for n in (0, 1, 2, 10)] == [10, 20, 40, 600]
    assert tasks.backoff(3, ZoomRateLimited('x', retry_after=2.5)) == 2


# --- the daily-limit queue ----------------------------------------------------------------------------------------

def test_daily_limit_edit_is_kept_merged_and_applied_after_midnight(db, manager_client, zoom_host, create_event,
                                                                    zoom_sim, smtp):
    first = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    second = create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Second')
    zoom_sim.configure(daily_limit=0)  # this host's daily budget is used up
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(first), edit_data(first, name='Renamed first'))
    assert resp.json.get('success'), form_errors(resp)
    room = first.vc_room
    assert room.name == 'Renamed first'  # saved in Indico
    midnight = next_utc_midnight()
    assert room.data['zoom_sync']['not_before'] == midnight.strftime('%Y-%m-%dT%H:%M:%SZ')
    with manager_client.client.session_transaction() as sess:
        flashed = [msg for _, msg in sess.get('_flashes', [])]
    # Zoom's reset, said in the event's time zone (named) and the user's language
    expected = format_datetime(midnight, 'long', timezone=first.event.tzinfo)
    assert any(f'after {expected}.' in msg for msg in flashed)
    manager_client.post(edit_url(second), edit_data(second, name='Renamed second'))
    # a later change to the same meeting joins the queued one, without asking Zoom again
    resp = manager_client.post(edit_url(first), edit_data(first, description='New agenda'))
    assert resp.json.get('success'), form_errors(resp)
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['PATCH', 'PATCH']  # the two refused ones
    assert zoom_sim.meetings()[0]['topic'] == 'Weekly sync'

    assert tasks.apply_due_changes() == {}  # not before Zoom's reset
    zoom_sim.configure(daily_limit=100)  # a new day on Zoom
    zoom_sim.clear_requests()
    assert tasks.apply_due_changes(now=midnight + timedelta(minutes=1)) == {'pushed': 2}
    patches = zoom_calls(zoom_sim, 'PATCH')
    assert [p['body'].get('topic') for p in patches] == ['Renamed first', 'Renamed second']  # in order
    assert patches[0]['body']['agenda'] == 'New agenda'  # merged: one PATCH with both changes
    topics = {m['id']: m['topic'] for m in zoom_sim.meetings()}
    assert topics[room.data['zoom_id']] == 'Renamed first'
    assert 'zoom_sync' not in room.data and 'zoom_sync' not in second.vc_room.data
    assert tasks.apply_due_changes(now=midnight + timedelta(minutes=6)) == {}  # once
    assert any('queued change' in s for s in logs(first.event))


def test_task_hitting_daily_limit_defers_instead_of_failing(db, manager_client, zoom_host, create_event, zoom_sim,
                                                            after_commit):
    event = future_event(create_event, 1, zoom_host)
    room = create_meeting(manager_client, event).vc_room
    zoom_sim.configure(daily_limit=0)
    start = move(event, 4)
    after_commit()
    assert room.data['zoom_sync']['reason'] == 'daily_limit'
    zoom_sim.configure(daily_limit=None)
    assert tasks.apply_due_changes(now=next_utc_midnight() + timedelta(seconds=1)) == {'pushed': 1}
    assert zoom_sim.meetings()[0]['start_time'] == start


# --- reconcile ----------------------------------------------------------------------------------------------------

def test_reconcile_fixes_drift_both_ways_and_is_idempotent(db, manager_client, zoom_plugin, zoom_host, create_event,
                                                           zoom_sim, smtp):
    from indico_vc_zoom.connection import get_client

    renamed = create_meeting(manager_client, future_event(create_event, 1, zoom_host), name='One')
    moved = create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Two')
    gone = create_meeting(manager_client, future_event(create_event, 3, zoom_host), name='Three')
    ids = {a.vc_room.data['zoom_id']: a.vc_room_id for a in (renamed, moved, gone)}
    client = get_client()
    client.update_meeting(renamed.vc_room.data['zoom_id'], {'topic': 'One (renamed on Zoom)'})
    client.update_meeting(moved.vc_room.data['zoom_id'], {'start_time': '2030-01-01T10:00:00Z'})
    client.delete_meeting(gone.vc_room.data['zoom_id'])
    gone_event = gone.event
    del smtp.outbox[:]
    zoom_sim.clear_requests()

    # the periodic task (eager here): like any task it sends its e-mails when it is done
    zoom_plugin.settings.set('reconcile_calls_per_second', 0)
    summary = tasks.reconcile_all.delay().get()
    assert summary.startswith('3 meeting(s) checked, 1 deleted on Zoom, 1 updated from Zoom, 1 updated on Zoom')
    assert db.session.get(VCRoom, ids[renamed.vc_room.data['zoom_id']]).name == 'One (renamed on Zoom)'
    [meeting_two] = [m for m in zoom_sim.meetings() if m['topic'] == 'Two']
    assert meeting_two['start_time'] != '2030-01-01T10:00:00Z'  # the timetable wins
    assert db.session.get(VCRoom, ids[gone.vc_room.data['zoom_id']]).status == VCRoomStatus.deleted
    # exactly as the deleted webhook: event log and e-mail to the managers
    assert any('was deleted on Zoom' in s for s in logs(gone_event))
    assert len(smtp.outbox) == 1 and 'Three' in smtp.outbox[0].as_string()
    assert [c['method'] for c in zoom_calls(zoom_sim)].count('PATCH') == 1

    zoom_sim.clear_requests()
    again = reconcile.reconcile(per_second=0)
    assert (again.checked, again.unchanged, again.lines) == (2, 2, [])
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET', 'GET']


def test_reconcile_keeps_a_users_queued_change(db, manager_client, zoom_host, create_event, zoom_sim):
    from indico_vc_zoom.connection import get_client

    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.configure(daily_limit=0)
    manager_client.post(edit_url(assoc), edit_data(assoc, name='Renamed in Indico'))
    zoom_sim.configure(daily_limit=None)
    get_client().update_meeting(assoc.vc_room.data['zoom_id'], {'agenda': 'Changed on Zoom'})
    report = reconcile.reconcile(per_second=0)
    room = db.session.get(VCRoom, assoc.vc_room_id)
    assert room.name == 'Renamed in Indico'  # not overwritten by Zoom's older topic
    assert room.data['description'] == 'Changed on Zoom'  # what changed on Zoom is adopted
    assert report.deferred == 1 and zoom_sim.meetings()[0]['topic'] == 'Weekly sync'  # still waits for midnight


def test_pacer_keeps_calls_under_the_pace():
    class Client:
        stats = {'calls': 0}

    clock = [0.0]
    pacer = reconcile.Pacer(Client, 4, sleep=lambda s: clock.__setitem__(0, clock[0] + s), clock=lambda: clock[0])
    sent = []
    for room in range(12):
        pacer.wait()
        if room == 5:
            clock[0] += 3  # a slow stretch (a page loading) must not be caught up with a burst
        for _ in range(1 + room % 2):  # a GET, sometimes a PATCH
            Client.stats['calls'] += 1
            sent.append(clock[0])
        pacer.done()
    assert len(sent) == 18
    assert max(sum(1 for t in sent if s <= t < s + 1) for s in sent) <= 4  # in any one second


def test_cli_refresh_reports_each_change(db, manager_client, zoom_host, create_event, zoom_sim):
    from click.testing import CliRunner

    from indico_vc_zoom.cli import cli
    from indico_vc_zoom.connection import get_client

    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    get_client().update_meeting(assoc.vc_room.data['zoom_id'], {'topic': 'Renamed on Zoom'})
    result = CliRunner().invoke(cli, ['refresh', '--pace', '0', '--batch-size', '1'])
    assert result.exit_code == 0, result.output
    assert 'Weekly sync' in result.output and 'changed on Zoom: topic' in result.output
    assert '1 meeting(s) checked, 0 deleted on Zoom, 1 updated from Zoom' in result.output


def test_converge_task_gets_the_meeting_then_pushes(db, manager_client, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.clear_requests()
    tasks.converge_room.delay(assoc.vc_room_id)
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET']  # in line: nothing to push
    zoom_sim.clear_requests()
    assoc.vc_room.data['mute_audio'] = False  # e.g. an edit whose PATCH timed out: Zoom may or may not have it
    flag_modified(assoc.vc_room, 'data')
    db.session.flush()
    tasks.converge_room.delay(assoc.vc_room_id)
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET', 'PATCH']
    assert zoom_sim.meetings()[0]['settings']['mute_upon_entry'] is False
