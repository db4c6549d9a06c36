"""threads, reactions, mentions, summaries and message search

- `message.thread_id`: the root a reply belongs to (replies go with it, by
  cascade, so retention's DELETE of a root takes its thread); `reply_count` on
  roots; `ix_message_thread` reads a thread in order.
- `reaction`: one row per person, message and emoji; `message.reactions` sums
  them up for reading pages in one query.
- `mention`: the people @mentioned in a message, for their badge and Mentions view.
- `summary`: summaries asked for, private to the asker until shared.
- Message search, by hand per dialect (not in the models; alembic/env.py ignores
  them), in a language-neutral form so any language matches word for word:
  Postgres a generated `tsvector` column with the 'simple' configuration and a
  GIN index; SQLite an FTS5 table (unicode61, diacritics folded, no stemming)
  kept in sync by triggers, filled from the existing rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:23:04.429174
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mention',
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'user_id')
    )
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.create_index('ix_mention_user_message', ['user_id', 'message_id'], unique=False)

    op.create_table('reaction',
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('emoji', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'user_id', 'emoji')
    )
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reaction_user_id'), ['user_id'], unique=False)

    op.create_table('summary',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shared_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_message_id'], ['message.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['message.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    big_id = sa.BigInteger()
    # Postgres: a plain ADD COLUMN, no table rewrite on a large message table.
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('message', sa.Column('thread_id', big_id, nullable=True))
        op.create_foreign_key('message_thread_id_fkey', 'message', 'message', ['thread_id'], ['id'], ondelete='CASCADE')
    else:
        # SQLite cannot add a foreign key in place: the table is rebuilt (batch mode).
        with op.batch_alter_table('message') as batch_op:
            batch_op.add_column(sa.Column('thread_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key('fk_message_thread_id', 'message', ['thread_id'], ['id'], ondelete='CASCADE')
    op.add_column('message', sa.Column('reply_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('message', sa.Column('reactions', sa.JSON(), server_default='[]', nullable=False))
    op.create_index('ix_message_thread', 'message', ['thread_id', 'created_at', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE message ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED"
        )
        op.execute("CREATE INDEX ix_message_search ON message USING GIN (search_vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE message_fts USING fts5("
            "content, content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
            "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END"
        )
        op.execute(
            "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
            "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); END"
        )
        op.execute(
            "CREATE TRIGGER message_fts_update AFTER UPDATE OF content ON message BEGIN "
            "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); "
            "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END"
        )
        op.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search_vector")
    else:
        for trigger in ("message_fts_update", "message_fts_delete", "message_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS message_fts")
    op.drop_index('ix_message_thread', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('reactions')
        batch_op.drop_column('reply_count')
        batch_op.drop_column('thread_id')
    op.drop_table('summary')
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reaction_user_id'))

    op.drop_table('reaction')
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_index('ix_mention_user_message')

    op.drop_table('mention')
