"""One exception type for every error a user can fix; the CLI prints it without a traceback."""


class ClirbenchError(Exception):
    """An error with a message that says what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n  fix: {hint}")
