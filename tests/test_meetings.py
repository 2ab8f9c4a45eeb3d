"""Zoom meetings through Indico's real VC controllers (forms posted as a browser would) against the simulator.

Zoom call counts come from the simulator's request log: create = 1 (+1 user lookup on a cold cache),
no-change edit = 0, attach <= 1, delete = 1.
"""

import re
from datetime import timedelta

import pytest
from indico.core.db import db
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy import text

from indico_vc_zoom.connection import get_client


def future_event(create_event, id_, manager, days=3, **kwargs):
    start = now_utc(exact=False) + timedelta(days=days)
    event = create_event(id_, start_dt=start, end_dt=start + timedelta(hours=2), **kwargs)
    event.update_principal(manager, full_access=True)
    db.session.flush()
    return event


def form_data(**overrides):
    data = {'vc-name': 'Weekly sync', 'vc-description': 'Agenda', 'vc-password': '12345678',
            'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event',
            'vc-show': 'y', 'vc-meeting_type': 'meeting', 'vc-mute_audio': 'y'}
    for key, value in overrides.items():
        key = f'vc-{key}'
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def create_url(event):
    return f'/event/{event.id}/manage/videoconference/zoom/create'


def create_meeting(client, event, **overrides):
    resp = client.post(create_url(event), form_data(**overrides))
    assert resp.status_code == 200, resp.data
    assert resp.json.get('success'), resp.json.get('html', resp.json)
    return VCRoomEventAssociation.query.filter_by(event_id=event.id).one()


def edit_data(assoc, **overrides):
    room = assoc.vc_room
    data = {'name': room.name, 'description': room.data.get('description') or '', 'password': room.data['password'],
            'password_visibility': assoc.data['password_visibility'], 'host_choice': 'myself', 'linking': 'event',
            'show': 'y' if assoc.show else None}
    for key in ('waiting_room', 'mute_audio', 'mute_host_video', 'mute_participant_video', 'join_before_host'):
        data[key] = 'y' if room.data.get(key) else None
    data.update(overrides)
    return form_data(**{**dict.fromkeys(('meeting_type', 'mute_audio')), **data})


def edit_url(assoc):
    return f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/'


def zoom_calls(zoom_sim, method=None):
    return [r for r in zoom_sim.requests() if method is None or r['method'] == method]


def form_errors(resp):
    return resp.json['html'] if resp.json and 'html' in resp.json else resp.data.decode()


@pytest.fixture
def manager_client(zoom_plugin, zoom_host, login, smtp):
    return login(zoom_host)


# --- create -------------------------------------------------------------------------------------------------------

def test_create_scheduled_meeting(db, manager_client, zoom_host, create_event, zoom_sim, smtp):
    event = future_event(create_event, 1, zoom_host)
    form = manager_client.get(create_url(event)).json['html']
    generated = re.search(r'name="vc-password"[^>]*value="(\d+)"', form) or \
        re.search(r'value="(\d+)"[^>]*name="vc-password"', form)
    assert generated and len(generated.group(1)) == 10  # passcode_length default

    assoc = create_meeting(manager_client, event)
    calls = zoom_calls(zoom_sim)
    assert [(c['method'], c['path']) for c in calls] == [
        ('GET', f'/v2/users/{zoom_host.email}'),
        ('POST', f'/v2/users/{calls[1]["path"].split("/")[3]}/meetings'),
    ]
    body = calls[1]['body']
    assert body['type'] == 2
    assert body['start_time'] == event.start_dt.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert body['duration'] == 120
    assert body['password'] == '12345678'
    assert body['settings']['mute_upon_entry'] is True
    [meeting] = zoom_sim.meetings()
    assert meeting['topic'] == 'Weekly sync'
    assert meeting['host_email'] == zoom_host.email
    room = assoc.vc_room
    assert room.data['zoom_id'] == meeting['id']
    assert room.data['join_url'] == meeting['join_url']
    assert 'start_url' not in str(room.data) and meeting['start_url'] not in str(room.data)
    assert assoc.data['password_visibility'] == 'logged_in'
    # event log and Indico's VC notification e-mail
    log = EventLogEntry.query.with_parent(event).all()
    assert any('created' in entry.summary and 'Weekly sync' in entry.summary for entry in log)
    assert len(smtp.outbox) == 1
    assert zoom_host.email in smtp.outbox[0].as_string()


def test_second_create_uses_cached_zoom_user(db, manager_client, zoom_host, create_event, zoom_sim):
    create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.clear_requests()
    create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Second meeting')
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['POST']


def test_past_event_gets_meeting_without_fixed_time(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host, days=-3)
    create_meeting(manager_client, event)
    body = zoom_calls(zoom_sim, 'POST')[0]['body']
    assert body['type'] == 3
    assert 'start_time' not in body


def test_contribution_link_uses_its_time(db, manager_client, zoom_host, create_event, zoom_sim):
    from indico.modules.events.contributions.models.contributions import Contribution
    event = future_event(create_event, 1, zoom_host)
    contrib = Contribution(event=event, title='Talk', duration=timedelta(minutes=25))
    db.session.add(contrib)
    db.session.flush()
    from indico.modules.events.timetable.operations import schedule_contribution
    schedule_contribution(contrib, event.start_dt + timedelta(minutes=30))
    db.session.flush()
    assoc = create_meeting(manager_client, event, linking='contribution', contribution=str(contrib.id))
    body = zoom_calls(zoom_sim, 'POST')[0]['body']
    assert body['type'] == 2
    assert body['duration'] == 25
    assert body['start_time'] == contrib.start_dt.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert assoc.link_object == contrib


def test_webinar_only_when_allowed(db, manager_client, zoom_plugin, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    assert 'vc-meeting_type' in manager_client.get(create_url(event)).json['html']
    assoc = create_meeting(manager_client, event, meeting_type='webinar')
    assert zoom_sim.webinars()[0]['type'] == 5
    assert zoom_sim.meetings() == []
    assert assoc.vc_room.data['meeting_type'] == 'webinar'
    zoom_plugin.settings.set('allow_webinars', False)
    other_event = future_event(create_event, 2, zoom_host)
    assert 'vc-meeting_type' not in manager_client.get(create_url(other_event)).json['html']


def test_create_on_behalf_of_someone_else(db, manager_client, zoom_host, create_user, create_event, zoom_sim):
    other = create_user(2, first_name='Other', last_name='Host', email='other.host@example.test')
    zoom_sim.add_user(other.email, 'Other', 'Host')
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event, host_choice='someone_else', host_user=other.identifier)
    assert zoom_sim.meetings()[0]['host_email'] == other.email
    assert assoc.vc_room.data['host'] == other.identifier


def test_no_zoom_account_names_addresses_tried(db, manager_client, zoom_plugin, zoom_host, create_user,
                                                create_event, zoom_sim):
    other = create_user(2, email='nozoom@example.test')
    other.secondary_emails.add('nozoom@elsewhere.test')
    zoom_plugin.settings.set('email_domains', ['example.test'])
    event = future_event(create_event, 1, zoom_host)
    resp = manager_client.post(create_url(event), form_data(host_choice='someone_else', host_user=other.identifier))
    html = form_errors(resp)
    assert 'has no Zoom account' in html
    assert 'nozoom@example.test' in html
    assert 'nozoom@elsewhere.test' not in html  # outside the configured domains: never tried
    assert [c['path'] for c in zoom_calls(zoom_sim)] == ['/v2/users/nozoom@example.test']
    assert VCRoom.query.count() == 0


def test_invalid_passcode_is_a_form_error_without_zoom_call(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    resp = manager_client.post(create_url(event), form_data(password='12ab'))
    assert 'The passcode must be 6 to 10 digits' in form_errors(resp)
    assert zoom_calls(zoom_sim) == []
    assert VCRoom.query.count() == 0


def test_assistant_added_once_per_host(db, manager_client, zoom_plugin, zoom_host, create_event, zoom_sim):
    zoom_sim.add_user('assistant@example.test', 'Zoom', 'Assistant')
    zoom_plugin.settings.set('assistant_id', 'assistant@example.test')
    create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Second meeting')
    assistant_calls = [c for c in zoom_calls(zoom_sim) if c['path'].endswith('/assistants')]
    assert len(assistant_calls) == 1
    assert assistant_calls[0]['body'] == {'assistants': [{'email': 'assistant@example.test'}]}
    # assistant mode: the assistant schedules each meeting for its host (the daily limit is the assistant's)
    creates = [c for c in zoom_calls(zoom_sim, 'POST') if c['path'].endswith('/meetings')]
    assert [c['path'] for c in creates] == ['/v2/users/assistant@example.test/meetings'] * 2
    assert all(c['body']['schedule_for'] == zoom_host.email for c in creates)
    for meeting in zoom_sim.meetings():
        assert meeting['host_email'] == zoom_host.email
        assert meeting['_simulator']['scheduler_email'] == 'assistant@example.test'


# --- failure safety ---------------------------------------------------------------------------------------------

def test_zoom_error_on_create_leaves_no_room(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    zoom_sim.fault(r'/meetings$', status=500, method='POST', body={'code': 500, 'message': 'Internal error'})
    resp = manager_client.post(create_url(event), form_data())
    assert resp.status_code == 200
    assert 'it was not created in Indico' in form_errors(resp)
    db.session.flush()
    assert VCRoom.query.count() == 0
    assert VCRoomEventAssociation.query.count() == 0
    assert zoom_sim.meetings() == []
    assert len(zoom_calls(zoom_sim, 'POST')) == 1  # a create is never re-sent blindly


def test_daily_limit_names_host_and_reset(db, manager_client, zoom_host, create_event, zoom_sim):
    zoom_sim.configure(daily_limit=1)
    create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    resp = manager_client.post(create_url(future_event(create_event, 2, zoom_host)), form_data(name='Another one'))
    html = form_errors(resp)
    assert 'daily limit' in html
    assert zoom_host.email in html
    assert 'UTC' in html
    assert VCRoom.query.filter_by(name='Another one').count() == 0


def test_database_failure_after_zoom_create_deletes_orphan(db, manager_client, zoom_host, create_event, zoom_sim,
                                                           request_rollback):
    event = future_event(create_event, 1, zoom_host)
    db.session.execute(text("""
        CREATE FUNCTION public.vczoom_refuse_room() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'simulated database failure'; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER vczoom_refuse_room BEFORE INSERT ON events.vc_rooms
            FOR EACH ROW EXECUTE FUNCTION public.vczoom_refuse_room();
    """))
    resp = manager_client.post(create_url(event), form_data())
    assert resp.status_code == 200
    assert 'deleted from Zoom again' in form_errors(resp)
    methods = [c['method'] for c in zoom_calls(zoom_sim) if '/meetings' in c['path']]
    assert methods == ['POST', 'DELETE']
    assert zoom_sim.meetings() == []
    assert request_rollback  # the request rolled its work back, as Indico's VC controller does on an error


# --- edit -------------------------------------------------------------------------------------------------------

def test_edit_pushes_one_patch_and_no_change_makes_no_call(db, manager_client, zoom_host, create_event, zoom_sim,
                                                           smtp):
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event)
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), edit_data(assoc))
    assert resp.json.get('success'), form_errors(resp)
    assert zoom_calls(zoom_sim) == []

    resp = manager_client.post(edit_url(assoc), edit_data(assoc, name='Renamed sync', waiting_room='y',
                                                          password='87654321'))
    assert resp.json.get('success'), form_errors(resp)
    # a new passcode means a new join link, which only Zoom computes: read back with a GET (no daily-limit cost)
    patch, read_back = zoom_calls(zoom_sim)
    assert patch['method'] == 'PATCH'
    assert patch['body'] == {'topic': 'Renamed sync', 'password': '87654321', 'settings': {'waiting_room': True}}
    assert read_back['method'] == 'GET'
    meeting = zoom_sim.meetings()[0]
    assert assoc.vc_room.data['join_url'] == meeting['join_url']
    assert meeting['topic'] == 'Renamed sync'
    assert meeting['settings']['waiting_room'] is True
    assert any('updated' in e.summary for e in EventLogEntry.query.with_parent(event))
    assert any('updated' in m.as_string() for m in smtp.outbox)


def test_passcode_change_never_keeps_the_old_link_passcode(db, manager_client, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    old_url = assoc.vc_room.data['join_url']
    assert 'pwd=' in old_url
    zoom_sim.fault(f"/v2/meetings/{assoc.vc_room.data['zoom_id']}$", status=500, method='GET', times=10)
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, password='24681357'))
    assert resp.json.get('success'), form_errors(resp)
    assert zoom_sim.meetings()[0]['password'] == '24681357'
    # the read-back failed: the link is kept without its (old) passcode, which would no longer work
    assert assoc.vc_room.data['password'] == '24681357'
    assert 'pwd=' not in assoc.vc_room.data['join_url']
    assert assoc.vc_room.data['join_url'].split('?')[0] == old_url.split('?')[0]


def test_edit_form_shows_current_zoom_state(db, manager_client, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    get_client().update_meeting(assoc.vc_room.data['zoom_id'], {'topic': 'Renamed on Zoom'})
    html = manager_client.get(edit_url(assoc)).json['html']
    assert 'Renamed on Zoom' in html
    assert assoc.vc_room.name == 'Renamed on Zoom'


def test_edit_form_of_meeting_deleted_on_zoom(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event)
    get_client().delete_meeting(assoc.vc_room.data['zoom_id'])
    resp = manager_client.get(edit_url(assoc))
    assert resp.status_code == 400
    assert b'no longer exists on Zoom' in resp.data
    assert assoc.vc_room.status == VCRoomStatus.deleted
    assert any('no longer exists' in e.summary for e in EventLogEntry.query.with_parent(event))


def test_change_host_after_creation(db, manager_client, zoom_plugin, zoom_host, create_user, create_event,
                                    zoom_sim):
    # Zoom lets the meeting's scheduler move it to a host it may schedule for: the assistant, in assistant mode
    # (a meeting in its host's own account is refused: tests/test_hosts.py)
    zoom_sim.add_user('assistant@example.test', 'Zoom', 'Assistant')
    zoom_plugin.settings.set('assistant_id', 'assistant@example.test')
    other = create_user(2, first_name='New', last_name='Host', email='new.host@example.test')
    zoom_sim.add_user(other.email, 'New', 'Host')
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, host_choice='someone_else',
                                                          host_user=other.identifier))
    assert resp.json.get('success'), form_errors(resp)
    other_id = next(u['id'] for u in zoom_sim.users() if u['email'] == other.email)
    assert [(c['method'], c['path']) for c in zoom_calls(zoom_sim)] == [
        ('GET', f'/v2/users/{other.email}'), ('POST', f'/v2/users/{other_id}/assistants'),
        ('PATCH', f'/v2/meetings/{assoc.vc_room.data["zoom_id"]}')]
    patches = zoom_calls(zoom_sim, 'PATCH')
    assert len(patches) == 1
    assert patches[0]['body'] == {'schedule_for': other.email}
    assert zoom_sim.meetings()[0]['host_email'] == other.email
    assert assoc.vc_room.data['host'] == other.identifier
    assert assoc.vc_room.data['host_email'] == other.email


# --- share / attach ---------------------------------------------------------------------------------------------

def attach(client, event, vc_room, visibility='everyone'):
    return client.post(f'/event/{event.id}/manage/videoconference/zoom/attach/', {
        'vc-room': str(vc_room.id), 'vc-linking': 'event', 'vc-show': 'y', 'vc-password_visibility': visibility})


def test_attach_to_second_event_becomes_recurring(db, manager_client, zoom_host, create_event, zoom_sim, smtp):
    first = future_event(create_event, 1, zoom_host)
    second = future_event(create_event, 2, zoom_host, days=5)
    assoc = create_meeting(manager_client, first)
    zoom_sim.clear_requests()
    resp = attach(manager_client, second, assoc.vc_room, visibility='everyone')
    assert resp.status_code == 200
    calls = zoom_calls(zoom_sim)
    assert len(calls) == 1
    assert calls[0]['method'] == 'PATCH'
    assert calls[0]['body']['type'] == 3
    assert zoom_sim.meetings()[0]['type'] == 3
    second_assoc = VCRoomEventAssociation.query.filter_by(event_id=second.id).one()
    assert second_assoc.vc_room == assoc.vc_room
    # each association keeps its own visibility
    assert second_assoc.data['password_visibility'] == 'everyone'
    assert assoc.data['password_visibility'] == 'logged_in'
    assert any('attached' in e.summary for e in EventLogEntry.query.with_parent(second))


def test_attach_already_recurring_makes_no_call(db, manager_client, zoom_host, create_event, zoom_sim, smtp):
    first = future_event(create_event, 1, zoom_host, days=-2)
    assoc = create_meeting(manager_client, first)
    zoom_sim.clear_requests()
    attach(manager_client, future_event(create_event, 2, zoom_host), assoc.vc_room)
    assert zoom_calls(zoom_sim) == []
    assert VCRoomEventAssociation.query.filter_by(vc_room_id=assoc.vc_room.id).count() == 2


# --- delete -----------------------------------------------------------------------------------------------------

def remove(client, assoc):
    return client.post(f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/remove')


def test_delete_shared_keeps_meeting_then_last_deletes_it(db, manager_client, zoom_host, create_event, zoom_sim,
                                                         smtp):
    first = future_event(create_event, 1, zoom_host)
    second = future_event(create_event, 2, zoom_host)
    assoc = create_meeting(manager_client, first)
    attach(manager_client, second, assoc.vc_room)
    second_assoc = VCRoomEventAssociation.query.filter_by(event_id=second.id).one()
    zoom_sim.clear_requests()

    remove(manager_client, second_assoc)
    assert zoom_calls(zoom_sim) == []
    assert len(zoom_sim.meetings()) == 1
    assert any('detached' in e.summary for e in EventLogEntry.query.with_parent(second))

    remove(manager_client, assoc)
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['DELETE']
    assert zoom_sim.meetings() == []
    assert VCRoom.query.count() == 0
    assert any('deleted' in e.summary for e in EventLogEntry.query.with_parent(first))


def test_delete_when_already_gone_on_zoom(db, manager_client, zoom_host, create_event, zoom_sim, smtp):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    get_client().delete_meeting(assoc.vc_room.data['zoom_id'])
    resp = remove(manager_client, assoc)
    assert resp.status_code == 302
    assert VCRoom.query.count() == 0


def test_delete_failure_keeps_everything(db, manager_client, zoom_host, create_event, zoom_sim, smtp):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    # a refusal is a known outcome (a 5xx or no answer is not: tests/test_slow_zoom.py)
    zoom_sim.fault(r'^/v2/meetings/\d+$', status=400, method='DELETE', body={'code': 300, 'message': 'Refused.'})
    resp = remove(manager_client, assoc)
    assert resp.status_code == 400
    assert b'Nothing was changed in Indico' in resp.data
    assert len(zoom_sim.meetings()) == 1


# --- admin settings ---------------------------------------------------------------------------------------------

def test_settings_never_render_secrets_and_check_credentials(db, zoom_plugin, create_user, login, zoom_sim):
    admin = create_user(5, admin=True)
    client = login(admin)
    html = client.get('/admin/plugins/vc_zoom/').data.decode()
    secret = zoom_sim.credentials['client_secret']
    assert 'name="client_secret"' in html
    assert secret not in html
    assert 'test-webhook-secret-token' not in html

    def post(**changes):
        data = {key: ('\n'.join(value) if isinstance(value, list) else value)
                for key, value in zoom_plugin.settings.get_all().items()
                if not isinstance(value, bool) and key not in ('managers', 'acl')}
        data.update({key: 'y' for key, value in zoom_plugin.settings.get_all().items() if value is True})
        for secret_key in ('client_secret', 'api_secret', 'webhook_token'):
            data[secret_key] = ''
        data.update(changes)
        return client.post('/admin/plugins/vc_zoom/', data, prefix='')

    zoom_sim.clear_requests()
    resp = post(client_id='wrong-client')
    assert 'Zoom refused these credentials' in resp.data.decode()
    assert zoom_plugin.settings.get('client_id') == zoom_sim.credentials['client_id']
    assert len(zoom_sim.requests('/oauth')) == 1

    resp = post(passcode_length='9')
    assert resp.status_code in (200, 302)
    assert zoom_plugin.settings.get('passcode_length') == 9
    # the secrets left empty in the form were kept, not blanked
    assert zoom_plugin.settings.get('client_secret') == secret
    assert zoom_plugin.settings.get('webhook_token') == 'test-webhook-secret-token'


def test_event_time_change_moves_the_meeting(db, manager_client, zoom_host, create_event, zoom_sim, after_commit):
    from indico.modules.events.util import track_time_changes
    event = future_event(create_event, 1, zoom_host)
    create_meeting(manager_client, event)
    zoom_sim.clear_requests()
    new_start = event.start_dt + timedelta(days=1, hours=2)
    with track_time_changes():
        event.start_dt = new_start
        event.end_dt = new_start + timedelta(hours=1)
    assert zoom_calls(zoom_sim) == []  # the change is only recorded; a task sends it after the commit
    assert 'zoom_sync' in event.vc_room_associations[0].vc_room.data
    after_commit()  # the commit sends the task (eager here: it runs now)
    [patch] = zoom_calls(zoom_sim)
    assert patch['method'] == 'PATCH'
    assert patch['body']['start_time'] == new_start.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert patch['body']['duration'] == 60
    assert zoom_sim.meetings()[0]['start_time'] == new_start.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert any('moved' in e.summary for e in EventLogEntry.query.with_parent(event))
    assert 'zoom_sync' not in event.vc_room_associations[0].vc_room.data


# --- admin CLI ----------------------------------------------------------------------------------------------------

def test_cli_check_and_refresh(db, manager_client, zoom_plugin, zoom_host, create_event, zoom_sim):
    from click.testing import CliRunner

    from indico_vc_zoom.cli import cli
    kept = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    gone = create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Gone meeting')
    get_client().delete_meeting(gone.vc_room.data['zoom_id'])
    get_client().update_meeting(kept.vc_room.data['zoom_id'], {'topic': 'Renamed on Zoom'})

    result = CliRunner().invoke(cli, ['refresh', '--dry-run'])
    assert '2 meeting(s) checked, 1 deleted on Zoom' in result.output
    assert gone.vc_room.status == VCRoomStatus.created

    kept_id, gone_id = kept.vc_room_id, gone.vc_room_id
    result = CliRunner().invoke(cli, ['refresh'])
    assert result.exit_code == 0, result.output
    # the reconcile lets go of each page of rooms (2 000 rooms must not pile up in the session): read them again
    assert db.session.get(VCRoom, gone_id).status == VCRoomStatus.deleted
    assert db.session.get(VCRoom, kept_id).name == 'Renamed on Zoom'

    assert CliRunner().invoke(cli, ['check']).exit_code == 0
    zoom_plugin.settings.set('client_secret', 'not-the-secret')
    result = CliRunner().invoke(cli, ['check'])
    assert result.exit_code == 1
    assert 'refused' in result.output
    assert 'not-the-secret' not in result.output


def test_legacy_jwt_credentials(db, zoom_plugin, zoom_host, create_user, create_event, login, zoom_sim, smtp):
    creds = zoom_sim.credentials
    zoom_plugin.settings.set_multi({'account_id': '', 'client_id': '', 'client_secret': '',
                                    'api_key': creds['api_key'], 'api_secret': creds['api_secret']})
    create_meeting(login(zoom_host), future_event(create_event, 1, zoom_host))
    assert len(zoom_sim.meetings()) == 1
    assert zoom_sim.requests('/oauth') == []  # JWTs are signed locally, no token endpoint

    admin = create_user(5, admin=True)
    client = login(admin)
    data = {'api_key': creds['api_key'], 'api_secret': 'wrong-secret', 'api_url': zoom_sim.api_url,
            'oauth_url': zoom_sim.oauth_url, 'passcode_length': '10', 'default_visibility': 'logged_in'}
    resp = client.post('/admin/plugins/vc_zoom/', data, prefix='')
    assert 'Zoom refused these credentials' in resp.data.decode()
    assert 'wrong-secret' not in resp.data.decode()
    assert zoom_plugin.settings.get('api_secret') == creds['api_secret']


def test_cloned_event_shares_meeting_without_fixed_time(db, manager_client, zoom_host, create_event, zoom_sim,
                                                        after_commit):
    from indico.modules.vc.clone import VCCloner
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event)
    new_event = future_event(create_event, 2, zoom_host, days=10)
    zoom_sim.clear_requests()
    VCCloner(event).run(new_event, set(), {})
    assert zoom_calls(zoom_sim) == []
    after_commit()
    # the task refreshes the meeting from Zoom, then makes it recurring
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET', 'PATCH']
    patch = zoom_calls(zoom_sim, 'PATCH')[0]
    assert patch['body'] == {'type': 3}
    assert zoom_sim.meetings()[0]['type'] == 3
    clone = VCRoomEventAssociation.query.filter_by(event_id=new_event.id).one()
    assert clone.vc_room == assoc.vc_room
    assert clone.data['password_visibility'] == 'logged_in'


def test_notifications_copy_host_and_admin_addresses(db, manager_client, zoom_plugin, zoom_host, create_user,
                                                     create_event, zoom_sim, smtp):
    other = create_user(2, first_name='Other', last_name='Host', email='other.host@example.test')
    zoom_sim.add_user(other.email, 'Other', 'Host')
    zoom_plugin.settings.set('notification_emails', ['zoom-admins@example.test'])
    first = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, first, host_choice='someone_else', host_user=other.identifier)
    attach(manager_client, future_event(create_event, 2, zoom_host), assoc.vc_room)
    second_assoc = VCRoomEventAssociation.query.filter_by(event_id=2).one()
    zoom_id = assoc.vc_room.data['zoom_id']
    remove(manager_client, second_assoc)
    remove(manager_client, assoc)
    subjects = [m['Subject'] for m in smtp.outbox]
    assert len(smtp.outbox) == 4, subjects  # created, attached, detached (one of two), deleted
    for message in smtp.outbox:
        assert message['To'] == zoom_host.email
        assert other.email in message['Cc']
        assert 'zoom-admins@example.test' in message.details.rcpttos
        assert 'zoom-admins@example.test' not in message.as_string()  # Bcc stays hidden
    assert 'created' in subjects[0] and 'attached' in subjects[1] and 'detached' in subjects[2]
    assert 'deleted' in subjects[3].lower()
    created = smtp.outbox[0].as_string()
    assert str(zoom_id) in created
    assert zoom_sim.meetings() == []


def test_session_block_link_uses_its_time(db, manager_client, zoom_host, create_event, create_session,
                                          create_session_block, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    block = create_session_block(create_session(event, 'Parallel track'), 'Morning block', timedelta(minutes=90),
                                 event.start_dt + timedelta(minutes=15))
    assoc = create_meeting(manager_client, event, linking='block', block=str(block.id))
    body = zoom_calls(zoom_sim, 'POST')[0]['body']
    assert body['type'] == 2
    assert body['duration'] == 90
    assert body['start_time'] == block.start_dt.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert assoc.link_object == block


def test_edit_keeps_alphanumeric_passcode_set_on_zoom(db, manager_client, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    get_client().update_meeting(assoc.vc_room.data['zoom_id'], {'password': 'abc123'})
    manager_client.get(edit_url(assoc))  # opening the form fetches Zoom's state
    assert assoc.vc_room.data['password'] == 'abc123'
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, name='Renamed'))
    assert resp.json.get('success'), form_errors(resp)
    assert [c['body'] for c in zoom_calls(zoom_sim)] == [{'topic': 'Renamed'}]
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, password='xyz987'))
    assert 'The passcode must be 6 to 10 digits' in form_errors(resp)


def test_event_description_becomes_plain_agenda(db, manager_client, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host, description='<p>Welcome to <strong>the</strong> kick-off</p>')
    html = manager_client.get(create_url(event)).json['html']
    assert 'Welcome to the kick-off' in html
    assert '&lt;strong&gt;' not in html


def test_unconfigured_plugin_says_so(db, manager_client, zoom_plugin, zoom_host, create_event, zoom_sim):
    zoom_plugin.settings.set_multi({'account_id': '', 'client_id': '', 'client_secret': '', 'api_key': '',
                                    'api_secret': ''})
    resp = manager_client.post(create_url(future_event(create_event, 1, zoom_host)), form_data())
    assert resp.status_code == 200
    assert 'no credentials yet' in form_errors(resp)
    assert VCRoom.query.count() == 0
    assert zoom_sim.requests(None) == []
