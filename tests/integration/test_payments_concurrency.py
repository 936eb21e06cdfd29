"""Two collectors posting at the same moment: the debt's row lock serialises them (PostgreSQL)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from arrears.portfolio import ledger, payments
from arrears.portfolio.choices import EntrySource
from arrears.portfolio.models import LedgerEntry, Payment
from tests.factories.portfolio import DebtFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no row locks; make test runs this on PostgreSQL"
    ),
]


def post_at_once(debt, references, now):
    """Post one payment per reference, each from its own thread and connection, released together."""
    start, failures = threading.Barrier(len(references)), []

    def post(reference):
        try:
            connection.ensure_connection()  # connect first, so both threads really start together
            start.wait()
            payments.record_payment(
                debt_id=debt.pk, external_ref=reference, amount=Decimal("60.00"), currency="CNY",
                received_date=date(2026, 3, 30), source=EntrySource.API, actor=None, now=now,
            )  # fmt: skip
        except Exception as exc:  # collected and asserted on by the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(reference,)) for reference in references]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


class TestConcurrentPayments:
    def test_two_payments_at_once_are_allocated_one_after_the_other(self, now):
        debt = DebtFactory(principal=Decimal("100.00"), charges={"fee": Decimal("50.00")})

        failures = post_at_once(debt, ["BANK-A", "BANK-B"], now)

        assert failures == []
        entries = sorted(LedgerEntry.objects.filter(payment__isnull=False).values_list("component", "amount"))
        # 120.00 paid against 50.00 fee and 100.00 principal: the fee is paid once, never twice.
        assert entries == [
            ("fee", Decimal("-50.00")),
            ("principal", Decimal("-60.00")),
            ("principal", Decimal("-10.00")),
        ]
        assert ledger.get_balances(debt_id=debt.pk).total == Decimal("30.00")

    def test_the_same_reference_posted_twice_at_once_is_one_payment(self, now):
        debt = DebtFactory(principal=Decimal("100.00"))

        failures = post_at_once(debt, ["BANK-A", "BANK-A"], now)

        assert failures == []
        assert Payment.objects.count() == 1
        assert ledger.get_balances(debt_id=debt.pk).total == Decimal("40.00")
