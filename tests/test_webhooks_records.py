"""The Zoom-id table and what a webhook costs: one indexed lookup, one conditional write, one batch of log rows.

Also: the table follows the rooms (and its migration fills it from existing ones), a writer that read a room
before someone else changed it writes nothing, follow-ups coalesce, and an unreadable body is a 400.
"""

import importlib.util
import io
import json
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.serving import DechunkedInput

from indico_vc_zoom.models.zoom_meetings import ZoomMeeting
from indico_vc_zoom.webhooks import records
from indico_vc_zoom.webhooks.followup import complete
from tests.test_webhooks import URL, event_body, log_count, post_signed, signed_headers


MIGRATIONS = Path(__file__).resolve().parents[1] / 'indico_vc_zoom' / 'migrations'


@pytest.fixture
def room(zoom_room_event):
    return zoom_room_event[0]


@pytest.fixture
def statements():
    """The SQL statements sent while the test runs (first words of each), cleared on demand."""
    sent = []

    def _record(conn, cursor, statement, params, context, executemany):
        sent.append(' '.join(statement.split()[:6]))

    event.listen(Engine, 'after_cursor_execute', _record)
    yield sent
    event.remove(Engine, 'after_cursor_execute', _record)


def _kinds(sent):
    """What each statement is, besides the plugin settings that every request reads once."""
    kinds = []
    for stmt in sent:
        if 'FROM indico.settings' in stmt or stmt.startswith('SELECT indico.settings.id'):
            continue
        if stmt.startswith('SELECT plugin_vc_zoom.zoom_meetings.vc_room_id'):
            kinds.append('lookup')
        elif stmt.startswith('WITH claim AS'):
            kinds.append('write')
        elif stmt.startswith('INSERT INTO events.logs'):
            kinds.append('log')
        else:
            kinds.append(stmt)
    return kinds


# --- the table follows the rooms ----------------------------------------------------------------------------------

def test_created_room_is_in_the_table(room):
    row = ZoomMeeting.query.get(room.id)
    assert row.zoom_id == room.data['zoom_id']
    assert (row.version, row.last_event_ts, row.last_event_keys) == (0, None, [])


def test_table_follows_a_changed_zoom_id(db, room):
    room.data = {**room.data, 'zoom_id': '81234567890'}  # older data kept it as a string
    db.session.flush()
    assert ZoomMeeting.query.get(room.id).zoom_id == 81234567890
    assert [r.vc_room_id for r in records.find_rooms(81234567890)] == [room.id]


def test_edit_of_a_room_only_reads_its_row(db, room, statements):
    # a write here would wait for a webhook that holds the row and waits for this room row: a deadlock
    room.data = {**room.data, 'description': 'Edited in Indico'}
    statements.clear()
    db.session.flush()
    touching = [stmt for stmt in statements if 'zoom_meetings' in stmt]
    assert len(touching) == 1
    assert touching[0].startswith('SELECT')


def test_rooms_of_other_services_and_without_id_are_not_in_the_table(db, dummy_user):
    for type_, data in (('vidyo', {'zoom_id': 123}), ('zoom', {}), ('zoom', {'zoom_id': 'abc'})):
        vc_room = VCRoom(type=type_, name='x', status=VCRoomStatus.created, created_by_user=dummy_user, data=data)
        db.session.add(vc_room)
        db.session.flush()
        assert ZoomMeeting.query.get(vc_room.id) is None


def test_deleted_room_is_not_found(db, room):
    zoom_id = room.data['zoom_id']
    assert records.find_rooms(zoom_id)
    room.status = VCRoomStatus.deleted
    db.session.flush()
    assert records.find_rooms(zoom_id) == []


def _load_migration():
    path = next(MIGRATIONS.glob('*_create_zoom_meetings.py'))
    spec = importlib.util.spec_from_file_location('create_zoom_meetings', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_fills_the_table_from_existing_rooms(db, room):
    zoom_id = room.data['zoom_id']
    room.data = {**room.data, 'last_webhook': {'ts': 1700000000123, 'keys': ['meeting.updated:1700000000123:1']}}
    db.session.flush()
    connection = db.session.connection()
    # as before the upgrade: no table yet (all of this is rolled back with the test's transaction)
    connection.execute(text('DROP SCHEMA plugin_vc_zoom CASCADE'))
    migration = _load_migration()
    assert migration.down_revision is None
    with Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    row = connection.execute(text('SELECT zoom_id, last_event_ts, last_event_keys, version '
                                  'FROM plugin_vc_zoom.zoom_meetings WHERE vc_room_id = :id'), {'id': room.id}).one()
    assert tuple(row) == (zoom_id, 1700000000123, ['meeting.updated:1700000000123:1'], 0)
    index = connection.execute(text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'plugin_vc_zoom' "
                                    "AND indexdef LIKE '%(zoom_id)%'")).scalar()
    assert index is not None


# --- what a webhook costs ---------------------------------------------------------------------------------------

def test_known_meeting_costs_a_lookup_a_write_and_one_log_batch(test_client, zoom_room_event, statements,
                                                                 create_event):
    from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation

    room, event = zoom_room_event
    other = create_event(title='Second event')
    VCRoomEventAssociation(vc_room=room, linked_event=other, show=True, data={'password_visibility': 'no_one'})
    logs = log_count(event), log_count(other)
    statements.clear()
    resp = post_signed(test_client, event_body('meeting.updated', room.data['zoom_id'], topic='Cheap'))
    assert resp.json == {'status': 'applied'}
    assert _kinds(statements) == ['lookup', 'write', 'log']
    assert (log_count(event), log_count(other)) == (logs[0] + 1, logs[1] + 1)  # two entries, one statement
    assert room.name == 'Cheap'


def test_unknown_meeting_and_duplicate_cost_one_lookup(test_client, room, statements):
    body = event_body('meeting.updated', room.data['zoom_id'], topic='Once')
    assert post_signed(test_client, body).json == {'status': 'applied'}
    for payload, status in ((event_body('meeting.updated', 81111111111, topic='Nobody'), 'ignored'),
                            (body, 'duplicate')):
        statements.clear()
        assert post_signed(test_client, payload).json == {'status': status}
        assert _kinds(statements) == ['lookup']


# --- no lock, but nothing lost ------------------------------------------------------------------------------------

def test_write_of_a_room_changed_meanwhile_changes_nothing(db, room):
    first, stale = records.find_rooms(room.data['zoom_id']) * 2
    assert records.write_room(first, name='First writer', data={**first.data, 'topic_seen': 1}, last_event=(5, ['a']))
    assert not records.write_room(stale, name='Stale writer', data=stale.data, last_event=(6, ['b']))
    assert not records.write_room(stale, deleted=True)
    assert room.name == 'First writer'
    assert room.status == VCRoomStatus.created
    fresh = records.find_room(room.id)
    assert (fresh.version, fresh.last_event_ts, fresh.last_event_keys) == (1, 5, ['a'])


def test_followup_for_an_older_version_asks_zoom_nothing(test_client, room, zoom_sim):
    zoom_id = room.data['zoom_id']
    zoom_sim.send_webhook('meeting.updated', zoom_id, changes={'password': '55667788'}, url='http://127.0.0.1:9/',
                          secret='unused')
    zoom_sim.clear_requests()
    assert post_signed(test_client, event_body('meeting.updated', zoom_id, password='55667788')).status_code == 200
    # the follow-up (run by Celery's eager runner in tests) fetched the state once
    assert [r['method'] for r in zoom_sim.requests()] == ['GET']
    record = records.find_room(room.id)
    assert record.fetched_version == record.version
    # a follow-up queued for an earlier version of the room (delivered late) has nothing to do
    assert complete(room.id, record.version, True, None) == 'done'
    assert complete(room.id + 1000, 1, True, None) == 'gone'
    assert len(zoom_sim.requests()) == 1


# --- unreadable bodies --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('chunked', [b'zz\r\n{}\r\n0\r\n\r\n', b'5\r\n{"a"', b'ffffff\r\n{}'])
def test_bad_chunked_body_is_400(test_client, room, chunked):
    before = json.dumps(room.data, sort_keys=True)
    # Werkzeug's own server reads chunked bodies through DechunkedInput, which raises on a bad chunk
    resp = test_client.post(URL, headers={**signed_headers(b'{}'), 'Transfer-Encoding': 'chunked'},
                            environ_overrides={'wsgi.input': DechunkedInput(io.BytesIO(chunked)),
                                               'wsgi.input_terminated': True}, content_type='application/json')
    assert resp.status_code == 400
    assert resp.json == {'error': 'the request body could not be read'}
    assert json.dumps(room.data, sort_keys=True) == before
