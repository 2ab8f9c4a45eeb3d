"""Create the tables of Zoom recordings, attendance reports and attendees

Revision ID: 8b3e4f6a2c10
Revises: 8c3e4b7a1d20
Create Date: 2026-12-20 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from indico.core.db.sqlalchemy import PyIntEnum, UTCDateTime
from sqlalchemy.dialects import postgresql

from indico_vc_zoom.models.zoom_attendance import ReportStatus


# revision identifiers, used by Alembic.
revision = '8b3e4f6a2c10'
down_revision = '8c3e4b7a1d20'
branch_labels = None
depends_on = None


def _room_column():
    return sa.Column('vc_room_id', sa.Integer(), sa.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'),
                     nullable=False, index=True)


def upgrade():
    op.create_table(
        'zoom_recordings',
        sa.Column('id', sa.Integer(), primary_key=True),
        _room_column(),
        sa.Column('uuid', sa.String(), nullable=False),
        sa.Column('topic', sa.String(), nullable=True),
        sa.Column('start_dt', UTCDateTime(), nullable=True),
        sa.Column('duration', sa.Integer(), nullable=True),
        sa.Column('share_url', sa.String(), nullable=True),
        sa.Column('passcode', sa.String(), nullable=True),
        sa.Column('files', postgresql.JSONB(), server_default='[]', nullable=False),
        sa.Column('published', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('visibility', sa.String(), nullable=True),
        sa.Column('removed', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('event_ts', sa.BigInteger(), nullable=False),
        sa.Column('created_dt', UTCDateTime(), nullable=False),
        sa.UniqueConstraint('vc_room_id', 'uuid'),
        schema='plugin_vc_zoom',
    )
    op.create_table(
        'zoom_attendance_reports',
        sa.Column('id', sa.Integer(), primary_key=True),
        _room_column(),
        sa.Column('uuid', sa.String(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('start_dt', UTCDateTime(), nullable=True),
        sa.Column('end_dt', UTCDateTime(), nullable=True),
        sa.Column('status', PyIntEnum(ReportStatus), nullable=False),
        sa.Column('message', sa.String(), nullable=True),
        sa.Column('fetched_dt', UTCDateTime(), nullable=True),
        sa.UniqueConstraint('vc_room_id', 'uuid'),
        schema='plugin_vc_zoom',
    )
    op.create_table(
        'zoom_attendees',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('report_id', sa.Integer(),
                  sa.ForeignKey('plugin_vc_zoom.zoom_attendance_reports.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('email', sa.String(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.users.id', ondelete='SET NULL'), nullable=True),
        sa.Column('registration_id', sa.Integer(),
                  sa.ForeignKey('event_registration.registrations.id', ondelete='SET NULL'), nullable=True),
        sa.Column('first_join_dt', UTCDateTime(), nullable=True),
        sa.Column('last_leave_dt', UTCDateTime(), nullable=True),
        sa.Column('sessions', postgresql.JSONB(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        schema='plugin_vc_zoom',
    )


def downgrade():
    for table in ('zoom_attendees', 'zoom_attendance_reports', 'zoom_recordings'):
        op.drop_table(table, schema='plugin_vc_zoom')
