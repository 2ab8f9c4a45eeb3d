"""Attendance of ended Zoom meetings: Zoom's participant report per instance, one row per person.

A report row exists from ``meeting.ended`` on (``pending``) and is fetched once in the background; its
``status`` says how that went (``done``, ``plan_required``: the account's plan has no reports, ``failed``).
Attendees are one row per person (Zoom lists each join separately; they are summed up here).
"""

from indico.core.db import db
from indico.core.db.sqlalchemy import PyIntEnum, UTCDateTime
from indico.util.enum import RichIntEnum
from sqlalchemy.dialects.postgresql import JSONB


class ReportStatus(RichIntEnum):
    __titles__ = ['pending', 'done', 'not included in the Zoom plan', 'failed']
    pending = 0
    done = 1
    plan_required = 2
    failed = 3


class ZoomAttendanceReport(db.Model):
    __tablename__ = 'zoom_attendance_reports'
    __table_args__ = (db.UniqueConstraint('vc_room_id', 'uuid'), {'schema': 'plugin_vc_zoom'})

    id = db.Column(db.Integer, primary_key=True)
    vc_room_id = db.Column(db.Integer, db.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'), nullable=False,
                           index=True)
    #: Zoom's id of the ended meeting instance
    uuid = db.Column(db.String, nullable=False)
    kind = db.Column(db.String, nullable=False, default='meeting')
    start_dt = db.Column(UTCDateTime, nullable=True)
    end_dt = db.Column(UTCDateTime, nullable=True)
    status = db.Column(PyIntEnum(ReportStatus), nullable=False, default=ReportStatus.pending)
    #: why the report is missing (Zoom's message), shown to managers
    message = db.Column(db.String, nullable=True)
    fetched_dt = db.Column(UTCDateTime, nullable=True)

    attendees = db.relationship('ZoomAttendee', lazy=True, cascade='all, delete-orphan',
                                order_by='ZoomAttendee.first_join_dt', back_populates='report')

    def __repr__(self):
        return f'<ZoomAttendanceReport({self.id}, {self.vc_room_id}, {self.uuid}, {self.status.name})>'


class ZoomAttendee(db.Model):
    __tablename__ = 'zoom_attendees'
    __table_args__ = {'schema': 'plugin_vc_zoom'}

    id = db.Column(db.Integer, primary_key=True)
    report_id = db.Column(db.Integer, db.ForeignKey('plugin_vc_zoom.zoom_attendance_reports.id', ondelete='CASCADE'),
                          nullable=False, index=True)
    name = db.Column(db.String, nullable=False, default='')
    email = db.Column(db.String, nullable=False, default='')
    user_id = db.Column(db.Integer, db.ForeignKey('users.users.id', ondelete='SET NULL'), nullable=True)
    registration_id = db.Column(db.Integer, db.ForeignKey('event_registration.registrations.id',
                                                          ondelete='SET NULL'), nullable=True)
    first_join_dt = db.Column(UTCDateTime, nullable=True)
    last_leave_dt = db.Column(UTCDateTime, nullable=True)
    #: ``[[join, leave], ...]`` in ISO 8601 (UTC), as Zoom listed them
    sessions = db.Column(JSONB, nullable=False, default=list)
    minutes = db.Column(db.Integer, nullable=False, default=0)

    report = db.relationship('ZoomAttendanceReport', lazy=True, back_populates='attendees')
    user = db.relationship('User', lazy=True)
    registration = db.relationship('Registration', lazy=True)

