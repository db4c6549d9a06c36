"""video and audio in an agent's private "Try it" chat

- `media.agent_id`: a file sent in the owner's Try it chat with that agent (no
  channel, never a message), gone with the agent (cascade).
- `media.channel_id` becomes nullable; `ck_media_one_place` keeps exactly one of the two.
- SQLite rebuilds the table for this, which drops its triggers: the full-text
  triggers of 0016 are made again (the `media_fts` rows keep their ids).
- Downgrade deletes the Try it files (they have no channel to go back to).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PLACE = '(channel_id IS NULL) <> (agent_id IS NULL)'
SQLITE_TRIGGERS = (
    "CREATE TRIGGER media_fts_insert AFTER INSERT ON media BEGIN "
    "INSERT INTO media_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END",
    "CREATE TRIGGER media_fts_delete AFTER DELETE ON media BEGIN "
    "DELETE FROM media_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER media_fts_update AFTER UPDATE OF transcript_text ON media BEGIN "
    "DELETE FROM media_fts WHERE rowid = old.id; "
    "INSERT INTO media_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END",
)


def _sqlite_triggers_again() -> None:
    """SQLite's batch mode rebuilt `media` (a copy renamed over it): its triggers went with the old table."""
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table('media') as batch_op:
        batch_op.add_column(sa.Column('agent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_media_agent_id_agent', 'agent', ['agent_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_media_agent_id', ['agent_id'])
        batch_op.alter_column('channel_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint('ck_media_one_place', ONE_PLACE)
    _sqlite_triggers_again()


def downgrade() -> None:
    op.execute('DELETE FROM media WHERE channel_id IS NULL')
    with op.batch_alter_table('media') as batch_op:
        batch_op.drop_constraint('ck_media_one_place', type_='check')
        batch_op.drop_index('ix_media_agent_id')
        batch_op.drop_constraint('fk_media_agent_id_agent', type_='foreignkey')
        batch_op.drop_column('agent_id')
        batch_op.alter_column('channel_id', existing_type=sa.Integer(), nullable=False)
    _sqlite_triggers_again()
