"""The base of every domain error: a message a user can read, in their language."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal by the domain, with a localized, user-readable message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist, or the actor may not see it."""


class PermissionDenied(DomainError):
    """The actor lacks the right to do this."""
