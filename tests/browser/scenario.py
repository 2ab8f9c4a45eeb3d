"""What the browser scenarios share: logging in through Indico's form, the simulator's control API, page errors,
waiting for the live worker."""

import time


def log_in(page, live, login, password):
    page.goto(f'{live.indico_url}/login/')
    page.fill('#identifier', login)
    page.fill('#password', password)
    with page.expect_navigation():
        page.click('button.login-form-button')
    page.wait_for_load_state('networkidle')


def wait_until(check, timeout=60, what='the worker'):
    """``check()``'s first true result, polled; fails saying ``what`` did not get there in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.25)
    raise AssertionError(f'{what} did not get there within {timeout} s')


class Scenario:
    """One module's scenario against the live instance: simulator calls and the JavaScript errors seen so far."""

    sim_timeout = 15

    def __init__(self, live, http):
        self.live = live
        self.http = http
        self.page_errors = []

    def sim(self, path, method='GET', **kwargs):
        resp = self.http.request(method, f'{self.live.zoom_url}/_simulator{path}', timeout=self.sim_timeout, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def watch(self, page):
        page.on('pageerror', lambda exc: self.page_errors.append(f'{page.url}: {exc}'))
        return page

    def logged_in_page(self, browser, user):
        """A watched page of a new browser context, ``user`` (of ``live.users``) logged in; close its context."""
        context = browser.new_context(viewport={'width': 1280, 'height': 900})
        page = self.watch(context.new_page())
        log_in(page, self.live, user['login'], user['password'])
        return page
