"""The cloud recordings of Zoom rooms (``recording.completed``): share link, passcode, files, and whether shown.

One row per room and meeting instance (Zoom's ``uuid``). ``event_ts`` is the newest webhook applied to the row, so
an older webhook arriving late changes nothing; a trashed or deleted recording keeps its row as ``removed`` for
the same reason (and is never shown).
"""

from indico.core.db import db
from indico.core.db.sqlalchemy import UTCDateTime
from indico.util.date_time import now_utc
from sqlalchemy.dialects.postgresql import JSONB


class ZoomRecording(db.Model):
    __tablename__ = 'zoom_recordings'
    __table_args__ = (db.UniqueConstraint('vc_room_id', 'uuid'), {'schema': 'plugin_vc_zoom'})

    id = db.Column(db.Integer, primary_key=True)
    vc_room_id = db.Column(db.Integer, db.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'), nullable=False,
                           index=True)
    #: Zoom's id of the meeting instance
    uuid = db.Column(db.String, nullable=False)
    topic = db.Column(db.String, nullable=True)
    start_dt = db.Column(UTCDateTime, nullable=True)
    #: minutes, as Zoom gives them
    duration = db.Column(db.Integer, nullable=True)
    share_url = db.Column(db.String, nullable=True)
    passcode = db.Column(db.String, nullable=True)
    #: ``[{'file_type', 'recording_type', 'seconds'}]``
    files = db.Column(JSONB, nullable=False, default=list, server_default='[]')
    #: shown on the event pages (to whom its visibility allows); managers decide
    published = db.Column(db.Boolean, nullable=False, default=False, server_default='false')
    #: a visibility mode of its own, or ``None``: the join link's
    visibility = db.Column(db.String, nullable=True)
    removed = db.Column(db.Boolean, nullable=False, default=False, server_default='false')
    event_ts = db.Column(db.BigInteger, nullable=False)
    created_dt = db.Column(UTCDateTime, nullable=False, default=now_utc)

    vc_room = db.relationship('VCRoom', lazy=True)

    def __repr__(self):
        return f'<ZoomRecording({self.id}, {self.vc_room_id}, {self.uuid})>'

    @property
    def file_types(self):
        return sorted({f.get('file_type') for f in self.files if f.get('file_type')})

    @property
    def total_seconds(self):
        return max((f.get('seconds') or 0 for f in self.files), default=0)
