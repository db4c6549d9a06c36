"""profiles

- `user_profile`: a person's title and status (emoji, text, until) and avatar version.
- `user_avatar`: the avatar's sizes (128 and 32 px WebP).

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-07 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user_profile',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False, server_default=''),
        sa.Column('status_emoji', sa.String(length=16), nullable=False, server_default=''),
        sa.Column('status_text', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('status_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('avatar_version', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'user_avatar',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'size'),
    )


def downgrade() -> None:
    op.drop_table('user_avatar')
    op.drop_table('user_profile')
