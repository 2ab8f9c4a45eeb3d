"""The Zoom app's scopes per feature, through the real stack: tokens with chosen scopes from the simulator, which
refuses calls outside them as Zoom does (400, code 4711); the settings page, ``indico zoom check``, and an action
that hits a missing scope."""

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from indico.util.date_time import now_utc

from indico_vc_zoom import scopes
from indico_vc_zoom.cli import cli
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.zoom.errors import ZoomScopeMissing


CLASSIC_MEETINGS = ['meeting:read:admin', 'meeting:write:admin', 'user:read:admin']
#: what the simulator's tokens get by default: every classic admin scope
EVERY_CLASSIC_SCOPE = {'meeting:read:admin', 'meeting:write:admin', 'user:read:admin', 'user:write:admin',
                       'webinar:read:admin', 'webinar:write:admin', 'report:read:admin', 'recording:read:admin'}
GRANULAR_MEETINGS = ['meeting:write:meeting:admin', 'meeting:read:meeting:admin', 'meeting:update:meeting:admin',
                     'meeting:delete:meeting:admin', 'meeting:read:list_meetings:admin', 'user:read:user:admin']


def report(zoom_plugin):
    return scopes.check_scopes(get_client(), zoom_plugin.settings.get_all())


def feature(result, key):
    return next(status for status in result.features if status.feature.key == key)


def settings_page(create_user, login):
    admin = create_user(3001, email='admin@example.test', admin=True)
    resp = login(admin).get('/admin/plugins/vc_zoom/')
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'Zoom app scopes' in html
    return html


def scope_row(html, key):
    [row] = re.findall(rf'<tr class="vc-zoom-scope-{key} [^"]*">.*?</tr>', html, re.S)
    return ' '.join(row.split())


def test_classic_app_with_every_scope(zoom_plugin, zoom_sim, create_user, login):
    result = report(zoom_plugin)
    assert result.ok
    assert result.granted == EVERY_CLASSIC_SCOPE
    assert all(s.source == 'token' and s.granted for status in result.features for s in status.needs)
    assert zoom_sim.requests() == []  # read from the token reply: no API call
    html = settings_page(create_user, login)
    assert 'vc-zoom-scope-ok' in scope_row(html, 'meetings')
    assert 'All there' in scope_row(html, 'webinars')
    assert CliRunner().invoke(cli, ['check']).exit_code == 0


def test_missing_webinar_scopes_are_named(db, zoom_plugin, zoom_sim, zoom_host, create_user, create_event, login):
    zoom_plugin.settings.set('webhook_token', '')  # no webhooks: attendance reports and recordings are not in use
    zoom_sim.configure(scopes=CLASSIC_MEETINGS)
    result = report(zoom_plugin)
    assert not result.ok
    assert feature(result, 'meetings').ok
    assert feature(result, 'webinars').missing == ['webinar:write:admin', 'webinar:read:admin']
    assert result.missing_in_use() == ['webinar:write:admin', 'webinar:read:admin']
    # the assistant account is not configured: not in use, and what it would need is said all the same
    assistants = feature(result, 'assistants')
    assert (assistants.in_use, assistants.missing) == (False, ['user:write:admin'])

    row = scope_row(settings_page(create_user, login), 'webinars')
    assert ('Add the scope <code>webinar:write:admin</code> (to create webinars, change webinars, delete '
            'webinars)') in row
    assert 'Add the scope <code>webinar:read:admin</code>' in row

    out = CliRunner().invoke(cli, ['check'])
    assert out.exit_code == 1
    assert 'Webinars: MISSING webinar:write:admin (to create webinars, change webinars, delete webinars)' in out.output
    assert 'Add to the Zoom app (Zoom App Marketplace): webinar:write:admin, webinar:read:admin' in out.output
    assert 'Meetings: ok' in out.output

    # a manager creating a webinar gets the reason, not Zoom's bare refusal
    start = now_utc() + timedelta(days=2)
    event = create_event(start_dt=start, end_dt=start + timedelta(hours=1))
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Big webinar', 'vc-password': '12345678', 'vc-password_visibility': 'logged_in',
        'vc-host_choice': 'myself', 'vc-linking': 'event', 'vc-show': 'y', 'vc-meeting_type': 'webinar'})
    assert resp.status_code == 200
    assert 'lacks the scope webinar:write:admin or webinar:write' in resp.get_data(as_text=True)
    assert ('POST', 400) in {(r['method'], r['status']) for r in zoom_sim.requests()}
    assert zoom_sim.webinars() == []


def test_granular_app_is_told_the_granular_scope(zoom_plugin, zoom_sim):
    zoom_plugin.settings.set_multi({'allow_webinars': False, 'webhook_token': ''})  # no meeting runs: see below
    zoom_sim.configure(scopes=[s for s in GRANULAR_MEETINGS if s != 'meeting:delete:meeting:admin'])
    result = report(zoom_plugin)
    meetings = feature(result, 'meetings')
    assert meetings.missing == ['meeting:delete:meeting:admin']
    assert meetings.actions_needing('meeting:delete:meeting:admin') == 'delete meetings'
    assert result.missing_in_use() == ['meeting:delete:meeting:admin']
    assert not feature(result, 'webinars').in_use
    # and the simulator agrees: deleting is refused, everything else works
    client = get_client()
    zoom_sim.add_user('host@example.test')
    meeting = client.create_meeting('host@example.test', {'topic': 'Granular', 'type': 3})
    assert client.get_meeting(meeting['id'])['topic'] == 'Granular'
    with pytest.raises(ZoomScopeMissing) as exc_info:
        client.delete_meeting(meeting['id'])
    assert exc_info.value.code == 4711


def test_legacy_app_is_checked_with_harmless_calls(zoom_plugin, zoom_sim):
    creds = zoom_sim.credentials
    zoom_plugin.settings.set_multi({'account_id': '', 'client_id': '', 'client_secret': '',
                                    'api_key': creds['api_key'], 'api_secret': creds['api_secret'],
                                    'assistant_id': 'assistant@example.test',
                                    'webhook_token': ''})  # no meeting runs: no report/recording probes
    result = scopes.configured_report()
    assert result.granted is None
    assert result.ok
    calls = [(r['method'], r['path'], r['status']) for r in zoom_sim.requests()]
    # one call per scope, each about something that does not exist: Zoom says "not found", nothing changes
    assert sorted(calls) == sorted([
        ('GET', '/v2/meetings/1', 404), ('DELETE', '/v2/meetings/1', 404),
        ('GET', f'/v2/users/{scopes.NO_SUCH_USER}', 404),
        ('GET', '/v2/webinars/1', 404), ('DELETE', '/v2/webinars/1', 404),
        ('DELETE', f'/v2/users/{scopes.NO_SUCH_USER}/assistants/{scopes.NO_SUCH_USER}', 404)])
    assert all(s.source == 'call' for s in feature(result, 'meetings').needs)
    # the answers are kept a while: the settings page does not ask again
    zoom_sim.clear_requests()
    assert scopes.configured_report().ok
    assert zoom_sim.requests() == []
    # a refusal (Zoom's 4711, injected) is a missing scope; asked afresh, as `indico zoom check` does
    zoom_sim.fault(r'^/v2/webinars/1$', method='DELETE', status=400,
                   body={'code': 4711, 'message': 'Invalid access token, does not contain scopes:[webinar:write:admin, '
                                                  'webinar:write].'})
    result = report(zoom_plugin)
    assert feature(result, 'webinars').missing == ['webinar:write:admin']
    assert result.missing_in_use() == ['webinar:write:admin']


def test_unknown_scopes_are_confirmed_by_a_call(zoom_plugin, zoom_sim):
    # a granular scope the plugin has no certain name for: the token does not say, a harmless call does
    zoom_plugin.settings.set_multi({'allow_webinars': False, 'assistant_id': 'assistant@example.test',
                                    'webhook_token': ''})  # no meeting runs: reports/recordings not in use
    zoom_sim.configure(scopes=[*CLASSIC_MEETINGS, 'user:write:assistant:admin', 'cloud_recording:read:recording:admin'])
    result = report(zoom_plugin)
    [status] = feature(result, 'assistants').needs
    assert (status.source, status.granted, status.scope_to_add) == ('call', False, 'user:write:admin')
    # only that need was unclear: one call, refused with Zoom's 4711
    assert [(r['method'], r['status']) for r in zoom_sim.requests()] == [('DELETE', 400)]
    assert feature(result, 'meetings').ok
    assert result.missing_in_use() == ['user:write:admin']
    # an unknown scope of another product says nothing about webinars: the token tells what they lack (named
    # granular, as the app has granular scopes)
    webinars = feature(result, 'webinars')
    assert {status.source for status in webinars.needs} == {'token'}
    assert webinars.missing[:2] == ['webinar:write:webinar:admin', 'webinar:read:webinar:admin']


def test_not_configured(zoom_plugin, create_user, login):
    zoom_plugin.settings.set_multi({'account_id': '', 'client_id': '', 'client_secret': ''})
    result = scopes.configured_report()
    assert not result.ok
    assert 'no credentials' in result.error
    assert 'The scopes could not be checked' in settings_page(create_user, login)


def test_meeting_runs_need_report_and_recording_scopes_once_webhooks_are_on(zoom_plugin, zoom_sim):
    zoom_sim.configure(scopes=CLASSIC_MEETINGS)
    result = report(zoom_plugin)  # zoom_plugin has a webhook token: reports and recordings are fetched after runs
    assert feature(result, 'reports').in_use and feature(result, 'reports').ok  # meeting:read:admin covers it
    assert feature(result, 'recordings').in_use
    assert feature(result, 'recordings').missing == ['recording:read:admin']
    assert 'recording:read:admin' in result.missing_in_use()
    assert not feature(result, 'registrants').in_use
    zoom_plugin.settings.set('allow_registration', True)
    assert feature(report(zoom_plugin), 'registrants').in_use
