"""Create the Zoom registrant table (registration -> Zoom registrant and personal join link)

Revision ID: 8c3e4b7a1d20
Revises: 5f1c2a9d7e31
Create Date: 2026-12-20 12:00:00
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8c3e4b7a1d20'
down_revision = '5f1c2a9d7e31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'registrants',
        sa.Column('vc_room_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('zoom_registrant_id', sa.String(), nullable=False),
        sa.Column('email', sa.String(), nullable=False),
        sa.Column('first_name', sa.String(), nullable=False),
        sa.Column('last_name', sa.String(), nullable=False),
        sa.Column('join_url', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['vc_room_id'], ['events.vc_rooms.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('vc_room_id', 'registration_id'),
        schema='plugin_vc_zoom',
    )
    op.create_index(None, 'registrants', ['registration_id'], unique=False, schema='plugin_vc_zoom')


def downgrade():
    op.drop_table('registrants', schema='plugin_vc_zoom')
