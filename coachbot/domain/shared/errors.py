"""Domain errors. The bot's error router turns each into a localized reply."""


class DomainError(Exception):
    """Base of every error a user can cause and be told about."""


class NotAllowedError(DomainError):
    """The acting user may not do this (ids in callbacks are never trusted alone)."""


class InvitationError(DomainError):
    """Base of the reasons an invitation link cannot be used."""


class InvitationNotFound(InvitationError):
    """Unknown or forged token."""


class InvitationExpiredError(InvitationError):
    pass


class InvitationUsedError(InvitationError):
    pass


class InvitationRevokedError(InvitationError):
    pass


class AlreadyCoachError(DomainError):
    """A coach invitation was opened by someone who already coaches."""


class InvalidDetailError(DomainError):
    """A detail typed by a person is not acceptable; `field` and `code` say why, `limits`
    what would be (e.g. the largest amount) for the message that asks again."""

    def __init__(self, field: str, code: str, **limits: object) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.limits = limits


class AlreadyClientError(DomainError):
    """The person is already a client of this coach."""


class ClientNotFound(NotAllowedError):
    """No such client, or not this coach's (ids in callbacks are never trusted alone)."""
