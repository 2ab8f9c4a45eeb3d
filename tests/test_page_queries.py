"""Pages listing many meetings: a constant number of SQL queries whatever the number of meetings, and no Zoom call.

Timings are measured in ``benchmarks/test_page_render.py``, not asserted here. Each request starts with an empty DB
session (``forget_loaded``), as a real request does; otherwise objects loaded by the test would hide lazy loads.
"""

import re

import meeting_pages
import pytest
from flask import current_app
from indico.core import signals
from indico.modules.events.layout import layout_settings
from indico.modules.events.models.events import EventType
from indico.web.flask.templating import TemplateSnippet
from markupsafe import Markup
from meeting_pages import ANONYMOUS, LOGGED_IN, MANAGER, MEETING_COUNTS, VIEWERS, build_event, forget_loaded


@pytest.fixture
def pages(db, zoom_plugin, zoom_host, create_user, create_event, test_client, login):
    visitor = create_user(3001, email='visitor@example.test')
    clients = meeting_pages.viewer_clients(test_client, login, zoom_host, visitor)
    event_ids = {n: build_event(db, create_event, zoom_host, n, event_id=700 + n).id for n in MEETING_COUNTS}

    def _get(viewer, url, count):
        forget_loaded(db)
        resp = clients[viewer].get(url.format(event_ids[count]))
        assert resp.status_code == 200, resp.status_code
        text = resp.get_data(as_text=True)
        assert f'Meeting {count - 1:02d}' in text  # every meeting is listed: the count is not vacuous
        return text

    return _get


def _queries(count_queries, pages, viewer, url):
    counts = {}
    for n in MEETING_COUNTS:
        pages(viewer, url, n)  # warm-up: Indico loads a few things once per process
        with count_queries() as count:
            text = pages(viewer, url, n)
        counts[n] = count()
        if viewer == MANAGER:
            assert text.count('https://zoom.example/j/') >= n  # the manager sees every join link
    return counts


def test_management_page_queries_do_not_grow_with_meetings(count_queries, pages):
    counts = _queries(count_queries, pages, MANAGER, '/event/{}/manage/videoconference/')
    assert len(set(counts.values())) == 1, counts


@pytest.mark.parametrize('viewer', VIEWERS)
def test_event_page_queries_do_not_grow_with_meetings(count_queries, pages, viewer):
    counts = _queries(count_queries, pages, viewer, '/event/{}/')
    assert len(set(counts.values())) == 1, counts


def test_no_zoom_call_during_page_views(db, zoom_plugin, zoom_host, create_user, create_event, test_client, login,
                                        zoom_sim):
    """Every page that shows meetings, for every viewer: the simulator (Zoom) receives nothing at all."""
    visitor = create_user(3001, email='visitor@example.test')
    clients = meeting_pages.viewer_clients(test_client, login, zoom_host, visitor)
    meeting = build_event(db, create_event, zoom_host, 3, event_id=801)
    conference = build_event(db, create_event, zoom_host, 3, event_id=802)
    conference.type_ = EventType.conference
    layout_settings.set(conference, 'show_vc_rooms', True)
    urls = [f'/event/{meeting.id}/', f'/event/{meeting.id}/timetable/', f'/event/{meeting.id}/event.ics',
            f'/event/{conference.id}/', f'/event/{conference.id}/videoconference/',
            f'/export/event/{meeting.id}.json?detail=contributions']
    zoom_sim.clear_requests()
    seen = 0
    for viewer in (ANONYMOUS, LOGGED_IN, MANAGER):
        for url in [*urls, *([f'/event/{meeting.id}/manage/videoconference/'] if viewer == MANAGER else [])]:
            forget_loaded(db)
            resp = clients[viewer].get(url)
            assert resp.status_code == 200, (viewer, url, resp.status_code)
            seen += 'Meeting 02' in resp.get_data(as_text=True)
    assert seen >= 3 * 4  # the meetings were on the pages (event, conference home and VC page, API)
    assert zoom_sim.requests(None) == []  # no API call, no OAuth token request


def _core_toolbar():
    """The opening of the toolbar Indico's own ``vc/event_buttons.html`` of this line draws around a row's buttons."""
    source = current_app.jinja_env.loader.get_source(current_app.jinja_env, 'vc/event_buttons.html')[0]
    opening = re.search(r'<div class="[^"]+">\s*(<div class="group">)?', source).group(0)
    return re.sub(r'\s+', ' ', opening).strip()


def test_event_page_rows_keep_indicos_toolbar_and_its_hook(pages):
    """The plugin draws the rows' toolbar itself (event_page.py): as Indico's template of the line does, and with its
    ``event-vc-extra-buttons`` hook, which other plugins fill per meeting."""
    def extra_button(sender, event_vc_room, **kwargs):
        return (TemplateSnippet(Markup('<i class="extra-button-{}"></i>').format(event_vc_room.id), True, 50),)

    signals.plugin.template_hook.connect(extra_button, sender='event-vc-extra-buttons', weak=False)
    try:
        hooked = pages(LOGGED_IN, '/event/{}/', 10)
    finally:
        signals.plugin.template_hook.disconnect(extra_button, sender='event-vc-extra-buttons')
    plain = pages(LOGGED_IN, '/event/{}/', 10)
    assert len(re.findall(r'<i class="extra-button-\d+"></i>', hooked)) == 10
    assert 'extra-button-' not in plain
    toolbar = _core_toolbar()
    assert re.sub(r'\s+', ' ', plain).count(toolbar) == 10, toolbar
    assert plain.count('class="vc-zoom-join ') == 10  # the logged-in visitor may join: visibility 'logged_in'
