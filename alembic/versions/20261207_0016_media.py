"""video and audio in channels

- `media`: one uploaded video or audio file (kind, size, duration, processing
  status and progress, poster, transcript), linked to its message once sent.
- `media_chunk`: the file's bytes in 1 MB chunks (streamed in, read by range).
- `media_frame`: the frames of a video chosen for agents, with their moments.
- `message.media`: the refs every viewer needs (like `message.attachments`).
- Search over transcripts: Postgres, a GIN index on to_tsvector('simple',
  media.transcript_text); SQLite, the FTS5 table `media_fts` kept by triggers.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'media',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('message_id', BIG_ID, nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('content_type', sa.String(length=50), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('poster', sa.LargeBinary(), nullable=True),
        sa.Column('transcript', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('transcript_text', sa.Text(), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_media_channel_id', 'media', ['channel_id'])
    op.create_index('ix_media_message_id', 'media', ['message_id'])
    op.create_table(
        'media_chunk',
        sa.Column('media_id', BIG_ID, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['media.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('media_id', 'seq'),
    )
    op.create_table(
        'media_frame',
        sa.Column('media_id', BIG_ID, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at_ms', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['media.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('media_id', 'seq'),
    )
    op.add_column('message', sa.Column('media', sa.JSON(), server_default='[]', nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_media_transcript_search ON media USING GIN (to_tsvector('simple', transcript_text))")
    else:
        op.execute("CREATE VIRTUAL TABLE media_fts USING fts5(transcript_text, tokenize = 'unicode61 remove_diacritics 2')")
        op.execute(
            "CREATE TRIGGER media_fts_insert AFTER INSERT ON media BEGIN "
            "INSERT INTO media_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END"
        )
        op.execute(
            "CREATE TRIGGER media_fts_delete AFTER DELETE ON media BEGIN "
            "DELETE FROM media_fts WHERE rowid = old.id; END"
        )
        op.execute(
            "CREATE TRIGGER media_fts_update AFTER UPDATE OF transcript_text ON media BEGIN "
            "DELETE FROM media_fts WHERE rowid = old.id; "
            "INSERT INTO media_fts(rowid, transcript_text) VALUES (new.id, new.transcript_text); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_media_transcript_search")
    else:
        for trigger in ("media_fts_update", "media_fts_delete", "media_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS media_fts")
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('media')
    op.drop_table('media_frame')
    op.drop_table('media_chunk')
    op.drop_index('ix_media_message_id', table_name='media')
    op.drop_index('ix_media_channel_id', table_name='media')
    op.drop_table('media')
