"""Entities and value objects."""

from coachbot.domain.model.audit import AuditEntry
from coachbot.domain.model.invitations import Invitation, InvitationKind, InvitationState
from coachbot.domain.model.outbox import Channel, Notice, OutboxStatus, OutgoingMessage
from coachbot.domain.model.people import Client, ClientStatus, Coach, Role, User, UserRoles

__all__ = [
    "AuditEntry",
    "Channel",
    "Client",
    "ClientStatus",
    "Coach",
    "Invitation",
    "InvitationKind",
    "InvitationState",
    "Notice",
    "OutboxStatus",
    "OutgoingMessage",
    "Role",
    "User",
    "UserRoles",
]
