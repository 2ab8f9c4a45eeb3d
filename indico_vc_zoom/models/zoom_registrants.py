"""The Zoom registrant behind each Indico registration of a meeting in registration mode, with its personal link."""

from indico.core.db import db


#: what Zoom knows of a registrant we made: ``approved`` (may join with its own link) or ``cancelled``
APPROVED = 'approved'
CANCELLED = 'cancelled'


class ZoomRegistrant(db.Model):
    __tablename__ = 'registrants'
    __table_args__ = {'schema': 'plugin_vc_zoom'}

    vc_room_id = db.Column(db.Integer, db.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'), primary_key=True)
    #: no foreign key: a registration deleted for good must still be cancelled on Zoom by the next sync
    registration_id = db.Column(db.Integer, primary_key=True, index=True)
    zoom_registrant_id = db.Column(db.String, nullable=False)
    #: what Zoom was told (a change of either is sent again)
    email = db.Column(db.String, nullable=False)
    first_name = db.Column(db.String, nullable=False)
    last_name = db.Column(db.String, nullable=False, default='')
    #: the registrant's personal join link (shown to that registrant and to managers only)
    join_url = db.Column(db.String, nullable=False)
    status = db.Column(db.String, nullable=False, default=APPROVED)

    def __repr__(self):
        return f'<ZoomRegistrant({self.vc_room_id}, {self.registration_id}, {self.status})>'
