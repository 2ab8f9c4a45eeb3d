"""The Zoom meeting behind each Zoom room: its Zoom id (indexed, for webhooks) and which webhooks were applied.

One row per Zoom room, kept in line with ``vc_room.data['zoom_id']`` by mapper events on :class:`VCRoom` (the
only way a Zoom id reaches a room is a flush of the room). ``version`` grows with every change a webhook or its
follow-up makes, so a writer that read the room before someone else changed it writes nothing (and reads again)
instead of holding a row lock while it works.
"""

from indico.core.db import db
from indico.modules.vc.models.vc_rooms import VCRoom
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert


#: Zoom ids are 9-11 digits today; a bigint holds anything Zoom could send (payloads checks the range)
ZOOM_ID_DIGITS = 18


class ZoomMeeting(db.Model):
    __tablename__ = 'zoom_meetings'
    __table_args__ = {'schema': 'plugin_vc_zoom'}

    vc_room_id = db.Column(db.Integer, db.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'), primary_key=True)
    zoom_id = db.Column(db.BigInteger, nullable=False, index=True)
    #: ``event_ts`` of the newest webhook applied, and the keys of those applied at that very millisecond
    last_event_ts = db.Column(db.BigInteger, nullable=True)
    last_event_keys = db.Column(ARRAY(db.String), nullable=False, default=[], server_default='{}')
    #: grows with each change made by a webhook or a follow-up (optimistic concurrency, no lock held)
    version = db.Column(db.Integer, nullable=False, default=0, server_default='0')
    #: the version whose state a follow-up last fetched from Zoom (later follow-ups for older versions do nothing)
    fetched_version = db.Column(db.Integer, nullable=False, default=0, server_default='0')

    def __repr__(self):
        return f'<ZoomMeeting({self.vc_room_id}, {self.zoom_id})>'


def zoom_id_of(vc_room_data):
    """The room's Zoom id as an int (older data stored it as a string), or ``None``."""
    zoom_id = (vc_room_data or {}).get('zoom_id')
    if isinstance(zoom_id, str) and zoom_id.isascii() and zoom_id.isdigit() and len(zoom_id) <= ZOOM_ID_DIGITS:
        zoom_id = int(zoom_id)
    if isinstance(zoom_id, int) and not isinstance(zoom_id, bool) and 0 < zoom_id < 2 ** 63:
        return zoom_id
    return None


def _record_zoom_id(connection, vc_room, is_new):
    zoom_id = zoom_id_of(vc_room.data) if vc_room.type == 'zoom' else None
    if zoom_id is None:
        return
    table = ZoomMeeting.__table__
    if not is_new:
        # A plain read never waits on a lock. Writing the row on every edit would: a webhook holds it while it
        # waits for the room row this flush holds, a deadlock. So only write when the id is missing or changed.
        recorded = connection.execute(select(table.c.zoom_id).where(table.c.vc_room_id == vc_room.id)).scalar()
        if recorded == zoom_id:
            return
        if recorded is not None:
            # a changed id keeps the webhook history: it is about this room, and event timestamps only grow
            connection.execute(update(table).where(table.c.vc_room_id == vc_room.id).values(zoom_id=zoom_id))
            return
    connection.execute(insert(table).values(vc_room_id=vc_room.id, zoom_id=zoom_id)
                       .on_conflict_do_nothing(index_elements=[table.c.vc_room_id]))


@sa_event.listens_for(VCRoom, 'after_insert')
def _room_inserted(mapper, connection, vc_room):
    _record_zoom_id(connection, vc_room, is_new=True)


@sa_event.listens_for(VCRoom, 'after_update')
def _room_updated(mapper, connection, vc_room):
    # only a flush that wrote ``data`` can have brought a (new) Zoom id; webhooks write rooms without the ORM
    if db.inspect(vc_room).attrs.data.history.has_changes():
        _record_zoom_id(connection, vc_room, is_new=False)
