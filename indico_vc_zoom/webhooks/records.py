"""The rows a webhook reads and writes: one indexed lookup by Zoom id, one conditional write, one batch of log rows.

No row lock is held while anything slow happens. The lookup is a plain read; a write changes a room only if its
version is still the one that was read, in the same statement that moves the version on, and otherwise changes
nothing so the caller reads again (after a few such rounds, under a row lock held until the request commits).
"""

from dataclasses import dataclass, field

from indico.core.db import db
from indico.modules.events.models.events import Event
from indico.modules.logs.models.entries import EventLogEntry, EventLogRealm
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm.util import identity_key

from indico_vc_zoom.models.zoom_meetings import ZoomMeeting


_meetings = ZoomMeeting.__table__
_rooms = VCRoom.__table__


@dataclass
class RoomRecord:
    """What one lookup knows of a live Zoom room: its data, its webhook history and the events it is linked to."""

    vc_room_id: int
    version: int
    fetched_version: int
    last_event_ts: int | None
    last_event_keys: list
    name: str
    data: dict
    event_ids: list = field(default_factory=list)


def _linked_events():
    links, events = VCRoomEventAssociation.__table__, Event.__table__
    return (select(func.array_agg(links.c.event_id.distinct()))
            .select_from(links.join(events, events.c.id == links.c.event_id))
            .where(links.c.vc_room_id == _rooms.c.id, ~events.c.is_deleted)
            .scalar_subquery())


def _lookup(*condition, lock=False):
    query = (select(_meetings.c.vc_room_id, _meetings.c.version, _meetings.c.fetched_version,
                    _meetings.c.last_event_ts, _meetings.c.last_event_keys, _rooms.c.name, _rooms.c.data,
                    _linked_events().label('event_ids'))
             .select_from(_meetings.join(_rooms, _rooms.c.id == _meetings.c.vc_room_id))
             .where(*condition, _rooms.c.type == 'zoom', _rooms.c.status == VCRoomStatus.created)
             .order_by(_meetings.c.vc_room_id))
    if lock:
        query = query.with_for_update(of=_meetings)
    return [RoomRecord(*row[:-1], event_ids=sorted(row[-1] or [])) for row in db.session.execute(query)]


def find_rooms(zoom_id, lock=False):
    """The live Zoom rooms of a Zoom id (one indexed read; ``lock``: their meeting rows until commit)."""
    return _lookup(_meetings.c.zoom_id == zoom_id, lock=lock)


def find_room(vc_room_id):
    """The record of one live Zoom room, or ``None``."""
    return next(iter(_lookup(_meetings.c.vc_room_id == vc_room_id)), None)


def write_room(record, *, name=None, data=None, deleted=False, last_event=None, fetched=False):
    """Write what changed of ``record`` if nobody changed the room since it was read; whether it was written.

    One statement: the version moves on in the meeting row and the room row changes with it, or neither does.
    ``last_event`` is ``(ts, keys)`` of an applied webhook; ``fetched`` says the data is Zoom's state as fetched
    after ``record.version``.
    """
    values = {'version': _meetings.c.version + 1}
    if last_event is not None:
        values.update(last_event_ts=last_event[0], last_event_keys=list(last_event[1]))
    if fetched:
        values['fetched_version'] = record.version + 1
    claim = (update(_meetings)
             .where(_meetings.c.vc_room_id == record.vc_room_id, _meetings.c.version == record.version)
             .values(**values)
             .returning(_meetings.c.vc_room_id))
    room_values = {}
    if name is not None:
        room_values['name'] = name
    if data is not None:
        room_values['data'] = data
    if deleted:
        room_values.update(status=VCRoomStatus.deleted, modified_dt=now_utc())
    if not room_values:
        return db.session.execute(claim).first() is not None  # nothing of the room changes: the claim alone
    claim = claim.cte('claim')
    stmt = (update(_rooms)
            .where(and_(_rooms.c.id == claim.c.vc_room_id, _rooms.c.status == VCRoomStatus.created))
            .values(**room_values)
            .returning(_rooms.c.id))
    written = db.session.execute(stmt).first() is not None
    if written:
        _expire_loaded_room(record.vc_room_id)
    return written


def _expire_loaded_room(vc_room_id):
    # the row changed behind the ORM's back: a room already loaded in this session must be read again
    room = db.session.identity_map.get(identity_key(VCRoom, vc_room_id))
    if room is not None:
        db.session.expire(room)


def insert_log_entries(entries):
    """Add event-log entries ``(event_id, kind, summary, data)`` in one statement (the plugin acts, no user)."""
    if not entries:
        return
    now = now_utc()
    rows = [{'event_id': event_id, 'user_id': None, 'logged_dt': now, 'realm': EventLogRealm.management,
             'kind': kind, 'module': 'Videoconference', 'type': 'simple', 'summary': summary, 'data': data,
             'meta': {}} for event_id, kind, summary, data in entries]
    db.session.execute(EventLogEntry.__table__.insert().values(rows))
