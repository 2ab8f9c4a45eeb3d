"""Finding a host's Zoom account by identity (login@enterprise domain), through the real create flow."""

import pytest
from indico.modules.auth.models.identities import Identity
from indico.modules.vc.models.vc_rooms import VCRoom
from test_meetings import create_meeting, create_url, form_data, future_event


DOMAIN = 'zoom.example.org'


@pytest.fixture
def manager_client(zoom_plugin, zoom_host, login, smtp):
    return login(zoom_host)


@pytest.fixture
def identity_setup(zoom_plugin):
    zoom_plugin.settings.set_multi({'identity_provider': 'campus-sso', 'enterprise_domain': DOMAIN})
    return zoom_plugin


@pytest.fixture
def bruno(db, create_user):
    """A user whose Indico address is not their Zoom account, with an institutional login 'BHost'."""
    user = create_user(2, first_name='Bruno', last_name='Host', email='bruno@private.test')
    user.identities.add(Identity(provider='campus-sso', identifier='BHost'))
    user.identities.add(Identity(provider='other-sso', identifier='someone-else'))
    db.session.flush()
    return user


def user_lookups(zoom_sim):
    return [r['path'].removeprefix('/v2/users/') for r in zoom_sim.requests()
            if r['method'] == 'GET' and r['path'].startswith('/v2/users/')]


def test_login_at_the_provider_is_the_zoom_account(identity_setup, manager_client, zoom_host, bruno, create_event,
                                                   zoom_sim):
    zoom_sim.add_user(f'bhost@{DOMAIN}', 'Bruno', 'Host')
    zoom_sim.clear_requests()
    assoc = create_meeting(manager_client, future_event(create_event, 1, zoom_host), host_choice='someone_else',
                           host_user=bruno.identifier)
    assert zoom_sim.meetings()[0]['host_email'] == f'bhost@{DOMAIN}'
    assert assoc.vc_room.data['host_email'] == f'bhost@{DOMAIN}'
    assert user_lookups(zoom_sim) == [f'bhost@{DOMAIN}']  # found at once: the e-mail address is not tried
    # cached like the e-mail lookups: the next meeting of the same host asks Zoom nothing about them
    zoom_sim.clear_requests()
    create_meeting(manager_client, future_event(create_event, 2, zoom_host), name='Second sync',
                   host_choice='someone_else', host_user=bruno.identifier)
    assert user_lookups(zoom_sim) == []


def test_falls_back_to_the_email_addresses(identity_setup, manager_client, zoom_host, bruno, create_event,
                                           zoom_sim):
    zoom_sim.add_user(bruno.email, 'Bruno', 'Host')
    zoom_sim.clear_requests()
    create_meeting(manager_client, future_event(create_event, 1, zoom_host), host_choice='someone_else',
                   host_user=bruno.identifier)
    assert zoom_sim.meetings()[0]['host_email'] == bruno.email
    assert user_lookups(zoom_sim) == [f'bhost@{DOMAIN}', bruno.email]


def test_without_zoom_account_says_what_was_tried(identity_setup, manager_client, zoom_host, bruno, create_event,
                                                  zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    resp = manager_client.post(create_url(event), form_data(host_choice='someone_else', host_user=bruno.identifier))
    assert resp.status_code == 200
    html = resp.json['html']
    assert f'Bruno Host has no Zoom account (tried: bhost@{DOMAIN}, bruno@private.test).' in html
    assert 'someone-else' not in html  # identities at other providers are not Zoom logins
    assert VCRoom.query.count() == 0


def test_off_without_a_domain(zoom_plugin, manager_client, zoom_host, bruno, create_event, zoom_sim):
    zoom_plugin.settings.set('identity_provider', 'campus-sso')  # no enterprise domain: e-mail addresses only
    zoom_sim.add_user(f'bhost@{DOMAIN}', 'Bruno', 'Host')
    zoom_sim.add_user(bruno.email, 'Bruno', 'Host')
    zoom_sim.clear_requests()
    create_meeting(manager_client, future_event(create_event, 1, zoom_host), host_choice='someone_else',
                   host_user=bruno.identifier)
    assert user_lookups(zoom_sim) == [bruno.email]


def test_settings_form_offers_it(zoom_plugin, create_user, login):
    admin = create_user(3001, email='admin@example.test', admin=True)
    html = login(admin).get('/admin/plugins/vc_zoom/').get_data(as_text=True)
    assert 'Zoom enterprise domain' in html
    assert 'None: e-mail addresses only' in html
