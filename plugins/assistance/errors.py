"""The plugin's error: a refusal with a Chinese message that names the field or line at fault."""

from __future__ import annotations

from core.workflow import WorkflowError


class AssistanceError(WorkflowError, ValueError):
    """A request the practice's rules refuse; nothing has been written.

    It is a ``WorkflowError`` (so the admin's workflow buttons show it as a message) and a
    ``ValueError`` (so admin forms do too). ``field`` names the input at fault, for API errors.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
