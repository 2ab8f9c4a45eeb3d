"""A user registers through Indico's real registration form in Chromium; after the worker's sync they see their
personal Zoom link on the event page, and another logged-in user sees neither it nor the general link (checked in
the page and in the bytes served). Runs against the live instance with its Celery worker."""

import re

import pytest
from markupsafe import escape
from scenario import log_in, wait_until


pytestmark = pytest.mark.browser
ACTIONS = 'tests.browser.live_registration'
PASSWORD = 'zoom-demo-2026'
USERS = {'rita': {'first_name': 'Rita', 'last_name': 'Registrant', 'email': 'rita@example.com', 'login': 'rita',
                  'password': PASSWORD},
         'otto': {'first_name': 'Otto', 'last_name': 'Other', 'email': 'otto@example.com', 'login': 'otto',
                  'password': PASSWORD}}


@pytest.fixture(scope='module')
def setup(live):
    return live.call(f'{ACTIONS}:setup_registration_meeting', admin_email=live.users['admin']['email'], users=USERS)


def registrants(live, http, zoom_id):
    meetings = http.get(f'{live.zoom_url}/_simulator/meetings', timeout=15).json()['meetings']
    return next(m for m in meetings if m['id'] == zoom_id)['_simulator']['registrants']


def test_registrant_sees_own_link_and_another_user_not(browser, live, http, setup, artifacts):
    event_url = f'{live.indico_url}/event/{setup["event"]}/'
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = context.new_page()
    errors = []
    page.on('pageerror', lambda exc: errors.append(str(exc)))
    log_in(page, live, 'rita', PASSWORD)
    page.goto(f'{event_url}registrations/{setup["regform"]}/')
    page.wait_for_load_state('networkidle')
    page.screenshot(path=artifacts / 'registration-1-form.png', full_page=True)
    # the personal data of a logged-in user come filled in; register with Indico's own form
    page.get_by_role('button', name=re.compile(r'^(Register|Apply)$')).click()
    page.wait_for_load_state('networkidle')
    page.locator('text=Your registration').first.wait_for(timeout=30000)
    page.screenshot(path=artifacts / 'registration-2-registered.png', full_page=True)

    # the request never waited on Zoom: the worker adds the registrant after the commit
    [registrant] = wait_until(lambda: registrants(live, http, setup['zoom_id']))
    assert (registrant['email'], registrant['status']) == ('rita@example.com', 'approved')
    personal = registrant['join_url']
    assert personal != setup['join_url'] and 'tk=' in personal

    page.goto(event_url)
    page.wait_for_load_state('networkidle')
    page.screenshot(path=artifacts / 'registration-3-event-page.png', full_page=True)
    assert page.locator(f'a.vc-zoom-join[href="{personal}"]').count() >= 1
    raw = page.request.get(event_url).text()  # the bytes served to her (her session's cookies)
    assert str(escape(personal)) in raw
    assert str(escape(setup['join_url'])) not in raw and setup['join_url'] not in raw
    # her registration page shows it as well
    page.goto(f'{event_url}registrations/{setup["regform"]}/')
    assert str(escape(personal)) in page.request.get(page.url).text()
    context.close()

    other = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = other.new_page()
    page.on('pageerror', lambda exc: errors.append(str(exc)))
    log_in(page, live, 'otto', PASSWORD)
    page.goto(event_url)
    page.wait_for_load_state('networkidle')
    page.screenshot(path=artifacts / 'registration-4-other-user.png', full_page=True)
    assert page.locator('a.vc-zoom-join').count() == 0
    raw = page.request.get(event_url).text()
    assert 'Registration e2e meeting' in raw  # the meeting is listed, without any link
    token = personal.split('tk=')[1].split('&')[0]
    assert token not in raw and str(setup['zoom_id']) not in raw
    other.close()
    assert not errors, errors
