"""occasions: greetings and congratulations as suggestions, custom dates

Suggestions gain kind (article | news | greeting | congratulation), occasion (a key, unique
per contact), occasion_on and title, and article_id becomes nullable (a greeting has no
article). custom_dates holds dates worth a greeting per contact.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _saved_touch_links(bind):
    # SQLite rebuilds `suggestions` to relax article_id; with foreign keys on, dropping the
    # old table would run touches.suggestion_id's ON DELETE SET NULL. Keep the links.
    if bind.dialect.name != 'sqlite':
        return []
    return bind.execute(sa.text(
        'SELECT id, suggestion_id FROM touches WHERE suggestion_id IS NOT NULL')).fetchall()


def _restore_touch_links(bind, links):
    for touch_id, suggestion_id in links:
        bind.execute(sa.text('UPDATE touches SET suggestion_id = :s WHERE id = :t'),
                     {'s': suggestion_id, 't': touch_id})


def upgrade() -> None:
    bind = op.get_bind()
    links = _saved_touch_links(bind)
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.alter_column('article_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='article'))
        batch_op.add_column(sa.Column('occasion', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('occasion_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_suggestions_contact_occasion', ['contact_id', 'occasion'],
                              unique=True)
    _restore_touch_links(bind, links)

    op.create_table('custom_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('yearly', sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('custom_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_dates_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('custom_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_dates_contact_id'))
    op.drop_table('custom_dates')

    bind = op.get_bind()
    # Occasion suggestions have no article: they cannot survive the old schema.
    bind.execute(sa.text("DELETE FROM suggestions WHERE article_id IS NULL"))
    links = _saved_touch_links(bind)
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_contact_occasion')
        batch_op.drop_column('title')
        batch_op.drop_column('occasion_on')
        batch_op.drop_column('occasion')
        batch_op.drop_column('kind')
        batch_op.alter_column('article_id', existing_type=sa.Integer(), nullable=False)
    _restore_touch_links(bind, links)
