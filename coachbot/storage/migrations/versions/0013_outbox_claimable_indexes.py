"""Outbox claim indexes: partial indexes over pending rows (the claimable set), by due
time, by chat queue and by send-by time, and over claims being sent by lease end, so a
claim stays cheap with 100 000 messages waiting. Downgrade drops them (the claim works
without them, only slower).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
SENDING = sa.text("status = 'sending'")
INDEXES = {
    "ix_outbox_pending_not_before": (["not_before", "id"], PENDING),
    "ix_outbox_pending_chat": (["channel", "recipient", "id"], PENDING),
    "ix_outbox_pending_expires_at": (["expires_at"], PENDING),
    "ix_outbox_sending_lease_until": (["lease_until"], SENDING),
}


def upgrade() -> None:
    for name, (columns, where) in INDEXES.items():
        op.create_index(name, "outbox", columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="outbox")
