"""Golden decisions: each shipped strategy version on a fixed synthetic portfolio.

A change in what the engine decides shows here as a diff of a committed file. When the change is
intended, regenerate with `ARREARS_UPDATE_GOLDEN=1 pytest tests/unit/engine/test_golden.py` and
commit the file with the change that explains it.
"""

import os
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from arrears.engine.evaluate import evaluate
from arrears.engine.fields import snapshot_frame
from arrears.engine.strategy import default_strategy

GOLDEN = Path(__file__).parent / "golden"
AS_OF = date(2026, 3, 31)
CHOICES: dict[str, list[object]] = {
    "days_past_due": [0, 1, 14, 30, 31, 45, 60, 90, 91, 120, 121, 400, None],
    "days_until_due": [None, 0, 1, 3, 4, 20],
    "balance": [
        Decimal("0.00"),
        Decimal("800.00"),
        Decimal("9999.99"),
        Decimal("10000.00"),
        Decimal("50000.00"),
    ],
    "debtor_kind": ["person", "company"],
    "is_key_customer": [None, False, True],
    "delinquency_reason": [None, "unknown", "forgot", "cash_flow", "dispute", "wilful"],
    "stage": [None, "courtesy", "early", "mid", "late", "legal", "outreach", "verification"],
    "days_in_stage": [None, 0, 1, 2, 3, 5, 7, 10, 14, 30],
    "is_verified": [False, True],
    "has_open_dispute": [False, False, False, True],
}


def synthetic_portfolio(size: int = 400) -> pl.DataFrame:
    draw = random.Random(7)
    rows = [
        {
            "debt_id": n,
            "debtor_id": 1000 + n,
            **{name: draw.choice(values) for name, values in CHOICES.items()},
        }
        for n in range(1, size + 1)
    ]
    return snapshot_frame(rows)


def as_text(decisions: pl.DataFrame) -> str:
    return decisions.with_columns(pl.col("actions").list.join(" ")).write_csv()


class TestGoldenDecisions:
    def test_the_default_strategy_decides_as_recorded(self):
        strategy = default_strategy()
        path = GOLDEN / f"{strategy.strategy}-{strategy.version}.csv"

        decided = as_text(evaluate(synthetic_portfolio(), strategy, AS_OF))

        if os.environ.get("ARREARS_UPDATE_GOLDEN"):
            path.write_text(decided, encoding="utf-8")
        assert decided == path.read_text(encoding="utf-8")
