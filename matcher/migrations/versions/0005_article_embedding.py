"""article embedding: each article's sentence vector stored once

Articles gain embedding (nullable bytes: 512 float16, see matcher.matching.semantic) and
embedded_with (the model's name). Existing articles keep NULL and are embedded by the next
night that ranks them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, as 0004: no rebuild of `articles` on SQLite.
    op.add_column('articles', sa.Column('embedding', sa.LargeBinary(), nullable=True))
    op.add_column('articles', sa.Column('embedded_with', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('articles', 'embedded_with')
    op.drop_column('articles', 'embedding')
