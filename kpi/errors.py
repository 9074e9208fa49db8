"""The one exception type for users' mistakes.

Anything a user can fix (a file we cannot read, a mapping naming a column that is not there,
an as-of month outside the data) raises `InputError`. It knows where the problem is and says
what to do; pages show it with `st.error`, the CLI prints it on one line and exits 2.
Everything else is a bug and may raise whatever it raises.

A problem that callers and tests tell apart carries a stable `code` (`no-data-rows`); the
message is prose for people and may change, the code does not.
"""

from __future__ import annotations


class InputError(Exception):
    """A problem in the user's input, located as precisely as we can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.code = code  # a stable name for the kind of problem ("no-data-rows"), None when unnamed

    def where(self) -> str:
        """'finance.xlsx:CSAT, row 14, column 'Date'' — the location part, possibly empty."""
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.sheet}" if self.sheet else self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message
