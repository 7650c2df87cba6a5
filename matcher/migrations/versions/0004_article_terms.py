"""article terms: each article's analysis stored once

Articles gain terms (nullable text): the matcher's analysed terms of title and text, in the
form matcher.matching.terms writes. Existing articles keep NULL and are analysed (and their
terms stored) by the next ranking that needs them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite and PostgreSQL alike: no table rebuild (a batch rebuild of
    # `articles` would cascade into suggestions on SQLite with foreign keys on).
    op.add_column('articles', sa.Column('terms', sa.Text(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite >= 3.35): again no rebuild of `articles`.
    op.drop_column('articles', 'terms')
