"""Errors a user can act on.

Every expected problem (bad input, unknown names, a broken file) is raised as a
:class:`QualcodeError`. The CLI prints it as one line and exits with code 2;
the TUI shows it as a notification. Nothing else should reach a user.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """An expected error with a message that says what to do."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


class NotFound(QualcodeError):
    """A named document, code, coder or passage does not exist."""


class InvalidInput(QualcodeError):
    """Input that cannot be used as given (span, CSV, attribute, file)."""


class Conflict(QualcodeError):
    """The change would clash with what is already stored."""


class NeedsForce(Conflict):
    """A destructive change that reaches others' work or many rows: it needs ``--force``
    (or a confirmation in the workbench). The message says what it would remove."""
