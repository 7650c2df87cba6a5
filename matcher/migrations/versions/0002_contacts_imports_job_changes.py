"""richer contact imports and job changes

Contacts gain profile_url (indexed: a merge key), anniversary, labels and connected_on;
projects gain needs_review (set when a re-import shows a job change); job_changes records
each new company/role seen on re-import.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_url', sa.String(length=2000), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('anniversary', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('labels', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('connected_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_profile_url'), ['profile_url'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table('job_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('old_company', sa.String(length=300), nullable=False),
    sa.Column('old_role', sa.String(length=300), nullable=False),
    sa.Column('new_company', sa.String(length=300), nullable=False),
    sa.Column('new_role', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_changes_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_changes_contact_id'))
    op.drop_table('job_changes')

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('needs_review')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_profile_url'))
        batch_op.drop_column('connected_on')
        batch_op.drop_column('labels')
        batch_op.drop_column('anniversary')
        batch_op.drop_column('profile_url')
