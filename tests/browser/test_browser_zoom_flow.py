"""End to end, in Debian's Chromium, against a live Indico started like the demo and the Zoom simulator.

One scenario, one test per step, in file order; each step builds on the previous one (the meeting lives in
``flow``). Screenshots of every step go to test-artifacts/browser/.
"""

import re

import pytest
from live_instance import ASSISTANT  # scripts/lib/live_instance.py, loaded by conftest.py
from scenario import Scenario

from indico_lines import CORE_TEXT


pytestmark = pytest.mark.browser

ROOM_NAME = 'Detector sync e2e'


class Flow(Scenario):
    """What the steps share: the meeting as the simulator holds it, and the JS errors seen so far."""

    def __init__(self, live, http):
        super().__init__(live, http)
        self.meeting = None
        # other browser modules share the live instance (and its simulator): this flow looks at its own meetings
        self.others = {m['id'] for m in self.sim_meetings()}

    def sim_meetings(self):
        return [m for m in self.sim('/meetings')['meetings'] if m['id'] not in getattr(self, 'others', ())]

    def sim_meeting(self):
        if self.meeting is None:
            pytest.fail('no meeting: the create step failed before this one')
        return next((m for m in self.sim_meetings() if m['id'] == self.meeting['id']), None)



@pytest.fixture(scope='module')
def flow(live, http):
    return Flow(live, http)


@pytest.fixture(scope='module')
def admin_page(browser, live, flow):
    """A browser session of the admin (manager of both events), logged in through Indico's login form."""
    page = flow.logged_in_page(browser, live.users['admin'])
    yield page
    page.context.close()


@pytest.fixture
def shot(artifacts, request):
    counter = iter(range(1, 100))

    def _shot(page, what, full_page=True):
        path = artifacts / f'{request.node.name.removeprefix("test_")}-{next(counter)}-{what}.png'
        page.screenshot(path=path, full_page=full_page)
        return path

    return _shot


@pytest.fixture(autouse=True)
def no_js_errors(flow):
    yield
    errors, flow.page_errors[:] = list(flow.page_errors), []
    assert not errors, f'JavaScript errors: {errors}'


def manage_vc_url(live, key):
    return f'{live.event_url(key)}manage/videoconference/'


def room_row(page):
    return page.locator('tr.vc-room-entry', has_text=ROOM_NAME)


def save_dialog(page, form):
    # the dialogs reload the page after a successful save (data-reload-after)
    with page.expect_navigation():
        form.locator('input[type=submit][value=Save]').click()
    page.wait_for_load_state('networkidle')


def test_login_through_the_form(admin_page, live, shot):
    shot(admin_page, 'home')
    assert '/login' not in admin_page.url
    assert admin_page.locator('#user-settings-link').inner_text().strip() == 'A. Admin'
    admin_page.goto(manage_vc_url(live, 'main'))
    assert admin_page.get_by_role('heading', name='Current videoconferences').is_visible()
    shot(admin_page, 'videoconference-page')


def test_create_meeting_from_the_videoconference_page(admin_page, live, flow, shot):
    page = admin_page
    page.goto(manage_vc_url(live, 'main'))
    assert flow.sim_meetings() == []
    page.get_by_role('button', name=CORE_TEXT['create_button']).click()
    form = page.locator('.ui-dialog form#vc-room-form')
    form.wait_for()
    form.locator('#vc-name').fill(ROOM_NAME)
    passcode = form.locator('#vc-password')
    generated = passcode.input_value()
    assert re.fullmatch(r'\d{10}', generated)  # the plugin's default passcode length
    form.get_by_role('button', name='New passcode').click()  # the plugin's own JS in the dialog
    assert re.fullmatch(r'\d{10}', passcode.input_value())
    assert passcode.input_value() != generated
    passcode.fill('24681357')
    assert form.locator('#vc-password_visibility-1').is_checked()  # logged-in users: the default
    assert form.locator('#vc-host_choice-0').is_checked()  # myself
    shot(page, 'create-dialog', full_page=False)
    save_dialog(page, form)
    shot(page, 'created')
    assert page.locator('.success-message-box').inner_text().strip() == CORE_TEXT['created'].format(ROOM_NAME)

    meetings = flow.sim_meetings()
    assert [m['topic'] for m in meetings] == [ROOM_NAME]
    flow.meeting = meeting = meetings[0]
    assert meeting['host_email'] == live.users['admin']['email']
    assert meeting['password'] == '24681357'
    # the event is in the future: the meeting has its time
    assert meeting['type'] == 2
    assert meeting['start_time'] == live.seed['event_starts']['main']

    page.goto(live.event_url('main'))
    join = page.locator('a.vc-zoom-join', has_text='Join')
    assert join.count() == 1
    assert join.get_attribute('href') == meeting['join_url']
    shot(page, 'event-page')


def test_attach_meeting_to_second_event(admin_page, live, flow, shot):
    page = admin_page
    meeting = flow.sim_meeting()
    page.goto(manage_vc_url(live, 'second'))
    page.get_by_role('link', name=CORE_TEXT['attach_link']).click()
    form = page.locator('.ui-dialog form#vc-attach-room-form')
    form.wait_for()
    form.locator('input.search').fill(ROOM_NAME.split()[1])  # a part of the name: the search suggests it
    option = form.locator('[role=option]', has_text=ROOM_NAME)
    option.wait_for()
    shot(page, 'attach-dialog', full_page=False)
    option.click()
    assert form.locator('#vc-room-data').input_value()
    save_dialog(page, form)
    shot(page, 'attached')
    assert page.locator('.success-message-box').inner_text().strip() == CORE_TEXT['attached']
    assert room_row(page).count() == 1

    # one meeting on Zoom, shown on both events
    assert [m['id'] for m in flow.sim_meetings()] == [meeting['id']]
    for key in ('main', 'second'):
        page.goto(live.event_url(key))
        assert page.get_by_text(ROOM_NAME).count() >= 1
        join = page.locator('a.vc-zoom-join', has_text='Join')
        assert join.count() == 1
        assert f'/j/{meeting["id"]}' in join.get_attribute('href')
        shot(page, f'event-{key}')


def test_change_host_to_second_user(admin_page, live, flow, shot):
    page = admin_page
    host = live.users['host']
    page.goto(manage_vc_url(live, 'main'))
    room_row(page).locator('button.js-vcroom-edit').click()
    form = page.locator('.ui-dialog form#vc-room-form')
    form.wait_for()
    form.locator('#vc-host_choice-1').check()  # someone else
    # Indico's React user picker: the search icon opens a modal searching users by e-mail
    form.locator('[id$=host_user] i.search.icon').first.click()
    modal = page.locator('.ui.modal')
    modal.locator('input[name=email]').fill(host['email'])
    modal.get_by_role('button', name='Search').click()
    result = modal.locator('[role=listitem]', has_text=f'{host["first_name"]} {host["last_name"]}')
    result.wait_for()
    shot(page, 'user-picker', full_page=False)
    result.locator('i.add.icon').click()
    modal.wait_for(state='detached')
    # Indico 3.3 signs the identifier (``User:2:<signature>``), 3.2 does not
    assert re.fullmatch(rf'User:{live.seed["users"]["host"]}(:\S+)?', form.locator('#vc-host_user').input_value())
    shot(page, 'edit-dialog', full_page=False)
    save_dialog(page, form)
    shot(page, 'updated')
    assert page.locator('.success-message-box').inner_text().strip() == CORE_TEXT['updated'].format(ROOM_NAME)
    room_row(page).locator('a.toggle-details').click()  # unfold the meeting's details
    details = room_row(page).locator('xpath=following-sibling::tr[1]').locator('dl.details-container')
    details.wait_for()
    shot(page, 'details')
    assert f'{host["first_name"]} {host["last_name"]} <{host["email"]}>' in details.inner_text()

    meeting = flow.sim_meeting()
    zoom_user = next(u for u in flow.sim('/users') if u['email'] == host['email'])
    assert meeting['host_email'] == host['email']
    assert meeting['host_id'] == zoom_user['id']
    # assistant mode (the demo's default): the assistant scheduled the meeting, so Zoom let it move the host
    assert meeting['_simulator']['scheduler_email'] == ASSISTANT['email']
    flow.meeting = meeting


def test_make_me_alternative_host(admin_page, live, flow, shot):
    page = admin_page
    admin = live.users['admin']
    page.goto(manage_vc_url(live, 'main'))
    button = room_row(page).locator('button.vc-zoom-make-alternative-host')
    assert button.count() == 1  # the admin manages the event and no longer hosts the meeting
    shot(page, 'offered')
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state('networkidle')
    shot(page, 'alternative-host')
    assert 'You are now an alternative host' in page.locator('.success-message-box').inner_text()
    assert room_row(page).locator('button.vc-zoom-make-alternative-host').count() == 0
    room_row(page).locator('a.toggle-details').click()
    details = room_row(page).locator('xpath=following-sibling::tr[1]').locator('dd.vc-zoom-alternative-hosts')
    details.wait_for()
    assert details.inner_text().strip() == f'{admin["first_name"]} {admin["last_name"]}'
    meeting = flow.sim_meeting()
    assert meeting['settings']['alternative_hosts'] == admin['email']
    assert meeting['host_email'] == live.users['host']['email']


def test_anonymous_visitor_gets_no_join_link(browser, live, flow, http, shot):
    meeting = flow.sim_meeting()
    secrets_ = {'join URL': meeting['join_url'], 'pwd': meeting['join_url'].partition('pwd=')[2],
                'passcode': meeting['password'], 'encrypted passcode': meeting['encrypted_password']}
    assert all(secrets_.values())
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = flow.watch(context.new_page())
    try:
        for key in ('main', 'second'):
            raw = http.get(live.event_url(key), timeout=30)
            assert raw.status_code == 200
            page.goto(live.event_url(key))
            shot(page, f'anonymous-{key}')
            rendered = page.content()
            for html in (raw.text, rendered):
                assert ROOM_NAME in html  # the meeting is listed...
                assert 'Join link restricted' in html
                for what, value in secrets_.items():  # ...but nothing that lets you in
                    assert value not in html, f'{what} in the anonymous page of event {key}'
                assert not re.search(rf'/j/{meeting["id"]}\b', html)
            assert page.locator('a.vc-zoom-join', has_text='Join').count() == 0
    finally:
        context.close()


def test_meeting_deleted_on_zoom_shows_deleted(admin_page, live, flow, shot):
    page = admin_page
    meeting = flow.sim_meeting()
    result = flow.sim('/webhook', 'POST', json={'event': 'meeting.deleted', 'id': meeting['id']})
    assert result['status'] in (200, 204), result
    assert flow.sim_meetings() == []

    for key in ('main', 'second'):
        page.goto(live.event_url(key))
        shot(page, f'event-{key}')
        assert page.get_by_text(ROOM_NAME).count() == 0  # Indico lists only live meetings on the event page
        assert page.locator('a.vc-zoom-join', has_text='Join').count() == 0
        page.goto(manage_vc_url(live, key))
        shot(page, f'manage-{key}')
        row = room_row(page)
        assert row.count() == 1
        assert 'deleted' in row.get_attribute('class').split()
        assert row.locator('button.js-vcroom-edit').count() == 0
