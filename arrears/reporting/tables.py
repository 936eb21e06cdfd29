"""What every KPI returns: a table of rows, the drill-down behind each number, and how to chart it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column: its key in the rows, its heading and how to show it (text, count, money or rate)."""

    name: str
    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Drill:
    """The source rows behind one number: a metric's key over a period, maybe for one collector or arm."""

    metric: str
    since: date
    until: date
    key: str = ""
    collector: int | None = None
    arm: str | None = None

    def as_params(self) -> dict[str, str]:
        """Return the drill-down as query parameters."""
        params = {
            "metric": self.metric,
            "key": self.key,
            "from": self.since.isoformat(),
            "to": self.until.isoformat(),
        }
        if self.collector is not None:
            params["collector"] = str(self.collector)
        if self.arm is not None:
            params["arm"] = self.arm
        return params


@dataclass(frozen=True)
class Chart:
    """How to chart a table: a kind (bar, line, pie, stacked), the category column and the value columns."""

    kind: str
    category: str
    values: tuple[str, ...]


@dataclass
class Table:
    """A KPI's rows; ``drills[i][column]`` is the drill-down of that cell when it has one."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    drills: list[dict[str, Drill]] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""

    def add(self, row: dict[str, Any], drills: dict[str, Drill] | None = None) -> None:
        """Append a row and the drill-downs of its cells."""
        self.rows.append(row)
        self.drills.append(drills or {})


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """Return ``part / whole`` to four places (a proportion), or ``None`` when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
