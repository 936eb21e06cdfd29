"""The legal cap on penalty interest: 4 × the one-year LPR at the contract date (CN-RATE-01)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance.rules import rates

SHIPPED = Path(rates.__file__).parent.parent / "reference_rates.yaml"


@pytest.fixture(scope="module")
def table():
    return rates.load_reference_rates()


class TestPenaltyCapPercent:
    def test_a_contract_formed_in_june_2025_is_capped_at_4_times_3_00(self, table):
        assert rates.penalty_cap_percent(table, "CN", date(2025, 6, 1)) == Decimal("12.00")

    def test_a_contract_formed_in_november_2024_is_capped_at_4_times_3_10(self, table):
        assert rates.penalty_cap_percent(table, "CN", date(2024, 11, 1)) == Decimal("12.40")

    def test_the_new_rate_applies_from_its_effective_day_itself(self, table):
        assert rates.penalty_cap_percent(table, "CN", date(2025, 5, 20)) == Decimal("12.00")
        assert rates.penalty_cap_percent(table, "CN", date(2024, 10, 21)) == Decimal("12.40")
        assert rates.penalty_cap_percent(table, "CN", date(2024, 7, 22)) == Decimal("13.40")

    def test_the_previous_rate_applies_the_day_before_an_effective_date(self, table):
        assert rates.penalty_cap_percent(table, "CN", date(2025, 5, 19)) == Decimal("12.40")
        assert rates.penalty_cap_percent(table, "CN", date(2024, 10, 20)) == Decimal("13.40")
        assert rates.penalty_cap_percent(table, "CN", date(2019, 9, 19)) == Decimal("17.00")

    def test_the_cap_has_four_decimals(self, table):
        cap = rates.penalty_cap_percent(table, "CN", date(2023, 7, 1))

        assert cap is not None
        assert str(cap) == "14.2000"

    def test_a_contract_from_before_the_lpr_regime_uses_the_first_lpr(self, table):
        assert rates.penalty_cap_percent(table, "CN", date(2019, 8, 19)) == Decimal("17.00")
        assert rates.penalty_cap_percent(table, "CN", date(2015, 1, 1)) == Decimal("17.00")
        assert rates.penalty_cap_percent(table, "CN", date(2019, 8, 20)) == Decimal("17.00")

    @pytest.mark.parametrize("country", ["US", "GB", "FR"])
    def test_countries_without_a_cap_in_the_table_get_none(self, table, country):
        assert rates.penalty_cap_percent(table, country, date(2025, 6, 1)) is None

    @pytest.mark.parametrize("country", ["cn", "CHN", ""])
    def test_refuses_a_country_that_is_not_an_alpha_2_code(self, table, country):
        with pytest.raises(rates.UnknownCountry, match="ISO 3166-1 alpha-2"):
            rates.penalty_cap_percent(table, country, date(2025, 6, 1))


class TestCapPercentColumn:
    def test_gives_decimal_7_4_caps_for_a_series_of_contract_dates(self, table):
        dates = pl.Series([date(2025, 6, 1), date(2024, 11, 1), date(2018, 3, 3)])

        caps = rates.cap_percent_column(table, "CN", dates)

        assert caps.dtype == pl.Decimal(7, 4)
        assert caps.to_list() == [Decimal("12.0000"), Decimal("12.4000"), Decimal("17.0000")]

    def test_works_as_an_expression_inside_a_frame(self, table):
        frame = pl.DataFrame({"contract_date": [date(2025, 5, 20), date(2025, 5, 19)]})

        result = frame.with_columns(rates.cap_percent_column(table, "CN", pl.col("contract_date")))

        assert result.get_column("cap_percent").to_list() == [Decimal("12.0000"), Decimal("12.4000")]

    def test_a_null_contract_date_gets_the_strictest_cap_never_none(self, table):
        caps = rates.cap_percent_column(table, "CN", pl.Series([None], dtype=pl.Date))

        assert caps.to_list() == [Decimal("12.0000")]

    def test_is_all_null_with_the_frame_length_for_a_country_without_a_cap(self, table):
        caps = rates.cap_percent_column(table, "US", pl.Series([date(2025, 6, 1), date(2020, 1, 1)]))

        assert caps.dtype == pl.Decimal(7, 4)
        assert caps.to_list() == [None, None]

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)), max_size=30))
    def test_equals_the_scalar_cap_on_random_dates(self, dates):
        table = rates.load_reference_rates()

        caps = rates.cap_percent_column(table, "CN", pl.Series(dates, dtype=pl.Date))

        assert caps.to_list() == [rates.penalty_cap_percent(table, "CN", day) for day in dates]


class TestLoadReferenceRates:
    def test_the_shipped_table_marks_only_the_current_lpr_as_checked(self, table):
        history = table.series["LPR-1Y"].history

        assert [point.tag for point in history].count("V-S") == 1
        assert history[-1].effective == date(2025, 5, 20)
        assert history[-1].percent == Decimal("3.00")
        assert history[0].effective == date(2019, 8, 20)

    def test_loads_a_path(self, tmp_path):
        copy = tmp_path / "rates.yaml"
        copy.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")

        assert rates.load_reference_rates(copy).caps["GB"] is None

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            (
                ("at: contract_date,", "at: contract_date, floor: 1,"),
                r"line \d+: caps\.CN\.floor: unknown key",
            ),
            (("    source:", "    url: x\n    source:"), r"line \d+: series\.LPR-1Y\.url: unknown key"),
            (('percent: "3.00"', "percent: 3.00"), r"history\[12\]\.percent: write the rate as a quoted"),
            (("2024-10-21", "2024-06-21"), r"history\[11\]\.effective: effective dates must ascend"),
            (("2024-10-21", "2024-07-22"), r"history\[11\]\.effective: effective dates must ascend"),
            (("of: LPR-1Y", "of: LPR-5Y"), r"caps\.CN\.of: no series named 'LPR-5Y'"),
            (("tag: V-S", "tag: verified"), r"history\[12\]\.tag"),
            (("  GB: null", "  GB: null\n  GB: null"), r"caps\.GB: duplicate key"),
        ],
    )
    def test_refuses_a_broken_file_naming_the_line_and_key(self, change, problem):
        text = SHIPPED.read_text(encoding="utf-8").replace(*change)

        with pytest.raises(rates.InvalidRateTable, match=problem):
            rates.parse_reference_rates(text)

    def test_the_line_named_is_the_line_of_the_offending_key(self):
        text = SHIPPED.read_text(encoding="utf-8").replace("  US: null", "  US: null\n  XX: {multiple: 2}")
        line = text.splitlines().index("  XX: {multiple: 2}") + 1

        with pytest.raises(rates.InvalidRateTable, match=f"line {line}: caps.XX.of: Field required"):
            rates.parse_reference_rates(text)
