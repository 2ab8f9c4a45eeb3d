"""Create the Zoom meeting table (Zoom id -> room, webhooks applied) and fill it from the existing rooms

Revision ID: 5f1c2a9d7e31
Revises:
Create Date: 2026-12-10 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.ddl import CreateSchema, DropSchema


# revision identifiers, used by Alembic.
revision = '5f1c2a9d7e31'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(CreateSchema('plugin_vc_zoom'))
    op.create_table(
        'zoom_meetings',
        sa.Column('vc_room_id', sa.Integer(), nullable=False),
        sa.Column('zoom_id', sa.BigInteger(), nullable=False),
        sa.Column('last_event_ts', sa.BigInteger(), nullable=True),
        sa.Column('last_event_keys', postgresql.ARRAY(sa.String()), server_default='{}', nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.Column('fetched_version', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['vc_room_id'], ['events.vc_rooms.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('vc_room_id'),
        schema='plugin_vc_zoom',
    )
    op.create_index(None, 'zoom_meetings', ['zoom_id'], unique=False, schema='plugin_vc_zoom')
    # every Zoom room so far, with the webhook last applied to it (kept in its data until now)
    op.execute(r"""
        INSERT INTO plugin_vc_zoom.zoom_meetings (vc_room_id, zoom_id, last_event_ts, last_event_keys)
        SELECT id, (data->>'zoom_id')::bigint,
               CASE WHEN data->'last_webhook'->>'ts' ~ '^[0-9]{1,18}$'
                    THEN (data->'last_webhook'->>'ts')::bigint END,
               CASE WHEN jsonb_typeof(data->'last_webhook'->'keys') = 'array'
                    THEN ARRAY(SELECT jsonb_array_elements_text(data->'last_webhook'->'keys')) ELSE '{}' END
        FROM events.vc_rooms
        WHERE type = 'zoom' AND data->>'zoom_id' ~ '^[1-9][0-9]{0,17}$'
    """)


def downgrade():
    op.drop_table('zoom_meetings', schema='plugin_vc_zoom')
    op.execute(DropSchema('plugin_vc_zoom'))
