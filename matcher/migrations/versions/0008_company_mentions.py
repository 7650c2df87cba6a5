"""articles know which contacts' companies they name, and the news's tone for them

Contacts gain company_aliases and company_tickers (" ::: "-joined, like labels); articles gain
mentions_checked (the fingerprint of the company names they were checked against); the new
table mentions holds, per article and contact, the words that named the company and the tone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: no batch rebuild of tables that others point at.
    op.add_column('contacts', sa.Column('company_aliases', sa.Text(), nullable=False, server_default=''))
    op.add_column('contacts', sa.Column('company_tickers', sa.Text(), nullable=False, server_default=''))
    op.add_column('articles', sa.Column('mentions_checked', sa.String(length=40), nullable=True))
    op.create_table(
        'mentions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('words', sa.String(length=300), nullable=False),
        sa.Column('tone', sa.String(length=10), nullable=False),
        sa.Column('tone_reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('article_id', 'contact_id'),
    )
    op.create_index('ix_mentions_article_id', 'mentions', ['article_id'])
    op.create_index('ix_mentions_contact_id', 'mentions', ['contact_id'])


def downgrade() -> None:
    op.drop_index('ix_mentions_contact_id', table_name='mentions')
    op.drop_index('ix_mentions_article_id', table_name='mentions')
    op.drop_table('mentions')
    op.drop_column('articles', 'mentions_checked')
    op.drop_column('contacts', 'company_tickers')
    op.drop_column('contacts', 'company_aliases')
