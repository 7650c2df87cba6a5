"""suggestions keep the draft as the user edited it

Suggestions gain edited: the text the user changed in the review's editor (NULL while not
edited). The draft stays as the tool wrote it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable, no default): no batch rebuild of `suggestions` on SQLite,
    # whose touches point at it.
    op.add_column('suggestions', sa.Column('edited', sa.Text(), nullable=True))


def downgrade() -> None:
    # Edited texts are lost; the drafts are still there.
    op.drop_column('suggestions', 'edited')
