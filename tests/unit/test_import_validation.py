from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from arrears.core import crypto
from arrears.portfolio import contact_values
from arrears.portfolio.imports import ImportFileUnreadable, frame_from_records, phones, reading
from arrears.portfolio.imports.debt_rules import check_debts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD = {
    "debt_ref": "L-1", "debtor_ref": "C-1", "debtor_type": "person", "debtor_name": "李娜", "product": "credit_card",
    "currency": "CNY", "principal": "1000.00", "contract_date": "2025-01-15", "due_date": "2025-02-15",
}  # fmt: skip


def check(*rows: dict[str, str]):
    return check_debts(
        reading.tidy(frame_from_records([{**GOOD, **row} for row in rows])), country="CN", first_row=2
    )


def problems(*rows: dict[str, str]):
    return [(e.row, e.column, e.value, e.message) for e in check(*rows).errors]


class TestValues:
    def test_a_good_row_has_no_problem_and_parsed_values(self):
        checked = check({"interest": "1,234.5", "instalments": "12", "email": " Li@Example.COM "})

        assert checked.errors == []
        row = checked.valid.row(0, named=True)
        assert (row["v_principal"], row["v_interest"], row["v_fee"]) == (
            Decimal("1000.00"), Decimal("1234.50"), Decimal("0.00"),
        )  # fmt: skip
        assert (row["v_instalments"], row["v_email"], row["v_language"], row["v_status"]) == (
            12, "li@example.com", "zh-hans", "open",
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("column", "value", "message"),
        [
            ("principal", "-5.00", "Must not be negative."),
            ("principal", "12a", "Not a number."),
            ("principal", "", "A value is required."),
            ("principal", "10.005", "Too many decimals for CNY (at most 2)."),
            ("principal", "12345678901234567", "Too large."),
            ("interest", "-0.01", "Must not be negative."),
            ("interest_rate", "18.12345", "At most 4 decimals."),
            ("currency", "RMB", "Unknown currency code."),
            ("contract_date", "2025/01/15", "Not a date in the format YYYY-MM-DD."),
            ("due_date", "2025-02-29", "Not a date in the format YYYY-MM-DD."),
            ("due_date", "2025-01-14", "The due date is before the contract date."),
            ("birth_date", "15.01.1985", "Not a date in the format YYYY-MM-DD."),
            ("debtor_type", "robot", "Unknown value; expected one of: person, company."),
            ("language", "fr", "Unknown value; expected one of: en, zh-hans."),
            ("instalments", "361", "Not a whole number from 1 to 360."),
            ("instalments", "2.5", "Not a whole number from 1 to 360."),
            ("phone", "12345", "Not a valid phone number for region CN."),
            ("email", "li.example.com", "Not an e-mail address."),
            ("region", "Shanghai", "Not an ISO 3166 region code such as CN, CN-31 or US-CA."),
            ("debt_ref", "L" * 65, "Longer than 64 characters."),
        ],
    )
    def test_reports_a_bad_value_with_row_column_value_and_reason(self, column, value, message):
        assert problems({column: value}) == [(2, column, value, message)]

    def test_counts_decimals_by_the_currency(self):
        assert problems({"currency": "JPY", "principal": "1000.5"}) == [
            (2, "principal", "1000.5", "Too many decimals for JPY (at most 0).")
        ]

    def test_names_the_row_that_had_a_reference_first(self):
        assert problems({}, {"debt_ref": "L-2"}, {}) == [
            (4, "debt_ref", "L-1", "Duplicate reference: row 2 has it first.")
        ]

    def test_refuses_a_later_row_that_disagrees_about_its_debtor(self):
        assert problems({}, {"debt_ref": "L-2", "debtor_name": "王伟"}) == [
            (3, "debtor_name", "王伟", "Differs from row 2 for the same debtor_ref.")
        ]


class TestHeader:
    def test_reports_an_unknown_column_on_the_header_row_and_keeps_the_rows(self):
        checked = check({"colour": "blue"})

        assert [(e.row, e.column, e.message) for e in checked.errors] == [
            (1, "colour", "Unknown column; its values were not imported.")
        ]
        assert checked.valid.height == 1

    def test_a_missing_required_column_refuses_the_file(self):
        frame = frame_from_records([GOOD]).drop("principal")

        checked = check_debts(frame, country="CN", first_row=2)

        assert checked.refused
        assert [(e.row, e.column, e.message) for e in checked.errors] == [
            (1, "principal", "Required column is missing; nothing was imported.")
        ]


class TestPhones:
    @pytest.mark.parametrize(
        "raw",
        ["13812345678", "+86 138 1234 5678", "138-1234-5678", "(010) 6552 9988", "021-68888888", "0086 13812345678",
         "+14155550123", "4008001234", "17912345678", "12345", "+8612345"],
    )  # fmt: skip
    def test_the_column_path_agrees_with_contact_values(self, raw):
        try:
            expected = contact_values.normalize_phone(raw, "CN")
        except contact_values.InvalidPhoneNumber:
            expected = None

        normalized = phones.normalize_column(pl.Series([raw]), "CN")

        assert normalized["e164"].to_list() == [expected]


class TestReading:
    def test_reads_utf8_gb18030_and_xlsx_alike(self):
        utf8 = reading.read_table(EXAMPLES / "debts.csv")
        gbk = reading.read_table(EXAMPLES / "debts-gbk.csv")
        xlsx = reading.read_table(EXAMPLES / "debts.xlsx")

        assert utf8["debtor_name"][0] == gbk["debtor_name"][0] == "李娜"
        assert xlsx.row(0, named=True)["contract_date"] == "2025-03-15"
        assert xlsx.row(1, named=True)["instalments"] == "12"

    def test_refuses_bytes_that_are_neither_utf8_nor_gb18030(self, tmp_path):
        path = tmp_path / "debts.csv"
        path.write_bytes(b"debt_ref\n\x80\xff\x80\xff\n")

        with pytest.raises(ImportFileUnreadable, match="neither UTF-8 nor GB18030"):
            reading.read_table(path)

    def test_refuses_a_broken_spreadsheet(self, tmp_path):
        path = tmp_path / "debts.xlsx"
        path.write_bytes(b"PK not really a zip")

        with pytest.raises(ImportFileUnreadable, match="cannot be read"):
            reading.read_table(path)

    def test_refuses_an_empty_file(self, tmp_path):
        path = tmp_path / "debts.csv"
        path.write_bytes(b"")

        with pytest.raises(ImportFileUnreadable, match="is empty"):
            reading.read_table(path)


class TestBulkCrypto:
    def test_lookup_hash_many_gives_the_same_hashes_as_lookup_hash(self):
        values = ["phone:+8613812345678", "", "address:上海市浦东新区世纪大道88号", "x" * 200]

        assert crypto.lookup_hash_many(values) == [crypto.lookup_hash(value) for value in values]

    def test_encrypt_many_gives_tokens_decrypt_reads(self):
        values = ["110101198504121234", "李娜", ""]

        tokens = crypto.encrypt_many(values)

        assert [crypto.decrypt(token) for token in tokens] == values
        assert len(set(tokens)) == 3
