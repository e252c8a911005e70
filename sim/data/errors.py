"""The one error of bad data: one line naming the file, the row or column, and what is allowed."""

from __future__ import annotations


class DataError(ValueError):
    """A data file (or an option about it) is wrong: ``file: where: problem`` on one line."""

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file, self.where, self.problem = str(file), where, problem
        text = f"{file}: {where}: {problem}" if where else f"{file}: {problem}"
        super().__init__(" ".join("".join(ch if ch.isprintable() else " " for ch in text).split()))


def row_label(index: int) -> str:
    """The file line of a CSV data row (the header is line 1), as an error names it."""
    return f"row {int(index) + 2}"
