"""Hosts through Indico's real controllers against the strict simulator: the two ownership modes, host changes
Zoom allows or refuses, alternative hosts (dialog and one click), user merges, and the assistant's call budget."""

import json
from datetime import timedelta

import pytest
from indico.modules.logs.models.entries import EventLogEntry
from indico.modules.vc.models.vc_rooms import VCRoom
from test_meetings import (
    create_meeting,
    create_url,
    edit_data,
    edit_url,
    form_data,
    form_errors,
    future_event,
    zoom_calls,
)

from indico_vc_zoom import budget, tasks
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.zoom.errors import next_utc_midnight


ASSISTANT = 'assistant@example.test'


@pytest.fixture
def manager_client(zoom_plugin, zoom_host, login, smtp):
    return login(zoom_host)


@pytest.fixture
def assistant_mode(zoom_plugin, zoom_sim):
    zoom_sim.add_user(ASSISTANT, 'Zoom', 'Assistant')
    zoom_plugin.settings.set('assistant_id', ASSISTANT)
    return ASSISTANT


@pytest.fixture
def other_user(create_user, zoom_sim):
    """A second Indico user with a Zoom account."""
    user = create_user(2, first_name='Nina', last_name='Other', email='nina.other@example.test')
    zoom_sim.add_user(user.email, 'Nina', 'Other')
    return user


def principals(*users):
    return json.dumps([u.identifier for u in users])


def sim_user_id(zoom_sim, email):
    return next(u['id'] for u in zoom_sim.users() if u['email'] == email)


# --- the two ownership modes ------------------------------------------------------------------------------------

def test_create_in_own_account_mode(db, manager_client, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    [post] = zoom_calls(zoom_sim, 'POST')
    assert post['path'] == f'/v2/users/{sim_user_id(zoom_sim, zoom_host.email)}/meetings'
    assert 'schedule_for' not in post['body']
    assert post['body']['settings']['use_pmi'] is False  # the README's promise, sent explicitly
    assert not [c for c in zoom_calls(zoom_sim) if 'assistants' in c['path']]
    [meeting] = zoom_sim.meetings()
    assert meeting['_simulator']['scheduler_email'] == zoom_host.email
    assert 'pmi' not in meeting
    assert assoc.vc_room.data['zoom_scheduler'] == zoom_host.email
    assert budget.calls_today(zoom_host.email) == 1


def test_create_in_assistant_mode(db, manager_client, assistant_mode, zoom_host, create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    calls = zoom_calls(zoom_sim)
    assert [(c['method'], c['path']) for c in calls] == [
        ('GET', f'/v2/users/{zoom_host.email}'),
        ('POST', f'/v2/users/{sim_user_id(zoom_sim, zoom_host.email)}/assistants'),
        ('POST', f'/v2/users/{ASSISTANT}/meetings'),
    ]
    assert calls[2]['body']['schedule_for'] == zoom_host.email
    assert calls[2]['body']['settings']['use_pmi'] is False
    [meeting] = zoom_sim.meetings()
    assert meeting['host_email'] == zoom_host.email
    assert meeting['_simulator']['scheduler_email'] == ASSISTANT
    assert assoc.vc_room.data['zoom_scheduler'] == ASSISTANT
    assert budget.calls_today(ASSISTANT) == 1
    assert budget.calls_today(zoom_host.email) == 0
    [log] = [e for e in EventLogEntry.query if e.summary.startswith('Zoom meeting') and 'created' in e.summary]
    assert log.data['Scheduled by'] == ASSISTANT


def test_assistant_removed_on_zoom_is_added_again(db, manager_client, assistant_mode, zoom_host, create_event,
                                                 zoom_sim):
    create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    host_id = sim_user_id(zoom_sim, zoom_host.email)
    get_client().delete_assistant(host_id, ASSISTANT)  # someone took the privilege away on Zoom
    zoom_sim.clear_requests()
    create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='After removal')
    assert [(c['method'], c['path'], c['status']) for c in zoom_calls(zoom_sim)] == [
        ('POST', f'/v2/users/{ASSISTANT}/meetings', 400),  # refused: the remembered privilege is gone
        ('POST', f'/v2/users/{host_id}/assistants', 201),
        ('POST', f'/v2/users/{ASSISTANT}/meetings', 201),
    ]
    assert len(zoom_sim.meetings()) == 2


def test_assistant_zoom_refuses_is_reported(db, manager_client, zoom_plugin, zoom_host, create_event, zoom_sim):
    zoom_sim.add_user('basic@example.test', 'Basic', 'Account', type=1)  # unlicensed: cannot be an assistant
    zoom_plugin.settings.set('assistant_id', 'basic@example.test')
    resp = manager_client.post(create_url(future_event(create_event, 1, zoom_host)), form_data())
    html = form_errors(resp)
    assert 'Zoom refused to make the assistant account basic@example.test an assistant of' in html
    assert zoom_host.email in html
    assert VCRoom.query.count() == 0
    assert zoom_sim.meetings() == []


# --- host changes -----------------------------------------------------------------------------------------------

def test_host_change_in_assistant_mode(db, manager_client, assistant_mode, zoom_host, other_user, create_event,
                                       zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, host_choice='someone_else',
                                                          host_user=other_user.identifier))
    assert resp.json.get('success'), form_errors(resp)
    [meeting] = zoom_sim.meetings()
    assert meeting['host_email'] == other_user.email
    assert meeting['_simulator']['scheduler_email'] == ASSISTANT  # Zoom's scheduler stays the assistant
    assert assoc.vc_room.data['host_email'] == other_user.email
    assert budget.calls_today(ASSISTANT) == 2  # the create and the PATCH: both charged to the assistant
    # and back again: still allowed, the assistant is remembered as the first host's assistant
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, host_choice='myself'))
    assert resp.json.get('success'), form_errors(resp)
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['PATCH']
    assert zoom_sim.meetings()[0]['host_email'] == zoom_host.email


def test_queued_host_change_re_adds_a_removed_assistant(db, manager_client, assistant_mode, zoom_host, other_user,
                                                       create_event, zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.configure(daily_limit=0)  # the assistant's daily budget is used up: the host change waits
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, host_choice='someone_else',
                                                          host_user=other_user.identifier))
    assert resp.json.get('success'), form_errors(resp)
    assert assoc.vc_room.data['zoom_sync']['reason'] == 'daily_limit'
    assert zoom_sim.meetings()[0]['host_email'] == zoom_host.email
    # meanwhile someone removes the assistant's privilege for the new host on Zoom
    get_client().delete_assistant(sim_user_id(zoom_sim, other_user.email), ASSISTANT)
    zoom_sim.configure(daily_limit=100)
    zoom_sim.clear_requests()
    assert tasks.apply_due_changes(now=next_utc_midnight() + timedelta(minutes=1)) == {'pushed': 1}
    assert [(c['method'], c['status']) for c in zoom_calls(zoom_sim) if 'assistants' in c['path'] or
            c['method'] == 'PATCH'] == [('PATCH', 400), ('POST', 201), ('PATCH', 204)]
    [meeting] = zoom_sim.meetings()
    assert meeting['host_email'] == other_user.email
    assert assoc.vc_room.data['host_email'] == other_user.email
    assert assoc.vc_room.data['zoom_scheduler'] == ASSISTANT


def test_host_change_refused_in_own_account_mode(db, manager_client, zoom_host, other_user, create_event, zoom_sim,
                                                 request):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    request_rollback = request.getfixturevalue('request_rollback')  # from here on, as a failing request does
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), edit_data(assoc, name='Renamed too', host_choice='someone_else',
                                                          host_user=other_user.identifier))
    assert not resp.json.get('success')
    html = form_errors(resp)
    assert (f'Zoom does not let {zoom_host.email}, who scheduled this meeting, schedule meetings for '
            f'{other_user.email}, so Nina Other cannot become the host. Nothing was changed.') in html
    assert 'configure an assistant account' in html
    assert 'add Nina Other as an alternative host' in html
    [patch] = zoom_calls(zoom_sim, 'PATCH')  # one attempt; Zoom changed nothing, neither does Indico
    assert patch['status'] == 400
    [meeting] = zoom_sim.meetings()
    assert meeting['host_email'] == zoom_host.email
    assert meeting['topic'] == 'Weekly sync'
    assert request_rollback
    room = VCRoom.query.one()
    assert room.data['host'] == zoom_host.identifier
    assert room.name == 'Weekly sync'


# --- alternative hosts ------------------------------------------------------------------------------------------

def test_alternative_hosts_on_create_and_in_one_patch(db, manager_client, zoom_host, other_user, create_user,
                                                      create_event, zoom_sim, smtp):
    third = create_user(3, first_name='Tom', last_name='Third', email='tom.third@example.test')
    zoom_sim.add_user(third.email, 'Tom', 'Third')
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event, alternative_hosts=principals(other_user))
    [post] = zoom_calls(zoom_sim, 'POST')
    assert post['body']['settings']['alternative_hosts'] == other_user.email
    assert zoom_sim.meetings()[0]['settings']['alternative_hosts'] == other_user.email

    manager_client.get(edit_url(assoc))  # the form opens with Zoom's state
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), {**edit_data(assoc, name='Renamed'),
                                                 'vc-alternative_hosts': principals(third)})
    assert resp.json.get('success'), form_errors(resp)
    [patch] = zoom_calls(zoom_sim, 'PATCH')
    assert [c['method'] for c in zoom_calls(zoom_sim)] == ['GET', 'PATCH']  # third's account, then one PATCH
    assert patch['body'] == {'topic': 'Renamed', 'settings': {'alternative_hosts': third.email}}
    assert zoom_sim.meetings()[0]['settings']['alternative_hosts'] == third.email
    assert assoc.vc_room.data['alternative_hosts'] == [third.identifier]

    zoom_sim.clear_requests()  # unchanged: no call at all
    resp = manager_client.post(edit_url(assoc), {**edit_data(assoc), 'vc-alternative_hosts': principals(third)})
    assert resp.json.get('success'), form_errors(resp)
    assert zoom_calls(zoom_sim) == []

    resp = manager_client.post(edit_url(assoc), {**edit_data(assoc), 'vc-alternative_hosts': '[]'})
    assert resp.json.get('success'), form_errors(resp)
    [patch] = zoom_calls(zoom_sim, 'PATCH')
    assert patch['body'] == {'settings': {'alternative_hosts': ''}}
    assert zoom_sim.meetings()[0]['settings']['alternative_hosts'] == ''
    assert any(e.data.get('Alternative hosts') == '-' for e in EventLogEntry.query.with_parent(event))


def test_unknown_alternative_host_is_a_field_error(db, manager_client, zoom_host, create_user, create_event,
                                                   zoom_sim):
    nobody = create_user(3, first_name='No', last_name='Zoom', email='no.zoom@example.test')
    resp = manager_client.post(create_url(future_event(create_event, 1, zoom_host)),
                               form_data(alternative_hosts=principals(nobody)))
    html = form_errors(resp)
    assert 'No Zoom has no Zoom account (tried: no.zoom@example.test).' in html
    field_row = html[html.index('vc-alternative_hosts'):]
    assert 'No Zoom has no Zoom account' in field_row  # shown at the alternative hosts field
    assert not [c for c in zoom_calls(zoom_sim) if c['method'] == 'POST']
    assert VCRoom.query.count() == 0


def test_zoom_side_alternative_hosts_show_and_are_kept(db, manager_client, zoom_host, other_user, create_event,
                                                       zoom_sim):
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    zoom_sim.add_user('zoom.only@example.test', 'Zoom', 'Only')
    get_client().update_meeting(assoc.vc_room.data['zoom_id'],
                                {'settings': {'alternative_hosts': f'zoom.only@example.test;{other_user.email}'}})
    html = manager_client.get(edit_url(assoc)).json['html']
    assert other_user.identifier in html  # the Indico user Zoom lists is in the field
    assert assoc.vc_room.data['zoom_only_alternative_hosts'] == ['zoom.only@example.test']
    zoom_sim.clear_requests()
    resp = manager_client.post(edit_url(assoc), {**edit_data(assoc, name='Renamed'), 'vc-alternative_hosts': '[]'})
    assert resp.json.get('success'), form_errors(resp)
    [patch] = zoom_calls(zoom_sim, 'PATCH')
    # removing the Indico user removes only them; the address only Zoom knows stays
    assert patch['body'] == {'topic': 'Renamed', 'settings': {'alternative_hosts': 'zoom.only@example.test'}}


def alternative_host_url(assoc):
    return f'/event/{assoc.event_id}/manage/videoconference/zoom/{assoc.id}/alternative-host'


def test_make_me_alternative_host(db, manager_client, zoom_host, other_user, create_event, login, zoom_sim, smtp):
    event = future_event(create_event, 1, zoom_host)
    event.update_principal(other_user, full_access=True)
    assoc = create_meeting(manager_client, event)
    colleague = login(other_user)
    page = colleague.get(f'/event/{event.id}/manage/videoconference/').data.decode()
    assert 'Make me alternative host' in page
    assert alternative_host_url(assoc) in page
    assert 'Make me alternative host' not in manager_client.get(
        f'/event/{event.id}/manage/videoconference/').data.decode()  # the host is offered nothing

    zoom_sim.clear_requests()
    resp = colleague.post(alternative_host_url(assoc), prefix='')
    assert resp.status_code == 302
    assert [(c['method'], c['body']) for c in zoom_calls(zoom_sim)] == [
        ('GET', None), ('PATCH', {'settings': {'alternative_hosts': other_user.email}})]
    assert zoom_sim.meetings()[0]['settings']['alternative_hosts'] == other_user.email
    assert assoc.vc_room.data['alternative_hosts'] == [other_user.identifier]
    assert any(e.data.get('Alternative hosts') == other_user.email for e in EventLogEntry.query.with_parent(event))
    page = colleague.get(f'/event/{event.id}/manage/videoconference/').data.decode()
    assert 'Make me alternative host' not in page
    assert 'vc-zoom-alternative-hosts">Nina Other<' in page  # managers see who
    assert 'Alternative hosts' not in colleague.get(f'/event/{event.id}/').data.decode()  # attendees never do

    zoom_sim.clear_requests()
    assert colleague.post(alternative_host_url(assoc), prefix='').status_code == 302  # twice: nothing to do
    assert zoom_calls(zoom_sim) == []


def test_make_me_alternative_host_needs_manager_and_csrf(db, manager_client, zoom_host, other_user, create_event,
                                                         login, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    assoc = create_meeting(manager_client, event)
    zoom_sim.clear_requests()
    assert login(other_user).post(alternative_host_url(assoc), prefix='').status_code == 403  # not a manager
    event.update_principal(other_user, full_access=True)
    colleague = login(other_user)
    assert colleague.client.post(alternative_host_url(assoc)).status_code == 400  # no CSRF token
    assert colleague.client.get(alternative_host_url(assoc)).status_code == 405
    assert zoom_calls(zoom_sim) == []
    assert not assoc.vc_room.data.get('alternative_hosts')


# --- Indico user merges -----------------------------------------------------------------------------------------

def test_host_and_alternative_host_follow_user_merge(db, manager_client, zoom_host, other_user, create_user,
                                                     create_event, login, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    hosted = create_meeting(manager_client, event, host_choice='someone_else', host_user=other_user.identifier)
    second = future_event(create_event, 2, zoom_host)
    alternative = create_meeting(manager_client, second, name='Alternatively hosted',
                                 alternative_hosts=principals(other_user))
    remaining = create_user(9, first_name='Nina', last_name='Merged', email='nina.merged@example.test')
    admin = create_user(10, admin=True)
    zoom_sim.clear_requests()
    resp = login(admin).post('/admin/users/merge/', {'source_user': other_user.identifier,
                                                     'target_user': remaining.identifier}, prefix='')
    assert resp.status_code == 302, resp.data
    assert other_user.is_deleted
    assert hosted.vc_room.data['host'] == remaining.identifier
    assert hosted.vc_room.data['host_applied'] == remaining.identifier  # Zoom's host is the same person
    assert alternative.vc_room.data['alternative_hosts'] == [remaining.identifier]
    assert zoom_calls(zoom_sim) == []  # nothing to tell Zoom
    for evt, what in ((event, 'host follows a user merge'), (second, 'alternative host follows a user merge')):
        [entry] = [e for e in EventLogEntry.query.with_parent(evt) if what in e.summary]
        assert remaining.identifier in entry.data['Now']
    # an edit afterwards sees no host change (no Zoom call)
    resp = manager_client.post(edit_url(hosted), edit_data(hosted, host_choice='someone_else',
                                                           host_user=remaining.identifier))
    assert resp.json.get('success'), form_errors(resp)
    assert zoom_calls(zoom_sim) == []


# --- the assistant's daily budget on the settings page ------------------------------------------------------------

def test_settings_page_shows_the_assistants_calls_today(db, manager_client, assistant_mode, zoom_host, create_user,
                                                        create_event, login, zoom_sim):
    admin = login(create_user(5, admin=True))
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host))
    manager_client.post(edit_url(assoc), edit_data(assoc, name='Renamed'))
    html = admin.get('/admin/plugins/vc_zoom/').data.decode()
    assert f"charged to the assistant account {ASSISTANT}: 2 of Zoom's 100" in html
    assert 'info-message-box' in html[html.index('vc-zoom-call-budget') - 60:]
    assert 'The daily limit is near' not in html
    assert 'daily limit (100 per day)' in html  # the trade-off is explained at the setting
    for _ in range(78):
        budget.count_call(ASSISTANT)
    html = admin.get('/admin/plugins/vc_zoom/').data.decode()
    assert f'{ASSISTANT}: 80 of' in html
    assert 'The daily limit is near' in html
