"""The one error type every stage raises for bad input: it names the file and the place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """A problem with an input file, reported as `file:line:column: message`."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self):  # so that an error raised in a --jobs worker reaches the parent intact
        return (InputError, (self.path, self.message, self.line, self.column))

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.column) + ": error: " + self.message


@dataclass(frozen=True)
class ReviewItem:
    """A decision an editor may want to check, or a warning: the output was still written."""

    path: str
    line: int
    source: str  # the transcript's text in question
    decision: str  # what the converter did
    why: str
    level: str = "review"  # "review" or "warning"

    def __str__(self) -> str:
        return f"{format_location(self.path, self.line)}: {self.level}: {self.why}"


def format_location(path: str, line: int | None = None, column: int | None = None) -> str:
    place = path
    if line is not None:
        place += f":{line}"
        if column is not None:
            place += f":{column}"
    return place


class OutputRefused(Exception):
    """An output the toolkit will not write: it would overwrite or delete an input or a user's files, or write
    through a symbolic link inside the output folder. A usage error: the command exits 2 before (or instead of)
    writing it, with `file: error: message`."""

    def __init__(self, path: Path | str, message: str):
        super().__init__(message)
        self.path = str(path)
        self.message = message

    def __reduce__(self):  # raised in a --jobs worker, it reaches the parent intact
        return (OutputRefused, (self.path, self.message))

    def __str__(self) -> str:
        return f"{self.path}: error: {self.message}"
