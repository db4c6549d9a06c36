"""key scopes

- `api_key.scopes` (JSON list of "chat", "read", "write"): existing keys get all three,
  so they keep working as before.
- `api_key.agent_slugs`, `api_key.channel_slugs` (JSON lists; empty: all the owner's).
- `api_key.monthly_budget` (model calls a calendar month; NULL: no budget).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('monthly_budget', 'channel_slugs', 'agent_slugs', 'scopes')


def upgrade() -> None:
    op.add_column('api_key', sa.Column('scopes', sa.JSON(), server_default='["chat", "read", "write"]', nullable=False))
    op.add_column('api_key', sa.Column('agent_slugs', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('api_key', sa.Column('channel_slugs', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('api_key', sa.Column('monthly_budget', sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':  # in place: a batch rebuild would cascade-delete through foreign keys
            op.execute(f'ALTER TABLE api_key DROP COLUMN {column}')
        else:
            op.drop_column('api_key', column)
