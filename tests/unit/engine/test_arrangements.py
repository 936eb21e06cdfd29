"""Arrangement instalments covered cumulatively; broken after the grace days; completed when paid in full."""

from datetime import date
from decimal import Decimal

import polars as pl

from arrears.engine.arrangements import INSTALMENT_SCHEMA, PAYMENT_SCHEMA, track_arrangements

D = Decimal


def plan(arrangement_id: int = 1, debt_id: int = 10, effective_on: date = date(2026, 1, 5)) -> pl.DataFrame:
    rows = [
        (arrangement_id, debt_id, effective_on, number, date(2026, number, 15), D("100.00"))
        for number in (1, 2, 3)
    ]
    return pl.DataFrame(rows, schema=INSTALMENT_SCHEMA, orient="row")


def paid(*rows: tuple[int, date, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [(debt, day, D(amount)) for debt, day, amount in rows], schema=PAYMENT_SCHEMA, orient="row"
    )


def judge(payments: pl.DataFrame, as_of: date, grace_days: int = 3) -> list[dict]:
    return track_arrangements(plan(), payments, as_of, grace_days=grace_days).to_dicts()


def test_an_instalment_paid_on_time_keeps_the_arrangement_active():
    assert judge(paid((10, date(2026, 1, 14), "100.00")), date(2026, 2, 1)) == []


def test_the_last_grace_day_is_still_in_time_and_the_next_day_breaks_it():
    assert judge(paid(), date(2026, 1, 18)) == []
    assert judge(paid(), date(2026, 1, 19)) == [
        {"arrangement_id": 1, "status": "broken", "missed_number": 1, "paid": D("0.00")}
    ]


def test_instalments_are_covered_cumulatively_so_a_short_second_payment_misses_the_second():
    payments = paid((10, date(2026, 1, 10), "100.00"), (10, date(2026, 2, 10), "99.99"))
    assert judge(payments, date(2026, 2, 20)) == [
        {"arrangement_id": 1, "status": "broken", "missed_number": 2, "paid": D("199.99")}
    ]


def test_payments_before_the_arrangement_took_effect_do_not_count():
    assert judge(paid((10, date(2026, 1, 4), "100.00")), date(2026, 1, 19))[0]["status"] == "broken"


def test_paying_the_total_completes_it_even_early():
    assert judge(paid((10, date(2026, 1, 20), "300.00")), date(2026, 1, 21)) == [
        {"arrangement_id": 1, "status": "completed", "missed_number": None, "paid": D("300.00")}
    ]


def test_a_payment_after_the_as_of_date_is_ignored():
    assert judge(paid((10, date(2026, 1, 20), "100.00")), date(2026, 1, 19))[0]["status"] == "broken"
