"""Errors as values: every problem in the content is collected, then reported at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one input file, printed as `path:line: field: message (hint)`."""

    path: str
    line: int | None
    field: str | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        location = self.path if self.line is None else f"{self.path}:{self.line}"
        where = f"{location}: {self.field}: " if self.field else f"{location}: "
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"


class BuildError(Exception):
    """The build cannot go on; carries every content error found."""

    def __init__(self, errors: list[ContentError] | tuple[ContentError, ...]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: (e.path, e.line or 0, e.field or "")))
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the content")

    def report(self) -> str:
        lines = [f"error: {error}" for error in self.errors]
        lines.append(str(self))
        return "\n".join(lines)


class BuildCancelled(Exception):
    """The caller asked the build to stop (the preview has newer changes to build); nothing was written."""
