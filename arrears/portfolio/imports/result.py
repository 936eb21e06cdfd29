"""What an import run reports: counts and every rejected value with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused value: the row as numbered in the file (header = 1), the column, the value, why."""

    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    """Counts of an import run and its rejected rows; ``applied`` says whether anything was written."""

    total: int
    accepted: int
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def rejected_rows(self) -> int:
        """Return how many data rows were refused (header problems not counted)."""
        return self.total - self.accepted

    @property
    def is_clean(self) -> bool:
        """Return whether every row and column was accepted."""
        return not self.rejected


@dataclass(frozen=True)
class ImportPlan:
    """Valid rows with their ``state`` (new, changed, unchanged) and the rows refused against the database."""

    rows: pl.DataFrame
    errors: list[RowError]

    def count(self, state: str) -> int:
        """Return how many rows are in ``state``."""
        return int((self.rows["state"] == state).sum())
