"""Create the table of registrations checked in by Zoom

Revision ID: 3d7a9c1e5b42
Revises: 8b3e4f6a2c10
Create Date: 2026-12-30 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from indico.core.db.sqlalchemy import UTCDateTime


# revision identifiers, used by Alembic.
revision = '3d7a9c1e5b42'
down_revision = '8b3e4f6a2c10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'zoom_checkins',
        sa.Column('vc_room_id', sa.Integer(), sa.ForeignKey('events.vc_rooms.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('registration_id', sa.Integer(),
                  sa.ForeignKey('event_registration.registrations.id', ondelete='CASCADE'), primary_key=True,
                  index=True),
        sa.Column('uuid', sa.String(), nullable=False),
        sa.Column('matched_by', sa.String(), nullable=False),
        sa.Column('zoom_name', sa.String(), nullable=False),
        sa.Column('join_dt', UTCDateTime(), nullable=True),
        sa.Column('created_dt', UTCDateTime(), nullable=False),
        schema='plugin_vc_zoom',
    )


def downgrade():
    op.drop_table('zoom_checkins', schema='plugin_vc_zoom')
