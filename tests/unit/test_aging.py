from datetime import date
from decimal import Decimal

import pytest

from arrears.portfolio import aging

D = Decimal


class TestDaysPastDue:
    def test_is_zero_on_the_due_date_and_one_the_day_after(self):
        schedule = [(date(2026, 3, 31), D("100.00"))]

        assert aging.days_past_due(as_of=date(2026, 3, 31), schedule=schedule, paid=D(0)) == 0
        assert aging.days_past_due(as_of=date(2026, 4, 1), schedule=schedule, paid=D(0)) == 1

    def test_counts_across_a_month_end(self):
        schedule = [(date(2026, 1, 31), D("100.00"))]

        assert aging.days_past_due(as_of=date(2026, 3, 1), schedule=schedule, paid=D(0)) == 29

    def test_counts_the_29th_of_february_in_a_leap_year(self):
        schedule = [(date(2028, 2, 28), D("100.00"))]

        assert aging.days_past_due(as_of=date(2028, 3, 1), schedule=schedule, paid=D(0)) == 2
        assert aging.days_past_due(as_of=date(2028, 2, 29), schedule=schedule, paid=D(0)) == 1

    def test_counts_across_a_year_end(self):
        schedule = [(date(2025, 12, 31), D("1.00"))]

        assert aging.days_past_due(as_of=date(2027, 1, 1), schedule=schedule, paid=D(0)) == 366

    def test_starts_from_the_oldest_instalment_not_covered(self):
        schedule = [
            (date(2026, 1, 10), D("100.00")),
            (date(2026, 2, 10), D("100.00")),
            (date(2026, 3, 10), D("100.00")),
        ]

        assert aging.days_past_due(as_of=date(2026, 3, 20), schedule=schedule, paid=D("150.00")) == 38

    def test_is_zero_when_everything_due_is_paid(self):
        schedule = [(date(2026, 1, 10), D("100.00")), (date(2026, 5, 10), D("100.00"))]

        assert aging.days_past_due(as_of=date(2026, 3, 20), schedule=schedule, paid=D("100.00")) == 0

    def test_a_partial_payment_does_not_cure_an_instalment(self):
        schedule = [(date(2026, 1, 10), D("100.00"))]

        assert aging.days_past_due(as_of=date(2026, 1, 20), schedule=schedule, paid=D("99.99")) == 10


class TestBucketFor:
    @pytest.mark.parametrize(
        ("days", "bucket"),
        [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (90, "61-90"), (91, "91-120"),
         (180, "121-180"), (360, "181-360"), (361, "361+"), (4000, "361+")],
    )  # fmt: skip
    def test_places_days_in_their_bucket(self, days, bucket):
        assert aging.bucket_for(days) == bucket

    def test_refuses_negative_days(self):
        with pytest.raises(ValueError):
            aging.bucket_for(-1)
