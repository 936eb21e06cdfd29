from datetime import date
from decimal import Decimal

import phonenumbers
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from arrears.core import zones
from arrears.core.money import CURRENCIES
from arrears.portfolio.choices import ChangeCategory, ContactRole, DebtStatus, PaymentChannel, Product
from arrears.usecases.demo import identity, terms
from arrears.usecases.demo.generate import (
    DEBT_COLUMNS,
    PAYMENT_COLUMNS,
    DemoData,
    generate_demo,
    generate_in_background,
    split_debtors,
)

AS_OF = date(2026, 3, 31)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(seed=42, debtors=800, as_of=AS_OF)


def _all(demo: DemoData, frame: str) -> pl.DataFrame:
    return pl.concat([getattr(part, frame) for part in demo.portfolios])


class TestGenerateDemo:
    def test_the_same_seed_and_date_give_identical_frames(self, demo):
        again = generate_demo(seed=42, debtors=800, as_of=AS_OF)

        for first, second in zip(demo.portfolios, again.portfolios, strict=True):
            for frame in ("debts", "payments", "contact_persons", "changes", "days_past_due"):
                assert_frame_equal(getattr(first, frame), getattr(second, frame))

    def test_another_seed_gives_other_debts(self, demo):
        other = generate_demo(seed=43, debtors=800, as_of=AS_OF)

        assert not _all(other, "debts").equals(_all(demo, "debts"))

    def test_shares_the_debtors_among_the_four_portfolios(self, demo):
        counts = {part.spec.code: part.debts["debtor_ref"].n_unique() for part in demo.portfolios}

        assert counts == {"cn-consumer": 320, "cn-sme": 120, "us-cards": 240, "uk-telecom": 120}

    def test_debts_and_payments_have_exactly_the_import_columns_as_strings(self, demo):
        part = demo.portfolios[0]

        assert tuple(part.debts.columns) == DEBT_COLUMNS
        assert tuple(part.payments.columns) == PAYMENT_COLUMNS
        assert set(part.debts.dtypes) == {pl.String}
        assert set(part.payments.dtypes) == {pl.String}

    def test_each_portfolio_has_its_currency_and_products(self, demo):
        seen = {
            part.spec.code: (set(part.debts["currency"]), set(part.debts["product"]))
            for part in demo.portfolios
        }

        assert seen == {
            "cn-consumer": ({"CNY"}, {"consumer_loan", "credit_card"}),
            "cn-sme": ({"CNY"}, {"b2b_invoice", "sme_loan"}),
            "us-cards": ({"USD"}, {"credit_card", "auto_loan"}),
            "uk-telecom": ({"GBP"}, {"telecom"}),
        }
        assert {currency for currencies, _ in seen.values() for currency in currencies} <= CURRENCIES
        assert {product for _, products in seen.values() for product in products} <= set(Product.values)

    def test_days_past_due_run_from_current_to_over_a_year(self, demo):
        days = [int(value) for value in _all(demo, "days_past_due")["days_past_due"]]

        assert min(days) == 0
        assert max(days) > 360
        assert sum(1 for value in days if value > 360) > 20

    def test_every_phone_is_valid_for_the_portfolio_country(self, demo):
        checked = 0
        for part in demo.portfolios:
            numbers = pl.concat([part.debts["phone"], part.debts["phone2"], part.contact_persons["phone"]])
            for number in numbers.drop_nulls():
                parsed = phonenumbers.parse(number, part.spec.country)
                assert phonenumbers.is_valid_number(parsed), number
                assert phonenumbers.region_code_for_number(parsed) == part.spec.country, number
                checked += 1

        assert checked > 1000

    def test_phones_ring_in_the_time_zones_of_the_debtors_region(self, demo):
        for part in demo.portfolios:
            for number, region in part.debts.select("phone", "region").iter_rows():
                e164 = phonenumbers.format_number(
                    phonenumbers.parse(number, part.spec.country), phonenumbers.PhoneNumberFormat.E164
                )

                assert set(zones.zones_for_phone(e164)) <= set(zones.zones_for_region(region)), (
                    number,
                    region,
                )

    def test_some_debts_are_disputed_some_paid_in_full_many_in_part(self, demo):
        debts = _all(demo, "debts")
        days = _all(demo, "days_past_due")
        paid = _all(demo, "payments")["debt_ref"].unique()
        overdue_with_payments = days.filter(
            pl.col("debt_ref").is_in(paid.implode()) & (pl.col("days_past_due") != "0")
        )

        assert 0 < (debts["status"] == "disputed").sum() < debts.height // 10
        assert set(debts["status"]) <= set(DebtStatus.values)
        assert overdue_with_payments.height > debts.height // 4
        assert set(_all(demo, "payments")["channel"]) <= set(PaymentChannel.values)

    def test_companies_have_a_finance_contact_and_a_decision_maker(self, demo):
        sme = next(part for part in demo.portfolios if part.spec.code == "cn-sme")
        companies = sme.debts.filter(pl.col("debtor_type") == "company")["debtor_ref"].unique()
        roles = sme.contact_persons.group_by("debtor_ref").agg(pl.col("role").sort())

        assert set(roles["debtor_ref"]) == set(companies)
        assert {tuple(value) for value in roles["role"]} == {("decision_maker", "finance")}
        assert set(sme.contact_persons["role"]) <= set(ContactRole.values)
        assert (
            sme.debts.filter(pl.col("debtor_type") == "company")["debtor_name"]
            .str.ends_with("有限公司")
            .all()
        )

    def test_hardship_is_told_in_the_debtors_language(self, demo):
        cn = demo.portfolios[0].changes
        us = demo.portfolios[2].changes

        assert cn.height > 0
        assert us.height > 0
        assert cn["description"].str.contains(r"[\u4e00-\u9fff]").all()
        assert not us["description"].str.contains(r"[\u4e00-\u9fff]").any()
        assert set(pl.concat([cn, us])["category"]) <= set(ChangeCategory.values)


class TestSplitDebtors:
    def test_splits_by_largest_remainder_and_keeps_the_total(self):
        assert split_debtors(60, [40, 15, 30, 15]) == [24, 9, 18, 9]
        assert split_debtors(7, [40, 15, 30, 15]) == [3, 1, 2, 1]
        assert sum(split_debtors(100_001, [40, 15, 30, 15])) == 100_001


class TestIdentityChecksums:
    def test_resident_id_check_character_follows_gb_11643(self):
        assert identity.resident_id_checksum("11010519491231002") == "X"

    def test_credit_code_check_character_follows_gb_32100(self):
        assert identity.credit_code_checksum("91350100M000100Y4") == "3"

    def test_to_e164_drops_separators_and_the_trunk_prefix(self):
        assert identity.to_e164("44", "0161 496 0123") == "+441614960123"
        assert identity.to_e164("86", "13812345678") == "+8613812345678"


class TestFeeRules:
    def test_us_card_late_fees_are_30_then_41_a_statement_up_to_six(self):
        assert terms.us_card_late_fees(0, 0, Decimal("0")) == Decimal("0.00")
        assert terms.us_card_late_fees(1, 1, Decimal("0")) == Decimal("30.00")
        assert terms.us_card_late_fees(1, 61, Decimal("0")) == Decimal("112.00")
        assert terms.us_card_late_fees(1, 400, Decimal("0")) == Decimal("235.00")

    def test_telecom_late_fees_are_ten_a_cycle_up_to_three(self):
        assert terms.telecom_late_fees(1, 29, Decimal("0")) == Decimal("10.00")
        assert terms.telecom_late_fees(1, 365, Decimal("0")) == Decimal("30.00")


class TestExpectedDaysPastDue:
    def test_fee_and_penalty_are_settled_before_instalments_are_covered(self):
        schedule = [(date(2026, 1, 10), Decimal("100.00")), (date(2026, 2, 10), Decimal("100.00"))]
        charges = {"principal": Decimal("200.00"), "interest": Decimal("0.00"), "penalty": Decimal("5.00"),
                   "fee": Decimal("10.00")}  # fmt: skip
        payments = [terms.PaymentRow(date(2026, 1, 10), Decimal("110.00"), "card")]

        days = terms.expected_days_past_due(
            schedule=schedule, charges=charges, payments=payments, as_of=AS_OF
        )

        assert days == 80


class TestGenerateInBackground:
    def test_gives_the_same_frames_smallest_portfolio_first(self):
        expected = {
            part.spec.code: part for part in generate_demo(seed=5, debtors=40, as_of=AS_OF).portfolios
        }

        parts = list(generate_in_background(seed=5, debtors=40, as_of=AS_OF))

        assert [part.spec.code for part in parts] == ["cn-sme", "uk-telecom", "us-cards", "cn-consumer"]
        for part in parts:
            assert_frame_equal(part.debts, expected[part.spec.code].debts)
            assert_frame_equal(part.payments, expected[part.spec.code].payments)
