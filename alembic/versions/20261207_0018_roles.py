"""workspace admins, deactivated accounts, sign-up mode and invites, channel roles

- `user_account.is_admin`, `user_account.deactivated_at`: the deployment is one
  workspace; the oldest existing account becomes its admin, so an upgraded hub is
  never left without one.
- `workspace`: one row (id 1) with the sign-up mode (open, invite, closed).
- `signup_invite`: an admin's invite links (hashed token, expiry, uses).
- `channel_member.role`: owner, moderator or member; each channel's owner row
  becomes "owner".

The downgrade drops the columns with SQLite's own ALTER TABLE ... DROP COLUMN: a
batch rebuild of `user_account` would drop the table, and with foreign keys on,
that deletes every row that cascades from an account.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user_account', sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('channel_member', sa.Column('role', sa.String(length=16), server_default='member', nullable=False))
    op.create_table(
        'workspace',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('signup_mode', sa.String(length=16), server_default='open', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'signup_invite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('max_uses', sa.Integer(), nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_signup_invite_token_hash', 'signup_invite', ['token_hash'], unique=True)
    op.execute("INSERT INTO workspace (id, signup_mode) VALUES (1, 'open')")
    op.execute(
        "UPDATE user_account SET is_admin = true WHERE id = "
        "(SELECT id FROM user_account ORDER BY created_at, id LIMIT 1)"
    )
    op.execute(
        "UPDATE channel_member SET role = 'owner' WHERE EXISTS (SELECT 1 FROM channel "
        "WHERE channel.id = channel_member.channel_id AND channel.owner_id = channel_member.user_id)"
    )


def downgrade() -> None:
    op.drop_index('ix_signup_invite_token_hash', table_name='signup_invite')
    op.drop_table('signup_invite')
    op.drop_table('workspace')
    for table, column in (('channel_member', 'role'), ('user_account', 'deactivated_at'), ('user_account', 'is_admin')):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
