from decimal import Decimal

import pytest

from arrears.core import money


class TestMoney:
    def test_rounds_half_to_even_at_the_currency_minor_unit(self):
        assert money.round_money(Decimal("2.345"), "CNY") == Decimal("2.34")
        assert money.round_money(Decimal("2.355"), "CNY") == Decimal("2.36")
        assert money.round_money(Decimal("1234.5"), "JPY") == Decimal("1234")

    def test_parses_amounts_without_float(self):
        assert money.parse_amount(" 1,234.50 ") == Decimal("1234.50")

    @pytest.mark.parametrize("text", ["abc", "1.2.3", "NaN", "Infinity", ""])
    def test_refuses_text_that_is_not_a_finite_amount(self, text):
        with pytest.raises(money.InvalidAmount):
            money.parse_amount(text)

    def test_knows_the_scale_each_currency_allows(self):
        assert money.has_valid_scale(Decimal("1.25"), "USD")
        assert not money.has_valid_scale(Decimal("1.255"), "USD")
        assert not money.has_valid_scale(Decimal("1.5"), "JPY")

    def test_refuses_to_add_two_currencies(self):
        with pytest.raises(ValueError, match="CNY with USD"):
            money.Money(Decimal("1.00"), "CNY") + money.Money(Decimal("1.00"), "USD")


class TestRoundHalfUp:
    def test_instalment_plans_round_ties_up_where_the_ledger_rounds_them_to_even(self):
        assert money.round_half_up(Decimal("2.345"), "CNY") == Decimal("2.35")
        assert money.round_money(Decimal("2.345"), "CNY") == Decimal("2.34")
        assert money.round_half_up(Decimal("2.355"), "CNY") == Decimal("2.36")
        assert money.round_half_up(Decimal("2.3449"), "CNY") == Decimal("2.34")
        assert money.round_half_up(Decimal("1234.5"), "JPY") == Decimal("1235")
        assert money.round_half_up(Decimal("-2.345"), "CNY") == Decimal("-2.35")
