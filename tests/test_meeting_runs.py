"""Meeting runs through the real webhook endpoint: live status (started/ended) and cloud recordings.

The simulator runs the meeting and builds Zoom's webhooks; they are signed and posted to Indico's test client.
"""

import json

import pytest
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation

from indico_vc_zoom.models.zoom_recordings import ZoomRecording
from tests.test_webhooks import event_body, post_signed


START, END = '2026-03-02T09:00:00Z', '2026-03-02T10:12:00Z'


def run(test_client, zoom_sim, action, zoom_id, **extra):
    """Drive the simulator's run and deliver its webhook to Indico; the webhook's JSON answer."""
    sent = zoom_sim.run(action, zoom_id, **extra)['sent']
    resp = post_signed(test_client, sent)
    assert resp.status_code == 200, resp.data
    return resp.json, sent


@pytest.fixture
def room_event(zoom_room_event):
    return zoom_room_event


def page(client, event):
    resp = client.get(f'/event/{event.id}/')
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_started_then_ended_shows_status(test_client, room_event, zoom_sim, login, zoom_host, db):
    room, event = room_event
    zoom_id = room.data['zoom_id']
    answer, _ = run(test_client, zoom_sim, 'start', zoom_id, start_time=START)
    assert answer == {'status': 'applied'}
    db.session.expire_all()
    assert room.data['live']['state'] == 'live'
    assert 'Live now' in page(login(zoom_host), event)
    assert zoom_sim.requests() == []  # no Zoom call for the webhook or the page
    answer, ended = run(test_client, zoom_sim, 'end', zoom_id, end_time=END)
    db.session.expire_all()
    assert room.data['live']['state'] == 'ended'
    manage = login(zoom_host).get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    assert 'lasted 1 hour, 12 minutes' in manage  # a duration in words (the user's language)
    assert 'lasted 1 hour, 12 minutes' in page(login(zoom_host), event)
    assert 'Live now' not in page(login(zoom_host), event)
    # a late duplicate of the start of that instance changes nothing
    late_start = {**ended, 'event': 'meeting.started', 'event_ts': ended['event_ts'] + 5}
    assert post_signed(test_client, late_start).json == {'status': 'duplicate'}
    db.session.expire_all()
    assert room.data['live']['state'] == 'ended'


def test_status_survives_meeting_updates(test_client, room_event, zoom_sim, db):
    room, _event = room_event
    run(test_client, zoom_sim, 'start', room.data['zoom_id'], start_time=START)
    assert post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], topic='Renamed')).json == \
        {'status': 'applied'}
    db.session.expire_all()
    assert room.name == 'Renamed'
    assert room.data['live']['state'] == 'live'


@pytest.mark.parametrize(('event', 'change'), [
    ('meeting.started', {'uuid': None}),
    ('meeting.ended', {'end_time': 'yesterday'}),
    ('meeting.ended', {'end_time': '2026-03-02T10:12:00'}),  # no time zone
    ('recording.completed', {'share_url': 'javascript:alert(1)'}),
    ('recording.completed', {'recording_files': 'all'}),
    ('recording.completed', {'recording_files': [{'file_type': 1}]}),
    ('recording.completed', {'duration': -1}),
    ('recording.deleted', {'uuid': ''}),
])
def test_malformed_run_webhooks_are_400(test_client, room_event, event, change, db):
    room, _event = room_event
    fields = {'share_url': 'https://zoom.example/rec/share/x', 'start_time': START, 'end_time': END,
              'recording_files': [], **change}
    body = event_body(event, room.data['zoom_id'], **fields)
    body['payload']['object'] = {k: v for k, v in body['payload']['object'].items() if v is not None}
    before = json.dumps(room.data, sort_keys=True)
    resp = post_signed(test_client, body)
    assert resp.status_code == 400, resp.data
    db.session.expire_all()
    assert json.dumps(room.data, sort_keys=True) == before
    assert ZoomRecording.query.count() == 0


def _recorded(test_client, zoom_sim, room, **extra):
    zoom_id = room.data['zoom_id']
    run(test_client, zoom_sim, 'start', zoom_id, start_time=START)
    run(test_client, zoom_sim, 'end', zoom_id, end_time=END)
    return run(test_client, zoom_sim, 'recording_completed', zoom_id, files=['MP4', 'TRANSCRIPT'], **extra)[1]


def test_recording_completed_is_stored_unpublished(test_client, room_event, zoom_sim, login, zoom_host):
    room, event = room_event
    sent = _recorded(test_client, zoom_sim, room, passcode='rec-pass-1')
    recording = ZoomRecording.query.filter_by(vc_room_id=room.id).one()
    share_url = sent['payload']['object']['share_url']
    assert (recording.share_url, recording.passcode, recording.published) == (share_url, 'rec-pass-1', False)
    assert recording.file_types == ['MP4', 'TRANSCRIPT']
    assert recording.total_seconds == 72 * 60
    assert share_url not in page(login(zoom_host), event)  # not published: on no event page
    manage = login(zoom_host).get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    assert share_url in manage
    assert 'rec-pass-1' in manage
    # the same webhook again changes nothing
    assert post_signed(test_client, sent).json == {'status': 'duplicate'}


def publish(client, event, room, recording, published='1', visibility=''):
    assoc = VCRoomEventAssociation.query.filter_by(vc_room=room, event=event).one()
    return client.post(f'/event/{event.id}/manage/videoconference/zoom/{assoc.id}/recordings/{recording.id}',
                       {'published': published, 'visibility': visibility}, prefix='')


def test_publish_follows_visibility_and_removal(test_client, room_event, zoom_sim, login, zoom_host, create_user,
                                                make_test_client, db):
    room, event = room_event
    sent = _recorded(test_client, zoom_sim, room, passcode='rec-pass-2')
    share_url = sent['payload']['object']['share_url']
    recording = ZoomRecording.query.filter_by(vc_room_id=room.id).one()
    other = create_user(77, email='other@example.com')
    assert publish(login(other), event, room, recording).status_code == 403
    assert publish(login(zoom_host), event, room, recording, visibility='bogus').status_code == 400
    assert publish(login(zoom_host), event, room, recording).status_code == 302
    db.session.expire_all()
    assert recording.published
    # default: the join link's visibility (logged-in users)
    assert share_url in page(login(other), event)
    assert 'rec-pass-2' in page(login(other), event)
    anonymous = page(make_test_client(), event)
    assert share_url not in anonymous
    assert 'rec-pass-2' not in anonymous
    assert publish(login(zoom_host), event, room, recording, visibility='everyone').status_code == 302
    assert share_url in page(make_test_client(), event)
    assert publish(login(zoom_host), event, room, recording, published='0').status_code == 302
    assert share_url not in page(login(other), event)
    assert publish(login(zoom_host), event, room, recording, visibility='everyone').status_code == 302
    run(test_client, zoom_sim, 'recording_trashed', room.data['zoom_id'])
    db.session.expire_all()
    assert recording.removed
    assert share_url not in page(make_test_client(), event)
    assert share_url not in login(zoom_host).get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)


def test_migration_creates_the_run_tables(db):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import text

    path = next((Path(__file__).resolve().parents[1] / 'indico_vc_zoom' / 'migrations')
                .glob('*_create_recordings_attendance.py'))
    spec = importlib.util.spec_from_file_location('create_recordings_attendance', path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.down_revision == '8c3e4b7a1d20'  # after the registrants table
    connection = db.session.connection()
    tables = ('zoom_attendees', 'zoom_attendance_reports', 'zoom_recordings')
    for table in tables:  # as before the upgrade (rolled back with the test's transaction)
        connection.execute(text(f'DROP TABLE plugin_vc_zoom.{table}'))
    with Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    found = {name for name, in connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'plugin_vc_zoom'"))}
    assert set(tables) <= found


def test_plugin_migrations_form_one_chain():
    """Alembic refuses to upgrade a plugin whose revisions have two heads: each revision revises the one before."""
    import ast
    from pathlib import Path

    revisions = {}
    for path in (Path(__file__).resolve().parents[1] / 'indico_vc_zoom' / 'migrations').glob('*.py'):
        values = {node.targets[0].id: node.value.value for node in ast.parse(path.read_text()).body
                  if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                  and node.targets[0].id in ('revision', 'down_revision')}
        if 'revision' in values:
            revisions[values['revision']] = values.get('down_revision')
    assert list(revisions.values()).count(None) == 1  # one base
    heads = set(revisions) - set(revisions.values())
    assert len(heads) == 1, heads
    assert len(set(revisions.values())) == len(revisions)  # no revision revised twice
