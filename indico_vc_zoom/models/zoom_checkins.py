"""Registrations checked in by Zoom (``meeting.participant_joined``): one row per room and registration, ever.

The row makes the check-in happen once: a replayed webhook, a second join or a join after a manager reset the
check-in by hand changes nothing. Managers see these rows on the Videoconference page.
"""

from indico.core.db import db
from indico.core.db.sqlalchemy import UTCDateTime
from indico.util.date_time import now_utc


class ZoomCheckin(db.Model):
    __tablename__ = 'zoom_checkins'
    __table_args__ = {'schema': 'plugin_vc_zoom'}

    vc_room_id = db.Column(db.Integer, db.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'), primary_key=True)
    registration_id = db.Column(db.Integer, db.ForeignKey('event_registration.registrations.id',
                                                          ondelete='CASCADE'), primary_key=True, index=True)
    #: Zoom's id of the meeting instance joined
    uuid = db.Column(db.String, nullable=False)
    #: how the participant was matched: ``registrant`` (personal link) or ``email``
    matched_by = db.Column(db.String, nullable=False)
    #: the name the participant gave in Zoom
    zoom_name = db.Column(db.String, nullable=False, default='')
    join_dt = db.Column(UTCDateTime, nullable=True)
    created_dt = db.Column(UTCDateTime, nullable=False, default=now_utc)

    registration = db.relationship('Registration', lazy=True)

    def __repr__(self):
        return f'<ZoomCheckin({self.vc_room_id}, {self.registration_id})>'
