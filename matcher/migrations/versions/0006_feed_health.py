"""feed health: the last check's outcome and the retirement as columns

Feeds gain health (new | ok | not_modified | failing | gone: what the last check found) and
retired_on (the day a feed was retired, never to be fetched again; NULL while it is fetched).
Both are read from last_status, which stays as the message for people.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

feeds = sa.table(
    'feeds',
    sa.column('id', sa.Integer), sa.column('last_status', sa.String), sa.column('error_count', sa.Integer),
    sa.column('last_checked', sa.DateTime), sa.column('created_at', sa.DateTime),
    sa.column('health', sa.String), sa.column('retired_on', sa.Date),
)
# The messages the ingest wrote up to 0005, by their first word.
HEALTH_OF_MESSAGE = {'new': 'new', 'ok': 'ok', 'not': 'not_modified', 'error': 'failing', 'retired': 'gone'}


def health_of(message: str | None, error_count: int | None) -> str:
    """The health a 0005 feed's message says (an unknown message: by its error count)."""
    words = (message or '').replace(':', ' ').split()
    return HEALTH_OF_MESSAGE.get(words[0] if words else 'new') or ('failing' if error_count else 'ok')


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of `feeds` on SQLite would detach its articles
    # (articles.feed_id is ON DELETE SET NULL, and foreign keys are on).
    op.add_column('feeds', sa.Column('health', sa.String(length=20), nullable=False, server_default='new'))
    op.add_column('feeds', sa.Column('retired_on', sa.Date(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(feeds.c.id, feeds.c.last_status, feeds.c.error_count,
                                  feeds.c.last_checked, feeds.c.created_at)).all()
    for feed_id, message, error_count, last_checked, created_at in rows:
        health = health_of(message, error_count)
        # a retired feed was last checked when it answered 410, and never again
        retired_on = (last_checked or created_at).date() if health == 'gone' else None
        conn.execute(feeds.update().where(feeds.c.id == feed_id).values(health=health, retired_on=retired_on))


def downgrade() -> None:
    # The messages still say what 0005 reads ("retired: …" for a retired feed).
    op.drop_column('feeds', 'retired_on')
    op.drop_column('feeds', 'health')
