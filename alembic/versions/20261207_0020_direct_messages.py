"""direct messages

- `channel.kind`: "channel" (every existing channel) or "dm".
- `direct_message`: the one DM of each set of members (its unique `member_key`).

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-07 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channel') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='channel', nullable=False))
    op.create_table(
        'direct_message',
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('member_key', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('channel_id'),
    )
    op.create_index('ix_direct_message_member_key', 'direct_message', ['member_key'], unique=True)


def _delete(bind: sa.Connection, table: str, where: str, seen: frozenset[str] = frozenset()) -> None:
    """DELETE with the cascades SQLite skips while migrations run (foreign keys off):
    first the rows of every table whose ON DELETE CASCADE key points at these."""
    inspector = sa.inspect(bind)
    for other in inspector.get_table_names():
        if other == table or other in seen:
            continue
        for key in inspector.get_foreign_keys(other):
            if key['referred_table'] == table and (key.get('options') or {}).get('ondelete', '').upper() == 'CASCADE':
                column, referred = key['constrained_columns'][0], key['referred_columns'][0]
                _delete(bind, other, f'{column} IN (SELECT {referred} FROM {table} WHERE {where})', seen | {table})
    bind.execute(sa.text(f'DELETE FROM {table} WHERE {where}'))


def downgrade() -> None:
    # The DMs go too: without their kind they would turn into ordinary channels.
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DELETE FROM channel WHERE kind = 'dm'")
    else:
        _delete(bind, 'channel', "kind = 'dm'")
    op.drop_index('ix_direct_message_member_key', table_name='direct_message')
    op.drop_table('direct_message')
    with op.batch_alter_table('channel') as batch_op:
        batch_op.drop_column('kind')
