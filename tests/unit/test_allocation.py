from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.portfolio import allocation
from arrears.portfolio.allocation import Allocation

DEFAULT = ("fee", "penalty", "interest", "principal")
cents = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("1000000.00"), places=2)
positive_cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000.00"), places=2)


class TestAllocate:
    def test_settles_fees_then_penalty_then_interest_then_principal(self):
        outstanding = {"principal": Decimal("1000.00"), "interest": Decimal("50.00"),
                       "penalty": Decimal("20.00"), "fee": Decimal("15.00")}  # fmt: skip

        parts = allocation.allocate(Decimal("100.00"), outstanding, DEFAULT)

        assert parts == [
            Allocation("fee", Decimal("15.00")),
            Allocation("penalty", Decimal("20.00")),
            Allocation("interest", Decimal("50.00")),
            Allocation("principal", Decimal("15.00")),
        ]

    def test_follows_a_portfolio_order_principal_first(self):
        outstanding = {"principal": Decimal("80.00"), "fee": Decimal("30.00")}

        parts = allocation.allocate(
            Decimal("100.00"), outstanding, ("principal", "interest", "penalty", "fee")
        )

        assert parts == [Allocation("principal", Decimal("80.00")), Allocation("fee", Decimal("20.00"))]

    def test_records_the_excess_as_overpayment(self):
        parts = allocation.allocate(Decimal("120.00"), {"principal": Decimal("100.00")}, DEFAULT)

        assert parts == [
            Allocation("principal", Decimal("100.00")),
            Allocation("overpayment", Decimal("20.00")),
        ]

    def test_skips_components_in_credit(self):
        parts = allocation.allocate(
            Decimal("10.00"), {"fee": Decimal("-5.00"), "principal": Decimal("10.00")}, DEFAULT
        )

        assert parts == [Allocation("principal", Decimal("10.00"))]

    def test_refuses_a_payment_that_is_not_positive(self):
        with pytest.raises(ValueError, match="positive"):
            allocation.allocate(Decimal("0.00"), {"principal": Decimal("1.00")}, DEFAULT)

    def test_refuses_an_order_missing_a_component(self):
        with pytest.raises(allocation.InvalidAllocationOrder):
            allocation.allocate(Decimal("1.00"), {}, ("fee", "interest", "principal"))

    @given(
        amount=positive_cents,
        principal=cents,
        interest=cents,
        penalty=cents,
        fee=cents,
        order=st.permutations(DEFAULT),
    )
    def test_never_creates_or_loses_money_and_never_overpays_a_component(
        self, amount, principal, interest, penalty, fee, order
    ):
        outstanding = {"principal": principal, "interest": interest, "penalty": penalty, "fee": fee}

        parts = allocation.allocate(amount, outstanding, order)

        assert sum(part.amount for part in parts) == amount
        assert all(part.amount > 0 for part in parts)
        for part in parts:
            if part.component != "overpayment":
                assert part.amount <= outstanding[part.component]
        overpaid = sum(part.amount for part in parts if part.component == "overpayment")
        assert overpaid == max(amount - sum(outstanding.values()), Decimal(0))
        assert [part.component for part in parts if part.component != "overpayment"] == [
            component for component in order if any(p.component == component for p in parts)
        ]
