"""Recording protection matrix: published recordings on every surface the join link appears on, on raw bytes.

The worlds of ``test_protection_matrix`` (one event, a Zoom room created in the DB, viewers, protections) get two
cloud recordings of the room: a published one, whose share link and passcode must be present exactly where
:func:`protection.recording_access` allows (its own visibility, or by default the join link's, and access to what
the meeting is linked to), and an unpublished one, which no surface but the managers' Videoconference page
carries. The link's visibility differs from the recording's in the cases of an own visibility, so a surface that
asked the join link's rule instead would fail. This plugin's own e-mails (creation, attach, change) are left out:
only the creation e-mail carries the join link, and a meeting just created has no recordings.

Also here: Indico's HTTP API cache (real Redis) never stores a recording link.
"""

import json

import pytest
from indico.modules.events.models.events import EventType
from indico.modules.vc.models.vc_rooms import VCRoomStatus
from test_protection_leaks import ApiCaller, api_entries, cached_api_answers
from test_protection_matrix import (
    ANONYMOUS,
    LOGGED,
    MANAGER,
    PROTECTED_SURFACES,
    PUBLIC,
    ROOM_NAME,
    SURFACE_RENDERERS,
    SURFACES,
    VIEWERS,
    Encoded,
    World,
    expected_full,
    may_access,
)

from indico_vc_zoom.models.zoom_recordings import ZoomRecording
from indico_vc_zoom.protection import EVERYONE, LOGGED_IN, NO_ONE, REGISTERED


REC_TOKEN = 'RECshareTOKENpublished'
REC_URL = f'https://zoom.example/rec/share/{REC_TOKEN}'
REC_PASSCODE = 'RecPass7xQ'
HIDDEN_TOKEN = 'RECshareTOKENunpublished'
HIDDEN_URL = f'https://zoom.example/rec/share/{HIDDEN_TOKEN}'
HIDDEN_PASSCODE = 'HidPass3zW'
INHERIT = None

#: (join link visibility, recording visibility): an own visibility differs from the link's
PUBLIC_CASES = [(NO_ONE, EVERYONE), (EVERYONE, LOGGED_IN), (NO_ONE, REGISTERED), (EVERYONE, NO_ONE),
                (LOGGED_IN, INHERIT), (REGISTERED, INHERIT)]
PROTECTED_CASES = [(NO_ONE, EVERYONE), (EVERYONE, INHERIT)]
#: the surfaces of the join-link matrix where the join link appears and recordings can exist (see the docstring)
RECORDING_SURFACES = tuple(s for s in SURFACES if s != 'plugin_emails')
MATRIX = [(PUBLIC, link, rec, viewer, surface) for surface in RECORDING_SURFACES for link, rec in PUBLIC_CASES
          for viewer in VIEWERS]
MATRIX += [(protection, link, rec, viewer, surface) for protection, surfaces in PROTECTED_SURFACES.items()
           for surface in surfaces for link, rec in PROTECTED_CASES for viewer in VIEWERS]


class RecordingWorld(World):
    """A world whose room has a published and an unpublished recording."""

    def __init__(self, *args, recording_visibility=INHERIT, **kwargs):
        super().__init__(*args, **kwargs)
        self.recording_visibility = recording_visibility

    def make_event(self, *args, **kwargs):
        event = super().make_event(*args, **kwargs)
        files = [{'file_type': 'MP4', 'recording_type': 'shared_screen_with_speaker_view', 'seconds': 3600}]
        self.recording = ZoomRecording(vc_room=self.vc_room, uuid='rec-instance-1==', topic=ROOM_NAME, duration=60,
                                       share_url=REC_URL, passcode=REC_PASSCODE, files=files, published=True,
                                       visibility=self.recording_visibility, event_ts=1)
        self.hidden = ZoomRecording(vc_room=self.vc_room, uuid='rec-instance-2==', topic=ROOM_NAME, duration=5,
                                    share_url=HIDDEN_URL, passcode=HIDDEN_PASSCODE, files=files, published=False,
                                    event_ts=1)
        self.db.session.add_all([self.recording, self.hidden])
        self.db.session.flush()
        return event


@pytest.fixture
def recording_world(db, create_event, create_user, zoom_plugin):
    def _world(mode, recording_visibility=INHERIT, **kw):
        return RecordingWorld(db, create_event, create_user, mode, recording_visibility=recording_visibility, **kw)
    return _world


@pytest.fixture
def client_for(test_client, login):
    def _client_for(world, viewer):
        return test_client if viewer == ANONYMOUS else login(world.users[viewer])
    return _client_for


def assert_recordings(texts, shown, hidden_shown=False):
    """The published recording's link and passcode in the decoded texts (``shown``) or in none of the texts; the
    unpublished one's only where ``hidden_shown`` (the managers' page)."""
    decoded = '\n'.join(text for text in texts if not isinstance(text, Encoded))
    for text in texts:
        if not shown:
            assert REC_TOKEN not in text
            assert REC_PASSCODE not in text
        if not hidden_shown:
            assert HIDDEN_TOKEN not in text
            assert HIDDEN_PASSCODE not in text
    if shown:
        assert REC_URL in decoded
        assert REC_PASSCODE in decoded
    if hidden_shown:
        assert HIDDEN_URL in decoded
        assert HIDDEN_PASSCODE in decoded


def expected_shown(protection, link_mode, recording_mode, viewer, surface):
    """The spec: the recording follows its own visibility (else the link's) exactly as the join link would."""
    return expected_full(recording_mode or link_mode, viewer, surface, protection)


@pytest.mark.parametrize(('protection', 'link_mode', 'recording_mode', 'viewer', 'surface'), MATRIX,
                         ids=[f'{s}-link_{lm}-rec_{rm or "inherit"}-{v}' + (f'-{p}-protected' if p != PUBLIC else '')
                              for p, lm, rm, v, s in MATRIX])
def test_recording_matrix(protection, link_mode, recording_mode, viewer, surface, recording_world, client_for, smtp,
                          zoom_plugin):
    w = recording_world(link_mode, recording_mode, protection=protection)
    texts = SURFACE_RENDERERS[surface](w, viewer, client_for, smtp, zoom_plugin)
    assert texts
    shown = expected_shown(protection, link_mode, recording_mode, viewer, surface)
    assert_recordings(texts, shown, hidden_shown=surface == 'manage_page' and viewer == MANAGER)
    if surface == 'http_api' and w.may_open_event(viewer) and may_access(protection, viewer):
        [result] = json.loads(texts[1])['results']
        [entry] = result['videoconference']
        assert [(r['share_url'], r['passcode']) for r in entry['recordings']] == (
            [(REC_URL, REC_PASSCODE)] if shown else [])


def test_matrix_size():
    protected = sum(len(surfaces) for surfaces in PROTECTED_SURFACES.values())
    assert len(MATRIX) == len(set(MATRIX)) == len(VIEWERS) * (
        len(RECORDING_SURFACES) * len(PUBLIC_CASES) + protected * len(PROTECTED_CASES)) == 288 + 72


@pytest.mark.parametrize('change', ('removed', 'unpublished', 'room_deleted'))
def test_recording_gone_from_every_surface(change, recording_world, client_for, smtp, zoom_plugin):
    """A recording trashed on Zoom, hidden by a manager, or of a meeting deleted on Zoom leaves the pages."""
    w = recording_world(EVERYONE, EVERYONE)
    texts = SURFACE_RENDERERS['meeting_page'](w, ANONYMOUS, client_for, smtp, zoom_plugin)
    assert_recordings(texts, shown=True)
    if change == 'removed':
        w.recording.removed = True
    elif change == 'unpublished':
        w.recording.published = False
    else:
        w.vc_room.status = VCRoomStatus.deleted
    w.db.session.flush()
    for surface in ('meeting_page', 'event_ical', 'http_api'):
        event = w.event
        url = {'meeting_page': f'/event/{event.id}/', 'event_ical': f'/event/{event.id}/event.ics',
               'http_api': f'/export/event/{event.id}.json?nc=yes'}[surface]
        raw = client_for(w, ANONYMOUS).get(url).get_data(as_text=True)
        assert_recordings([Encoded(raw)], shown=False)


@pytest.mark.parametrize('auth', ('anonymous', 'api_key', 'session'))
def test_cached_api_answer_never_carries_recordings(auth, recording_world, test_client, login):
    """A fresh answer lists the recordings the requester may see; Indico's cached copy (Redis) carries none, and an
    answer served from the cache after the recording was hidden shows none."""
    w = recording_world(EVERYONE, EVERYONE)
    event = w.make_event(EventType.meeting)
    caller = ApiCaller(w, ANONYMOUS if auth == 'anonymous' else LOGGED, auth, test_client, login)
    fresh = caller.get(event)
    [entry] = api_entries(fresh)
    assert entry['cached'] is False
    assert [(r['share_url'], r['passcode']) for r in entry['recordings']] == [(REC_URL, REC_PASSCODE)]
    answers = cached_api_answers()
    assert answers
    for raw in answers:
        assert ROOM_NAME.encode() in raw
        assert REC_TOKEN.encode() not in raw
        assert REC_PASSCODE.encode() not in raw
    w.recording.visibility = NO_ONE
    w.db.session.flush()
    cached = caller.get(event)
    [entry] = api_entries(cached)
    assert (entry['cached'], entry['recordings']) == (True, None)
    assert REC_TOKEN not in cached and HIDDEN_TOKEN not in cached
