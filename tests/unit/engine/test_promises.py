"""A promise to pay is kept by the payments within its window, broken the day after its grace period."""

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.engine.promises import (
    PAYMENT_SCHEMA,
    PROMISE_SCHEMA,
    SETTLEMENT_COLUMNS,
    FrameMismatch,
    settle_promises,
)

MADE_ON = date(2026, 3, 1)
DUE = date(2026, 3, 10)
LAST_GRACE_DAY = date(2026, 3, 13)  # due + 3 days of grace
PROMISE = {
    "promise_id": 1,
    "debt_id": 10,
    "amount": Decimal("500.00"),
    "made_on": MADE_ON,
    "due_date": DUE,
    "grace_days": 3,
    "tolerance": Decimal("0.00"),
}


def promises(*rows):
    return pl.DataFrame([{**PROMISE, **row} for row in rows], schema=PROMISE_SCHEMA)


def payments(*rows):
    """Rows are (received_date, amount) on debt 10, or (debt_id, received_date, amount)."""
    rows = [(10, *row) if len(row) == 2 else row for row in rows]
    return pl.DataFrame(
        [{"debt_id": debt, "received_date": day, "amount": Decimal(amount)} for debt, day, amount in rows],
        schema=PAYMENT_SCHEMA,
    )


def settle(paid, as_of, **promise):
    return settle_promises(promises(promise), payments(*paid), as_of).rows()


class TestKept:
    def test_a_payment_on_the_last_grace_day_keeps_the_promise(self):
        assert settle([(LAST_GRACE_DAY, "500.00")], LAST_GRACE_DAY) == [
            (1, "kept", LAST_GRACE_DAY, Decimal("500.00"))
        ]

    def test_it_is_kept_as_soon_as_paid_even_before_the_due_date(self):
        assert settle([(date(2026, 3, 4), "500.00")], date(2026, 3, 5)) == [
            (1, "kept", date(2026, 3, 4), Decimal("500.00"))
        ]

    def test_a_payment_on_the_day_the_promise_was_made_counts(self):
        assert settle([(MADE_ON, "500.00")], MADE_ON) == [(1, "kept", MADE_ON, Decimal("500.00"))]

    def test_partial_payments_add_up_and_resolve_on_the_day_the_sum_is_reached(self):
        paid = [(date(2026, 3, 2), "100.00"), (date(2026, 3, 6), "150.00"), (date(2026, 3, 11), "250.00")]

        assert settle(paid, date(2026, 3, 20)) == [(1, "kept", date(2026, 3, 11), Decimal("500.00"))]

    def test_paid_is_the_sum_through_the_day_it_was_kept_including_that_days_other_payments(self):
        paid = [
            (date(2026, 3, 5), "400.00"),
            (date(2026, 3, 6), "100.00"),
            (date(2026, 3, 6), "30.00"),
            (date(2026, 3, 7), "70.00"),
        ]

        assert settle(paid, date(2026, 3, 20)) == [(1, "kept", date(2026, 3, 6), Decimal("530.00"))]

    def test_exactly_the_amount_less_the_tolerance_keeps_it(self):
        assert settle([(date(2026, 3, 9), "495.00")], date(2026, 3, 20), tolerance=Decimal("5.00")) == [
            (1, "kept", date(2026, 3, 9), Decimal("495.00"))
        ]

    def test_one_cent_below_the_amount_less_the_tolerance_does_not(self):
        assert settle([(date(2026, 3, 9), "494.99")], date(2026, 3, 20), tolerance=Decimal("5.00")) == [
            (1, "broken", date(2026, 3, 14), Decimal("494.99"))
        ]

    def test_a_kept_promise_reads_the_same_on_any_later_day(self):
        paid = [(date(2026, 3, 9), "500.00"), (date(2026, 3, 12), "80.00")]

        assert settle(paid, date(2026, 3, 9)) == settle(paid, date(2026, 6, 30))


class TestOpenAndBroken:
    def test_still_open_on_the_last_grace_day(self):
        assert settle([(date(2026, 3, 5), "100.00")], LAST_GRACE_DAY) == []

    def test_broken_the_day_after_the_grace_period_and_resolved_that_day(self):
        assert settle([(date(2026, 3, 5), "100.00")], date(2026, 3, 14)) == [
            (1, "broken", date(2026, 3, 14), Decimal("100.00"))
        ]

    def test_broken_with_nothing_paid(self):
        assert settle([], date(2026, 4, 30)) == [(1, "broken", date(2026, 3, 14), Decimal("0.00"))]

    def test_a_tolerance_as_large_as_the_amount_does_not_keep_a_promise_nobody_paid_on(self):
        assert settle([], date(2026, 3, 14), tolerance=Decimal("500.00")) == [
            (1, "broken", date(2026, 3, 14), Decimal("0.00"))
        ]

    def test_without_grace_it_is_broken_the_day_after_the_due_date(self):
        assert settle([], date(2026, 3, 11), grace_days=0) == [
            (1, "broken", date(2026, 3, 11), Decimal("0.00"))
        ]
        assert settle([], DUE, grace_days=0) == []

    def test_a_payment_the_day_before_the_promise_was_made_does_not_count(self):
        assert settle([(date(2026, 2, 28), "500.00")], date(2026, 3, 14)) == [
            (1, "broken", date(2026, 3, 14), Decimal("0.00"))
        ]

    def test_a_payment_after_the_grace_period_does_not_count(self):
        assert settle([(date(2026, 3, 14), "500.00")], date(2026, 3, 20)) == [
            (1, "broken", date(2026, 3, 14), Decimal("0.00"))
        ]

    def test_a_payment_after_as_of_is_ignored(self):
        assert settle([(date(2026, 3, 8), "500.00")], date(2026, 3, 7)) == []

    def test_a_payment_on_another_debt_does_not_count(self):
        assert settle([(11, date(2026, 3, 5), "500.00")], date(2026, 3, 14)) == [
            (1, "broken", date(2026, 3, 14), Decimal("0.00"))
        ]


class TestSeveralPromises:
    def test_several_promises_on_several_debts_are_settled_in_input_order(self):
        frame = promises(
            {"promise_id": 3, "debt_id": 30},
            {"promise_id": 1, "debt_id": 10},
            {"promise_id": 2, "debt_id": 20, "due_date": date(2026, 4, 30)},
            {"promise_id": 4, "debt_id": 40, "amount": Decimal("50.00")},
        )
        paid = payments(
            (10, date(2026, 3, 3), "200.00"),
            (40, date(2026, 3, 3), "20.00"),
            (10, date(2026, 3, 12), "300.00"),
            (20, date(2026, 3, 12), "10.00"),
            (40, date(2026, 3, 4), "30.00"),
        )

        result = settle_promises(frame, paid, date(2026, 3, 20))

        assert result.columns == list(SETTLEMENT_COLUMNS)
        assert result.schema["paid"] == pl.Decimal(18, 2)
        assert result.rows() == [
            (3, "broken", date(2026, 3, 14), Decimal("0.00")),
            (1, "kept", date(2026, 3, 12), Decimal("500.00")),
            (4, "kept", date(2026, 3, 4), Decimal("50.00")),
        ]

    def test_two_promises_on_one_debt_are_judged_independently(self):
        frame = promises({"promise_id": 1}, {"promise_id": 2, "made_on": date(2026, 3, 6)})

        result = settle_promises(frame, payments((date(2026, 3, 5), "500.00")), date(2026, 3, 20))

        assert result.rows() == [
            (1, "kept", date(2026, 3, 5), Decimal("500.00")),
            (2, "broken", date(2026, 3, 14), Decimal("0.00")),
        ]


class TestRefusals:
    def test_refuses_a_float_amount_naming_the_column(self):
        frame = promises({}).with_columns(pl.col("amount").cast(pl.Float64))

        with pytest.raises(FrameMismatch, match=r"the promises .* amount: Float64"):
            settle_promises(frame, payments(), MADE_ON)

    def test_refuses_a_missing_payment_column(self):
        with pytest.raises(FrameMismatch, match=r"the payments .* received_date: missing"):
            settle_promises(promises({}), payments().drop("received_date"), MADE_ON)

    def test_refuses_nulls(self):
        frame = promises({}).with_columns(due_date=pl.lit(None, dtype=pl.Date))

        with pytest.raises(FrameMismatch, match="nulls in: due_date"):
            settle_promises(frame, payments(), MADE_ON)


def reference(promise, paid, as_of):
    """The scalar rule, one promise at a time."""
    deadline = promise["due_date"] + timedelta(days=promise["grace_days"])
    window_end = min(deadline, as_of)
    threshold = promise["amount"] - promise["tolerance"]
    counted = sorted(
        (day, amount)
        for debt, day, amount in paid
        if debt == promise["debt_id"] and promise["made_on"] <= day <= window_end
    )
    total = Decimal("0.00")
    for day in sorted({day for day, _ in counted}):
        total += sum(amount for other, amount in counted if other == day)
        if total >= threshold:
            return (promise["promise_id"], "kept", day, total)
    if as_of > deadline:
        return (promise["promise_id"], "broken", deadline + timedelta(days=1), total)
    return None


START = date(2026, 1, 1)
days_from_start = st.integers(0, 60).map(lambda offset: START + timedelta(days=offset))
cents = st.integers(1, 100_000).map(lambda value: Decimal(value).scaleb(-2))
promise_rows = st.fixed_dictionaries({
    "debt_id": st.integers(1, 4),
    "amount": cents,
    "made_on": days_from_start,
    "due_in": st.integers(0, 20),
    "grace_days": st.integers(0, 5),
    "tolerance": st.sampled_from([Decimal("0.00"), Decimal("0.01"), Decimal("5.00")]),
})  # fmt: skip
payment_rows = st.tuples(st.integers(1, 4), days_from_start, cents)


class TestAgainstTheScalarRule:
    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(promise_rows, max_size=8),
        st.lists(payment_rows, max_size=25),
        st.integers(0, 90).map(lambda offset: START + timedelta(days=offset)),
    )
    def test_the_vectorized_settlement_equals_the_scalar_rule(self, drawn, paid, as_of):
        rows = [
            {
                "promise_id": index,
                "debt_id": row["debt_id"],
                "amount": row["amount"],
                "made_on": row["made_on"],
                "due_date": row["made_on"] + timedelta(days=row["due_in"]),
                "grace_days": row["grace_days"],
                "tolerance": row["tolerance"],
            }
            for index, row in enumerate(drawn)
        ]
        frame = pl.DataFrame(rows, schema=PROMISE_SCHEMA)
        payment_frame = pl.DataFrame(
            [{"debt_id": debt, "received_date": day, "amount": amount} for debt, day, amount in paid],
            schema=PAYMENT_SCHEMA,
        )

        result = settle_promises(frame, payment_frame, as_of)

        expected = [outcome for row in rows if (outcome := reference(row, paid, as_of)) is not None]
        assert result.rows() == expected
