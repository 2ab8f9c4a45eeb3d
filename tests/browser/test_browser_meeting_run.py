"""A meeting run end to end, in Debian's Chromium, against the live Indico with its real Celery worker.

The simulator runs the meeting through its control API (start, a registered participant and a guest joining, the
guest leaving, the end, a cloud recording) and sends Zoom's signed webhooks to the live Indico. The manager then
sees the live status and its end, who Zoom checked in, the attendance list (fetched by the worker) and publishes
the recording; an anonymous visitor sees the recording only as its visibility allows, and never the join link
(visible to logged-in users), the attendance list or the check-ins. One scenario, one test per step, in order.
"""

import json
import time

import pytest
from scenario import Scenario


pytestmark = pytest.mark.browser
RUN_ACTIONS = 'tests.browser.run_actions'
ROOM_NAME = 'Run test meeting 0'
GUEST = {'name': 'Gina Guest', 'email': 'gina.guest@example.org'}


class Run(Scenario):
    sim_timeout = 30

    def __init__(self, live, http):
        super().__init__(live, http)
        self.prepared = None
        self.recording = None

    def act(self, action, **extra):
        """One step of the run; the webhook it sent must have been applied by the live Indico."""
        if self.prepared is None:
            pytest.fail('no meeting: the preparing step failed before this one')
        result = self.sim('/run', 'POST', json={'action': action, 'id': self.prepared['zoom_id'], **extra})
        assert result['status'] == 200, result
        result['body'] = json.loads(result['body'])  # Indico's answer, as the simulator received it
        return result

    @property
    def event_url(self):
        return f'{self.live.indico_url}/event/{self.prepared["event"]}/'

    @property
    def manage_url(self):
        return f'{self.event_url}manage/videoconference/'


@pytest.fixture(scope='module')
def meeting_run(live, http):
    return Run(live, http)


@pytest.fixture(scope='module')
def manager(browser, live, meeting_run):
    page = meeting_run.logged_in_page(browser, live.users['admin'])
    yield page
    page.context.close()


@pytest.fixture
def shot(artifacts, request):
    counter = iter(range(1, 100))

    def _shot(page, what):
        page.screenshot(path=artifacts / f'run-{request.node.name.removeprefix("test_")}-{next(counter)}-{what}.png',
                        full_page=True)

    return _shot


@pytest.fixture(autouse=True)
def no_js_errors(meeting_run):
    yield
    errors, meeting_run.page_errors[:] = list(meeting_run.page_errors), []
    assert not errors, f'JavaScript errors: {errors}'


def room_row(page):
    return page.locator('tr.vc-room-entry', has_text=ROOM_NAME)


def details(page):
    """The meeting's details on the management page, unfolded."""
    row = room_row(page)
    row.locator('a.toggle-details').click()
    box = row.locator('xpath=following-sibling::tr[1]').locator('dl.details-container')
    box.wait_for()
    return box


def reload_until(page, url, check, timeout=60, what='the page'):
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        page.wait_for_load_state('networkidle')
        if check(page.content()):
            return page.content()
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} did not show it within {timeout} s')
        time.sleep(0.5)


def test_manager_turns_on_checkin_by_email(manager, live, meeting_run, shot):
    meeting_run.prepared = live.call(f'{RUN_ACTIONS}:prepare_run_event', admin_email=live.users['admin']['email'],
                                     registrant_email=live.users['host']['email'], prefix='Run test')
    page = manager
    page.goto(meeting_run.manage_url)
    room_row(page).locator('button.js-vcroom-edit').click()
    form = page.locator('.ui-dialog form#vc-room-form')
    form.wait_for()
    assert form.locator('#vc-checkin-0').is_checked()  # off by default
    form.locator('#vc-checkin-2').check()  # by e-mail address
    with page.expect_navigation():
        form.locator('input[type=submit][value=Save]').click()
    page.wait_for_load_state('networkidle')
    shot(page, 'saved')
    assert page.locator('.success-message-box').count() == 1


def test_started_meeting_is_live(manager, meeting_run, shot):
    result = meeting_run.act('start')
    assert result['body'] == {'status': 'applied'}
    manager.goto(meeting_run.event_url)
    shot(manager, 'event-page')
    assert 'Live now' in manager.locator('.vc-zoom-live-status').first.inner_text()


def test_registered_participant_is_checked_in(manager, live, meeting_run, shot):
    registrant = live.users['host']
    joined = meeting_run.act('join', participant={'name': 'Bruno on Zoom', 'email': registrant['email']})
    assert joined['body'] == {'status': 'applied'}
    assert meeting_run.act('join', participant=GUEST)['body'] == {'status': 'ignored'}  # not registered
    assert live.call(f'{RUN_ACTIONS}:registration_checked_in',
                     registration=meeting_run.prepared['registration']) == {'checked_in': True}
    manager.goto(meeting_run.manage_url)
    box = details(manager)
    shot(manager, 'checked-in')
    checkins = box.locator('dd.vc-zoom-checkins').inner_text()
    assert f'{registrant["first_name"]} {registrant["last_name"]}' in checkins
    assert GUEST['name'] not in checkins


def test_ended_meeting_and_attendance_list(manager, live, meeting_run, shot):
    meeting_run.act('leave', participant={'email': GUEST['email']})
    ended = meeting_run.act('end')
    assert ended['body'] == {'status': 'applied'}
    manager.goto(meeting_run.event_url)
    status = manager.locator('.vc-zoom-live-status').first.inner_text()
    assert status.startswith('Ended') and 'Live now' not in status
    # the worker fetches Zoom's participant report after the end
    reload_until(manager, meeting_run.manage_url, lambda html: 'vc-zoom-attendance-table' in html,
                 what='the attendance list (Celery worker)')
    box = details(manager)
    shot(manager, 'attendance')
    table = box.locator('table.vc-zoom-attendance-table')
    text = table.inner_text()
    assert 'Bruno on Zoom' in text and GUEST['name'] in text and GUEST['email'] in text
    assert box.locator('dd.vc-zoom-live-status').inner_text().startswith('Ended')
    assert box.locator('a.vc-zoom-attendance-csv').count() == 1
    reports = [r for r in meeting_run.sim('/requests') if '/past_meetings/' in r['path']]
    assert len(reports) == 1  # fetched once


def test_manager_publishes_the_recording(manager, browser, meeting_run, shot):
    completed = meeting_run.act('recording_completed', files=['MP4', 'TRANSCRIPT'], passcode='rec-run-pass')
    assert completed['body'] == {'status': 'applied'}
    meeting_run.recording = completed['sent']['payload']['object']
    share_url = meeting_run.recording['share_url']
    manager.goto(meeting_run.event_url)
    assert share_url not in manager.content()  # not published yet: on no event page, not even the manager's
    manager.goto(meeting_run.manage_url)
    box = details(manager)
    recording = box.locator('dd.vc-zoom-recording')
    assert recording.locator(f'a[href="{share_url}"]').count() == 1
    assert 'not published' in recording.inner_text()
    recording.locator('select.vc-zoom-recording-visibility').select_option('everyone')
    shot(manager, 'before-publish')
    with manager.expect_navigation():
        recording.locator('button.vc-zoom-recording-publish').click()
    manager.wait_for_load_state('networkidle')
    assert 'The recording is now published.' in manager.locator('.success-message-box').inner_text()
    manager.goto(meeting_run.event_url)
    shot(manager, 'event-page')
    assert manager.locator(f'a.vc-zoom-recording-button[href="{share_url}"]').count() == 1


def test_anonymous_visitor_sees_only_what_visibility_allows(browser, live, http, meeting_run, shot):
    share_url = meeting_run.recording['share_url']
    meeting = next(m for m in meeting_run.sim('/meetings')['meetings'] if m['id'] == meeting_run.prepared['zoom_id'])
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = meeting_run.watch(context.new_page())
    try:
        raw = http.get(meeting_run.event_url, timeout=30)
        assert raw.status_code == 200
        page.goto(meeting_run.event_url)
        page.wait_for_load_state('networkidle')
        shot(page, 'anonymous')
        for html in (raw.text, page.content()):
            assert ROOM_NAME in html
            assert share_url in html and 'rec-run-pass' in html  # published for everyone
            assert meeting['join_url'] not in html and meeting['password'] not in html  # logged-in users only
            assert 'Join link restricted' in html
            for private in ('Bruno on Zoom', GUEST['name'], GUEST['email'], 'vc-zoom-checkins',
                            'vc-zoom-attendance'):
                assert private not in html
        assert page.locator(f'a.vc-zoom-recording-button[href="{share_url}"]').count() == 1
        # the managers' pages stay closed
        assert http.get(meeting_run.manage_url, timeout=30, allow_redirects=False).status_code in (302, 403)
    finally:
        context.close()
