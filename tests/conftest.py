"""Test-suite wiring: Indico's real fixtures, the Zoom simulator, and a suite that cannot skip."""

import json
import os
import uuid

import pytest


pytest_plugins = ('indico', 'zoom_simulator.pytest_plugin')


def pytest_collection_modifyitems(config, items):
    # Browser tests are slow; run them last so a quick failure elsewhere shows first.
    items.sort(key=lambda item: item.get_closest_marker('browser') is not None)


def pytest_sessionfinish(session, exitstatus):
    # A skipped test is a test that did not run: Indico's postgresql fixture skips every DB test when
    # initdb refuses root, so a green run with skips would hide an untested suite. Make it red.
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if reporter is None:
        return
    skipped = reporter.stats.get('skipped', []) + reporter.stats.get('xfailed', [])
    if skipped and session.exitstatus == 0:
        reporter.write_line(f'FAILING THE RUN: {len(skipped)} test(s) skipped/xfailed; skips are not allowed',
                            red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    _write_lane_summary(reporter, len(skipped))


def _write_lane_summary(reporter, skipped):
    # scripts/test runs the suite once per Indico lane and prints one summary line per lane from this file
    path = os.environ.get('VC_ZOOM_LANE_SUMMARY')
    if not path:
        return
    import indico

    count = {key: len([r for r in reporter.stats.get(key, []) if getattr(r, 'when', 'call') == 'call'])
             for key in ('passed', 'failed', 'error')}
    count['error'] = len(reporter.stats.get('error', []))
    failed = count['failed'] + count['error']
    line = f'{count["passed"]} passed, {failed} failed, {skipped} skipped'
    with open(path, 'w') as f:
        json.dump({'lane': os.environ.get('VC_ZOOM_LANE'), 'indico': indico.__version__, 'line': line,
                   'passed': count['passed'], 'failed': failed, 'skipped': skipped}, f)


# --- shared fixtures ----------------------------------------------------------------------------------------------

@pytest.fixture(scope='session', autouse=True)
def _fresh_settings_cache_per_request(app):
    # Indico caches settings in ``g`` for a request; in tests the app context (and so ``g``) outlives each
    # test-client request, so a setting changed by the test between two requests would be read stale.
    # Likewise the HTTP API's ``g.current_api_user``, which makes every later ``session.user`` None.
    from flask import g

    @app.before_request
    def _drop_settings_cache():
        g.pop('settings_cache', None)
        g.pop('global_settings_cache', None)
        g.pop('current_api_user', None)


@pytest.fixture
def request_rollback(db, monkeypatch):
    """Let a failing request roll back its own work, as in production.

    Indico's request handlers call ``db.session.rollback()`` when an action fails; Indico's ``db`` fixture turns that
    into a no-op so tests keep their data. After a failed flush the session then stays unusable for the rest of the
    request (Indico 3.3's form rendering queries the user again and fails). This fixture takes a savepoint now and
    makes the first rollback return to it: the request's own writes are undone, the test's data stays.
    """
    savepoint = db.session.begin_nested()
    rolled_back = []

    def _rollback():
        if not rolled_back:
            rolled_back.append(True)
            savepoint.rollback()

    monkeypatch.setattr(db.session, 'rollback', _rollback)
    return rolled_back


WEBHOOK_TOKEN = 'test-webhook-secret-token'


@pytest.fixture
def zoom_plugin(app, db, zoom_sim):
    """The vc_zoom plugin configured (S2S OAuth) against the session's Zoom simulator, caches emptied."""
    from indico.core.cache import cache
    from indico.core.plugins import plugin_engine

    plugin = plugin_engine.get_plugin('vc_zoom')
    creds = zoom_sim.credentials
    plugin.settings.set_multi({
        'account_id': creds['account_id'], 'client_id': creds['client_id'], 'client_secret': creds['client_secret'],
        'api_url': zoom_sim.api_url, 'oauth_url': zoom_sim.oauth_url, 'webhook_token': WEBHOOK_TOKEN,
        'email_domains': [], 'assistant_id': '', 'allow_webinars': True,
    })
    cache.clear()  # the test Redis: tokens and e-mail -> Zoom user mappings from earlier tests are stale
    return plugin


@pytest.fixture
def zoom_host(dummy_user, zoom_sim):
    """``dummy_user`` with a Zoom account of the same e-mail address in the simulator."""
    zoom_sim.add_user(dummy_user.email, dummy_user.first_name, dummy_user.last_name)
    return dummy_user


@pytest.fixture
def zoom_room_event(db, smtp, zoom_plugin, zoom_host, create_event, login, zoom_sim):
    """``(vc_room, event)``: an event managed by ``zoom_host`` with a Zoom meeting created through Indico's UI;
    the simulator's request log and the e-mail outbox are emptied afterwards."""
    from datetime import timedelta

    from indico.modules.vc.models.vc_rooms import VCRoom
    from indico.util.date_time import now_utc

    event = create_event(start_dt=now_utc() + timedelta(days=2), end_dt=now_utc() + timedelta(days=2, hours=2))
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    resp = login(zoom_host).post(f'/event/{event.id}/manage/videoconference/zoom/create', {
        'vc-name': 'Webhook meeting', 'vc-description': 'desc', 'vc-password': '12345678',
        'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event',
        'vc-show': 'y', 'vc-meeting_type': 'meeting',
    })
    assert resp.status_code == 200, resp.data
    zoom_sim.clear_requests()
    del smtp.outbox[:]
    return VCRoom.query.filter_by(name='Webhook meeting').one(), event


class LoggedInClient:
    """A test client with a logged-in user that posts forms the way a browser does (CSRF token included)."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        self.csrf_token = str(uuid.uuid4())
        with client.session_transaction() as sess:
            sess.set_session_user(user)
            sess['_csrf_token'] = self.csrf_token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, prefix='vc-', **kwargs):
        data = dict(data or {})
        data.setdefault(f'{prefix}csrf_token', self.csrf_token)
        return self.client.post(url, data=data, headers={'X-CSRF-Token': self.csrf_token}, **kwargs)


@pytest.fixture
def login(make_test_client):
    """``login(user)`` -> a :class:`LoggedInClient` (a fresh test client per call)."""
    clients = []

    def _login(user):
        client = make_test_client()
        clients.append(client)
        return LoggedInClient(client, user)

    return _login


@pytest.fixture
def after_commit(db):
    """``after_commit()`` does what the plugin does after a real commit: send the queued tasks.

    Indico's ``db`` fixture turns commits into flushes (nothing is ever committed in a test), so the plugin's
    ``after_commit`` listener never fires by itself; Celery runs tasks eagerly in tests (``TESTING``).
    """
    from indico_vc_zoom.tasks import dispatch_queued

    return dispatch_queued
