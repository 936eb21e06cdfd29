"""Write examples/debts.xlsx: the rows of debts.csv as a spreadsheet would hold them.

Amounts and instalment counts are numeric cells, dates are date cells and the mobile number is a
number, as they are in files exported from spreadsheets. Run: .venv/bin/python examples/make_debts_xlsx.py
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

HEADER = ["debt_ref", "debtor_ref", "debtor_type", "debtor_name", "product", "currency", "principal",
          "contract_date", "due_date", "phone", "email", "interest", "instalments"]  # fmt: skip
ROWS = [
    ["XL-1001", "X-001", "person", "陈静", "credit_card", "CNY", 12500.5, date(2025, 3, 15), date(2025, 9, 15),
     13812340000, "chenjing@example.com", 856.4, None],
    ["XL-1002", "X-002", "person", "刘洋", "consumer_loan", "CNY", 36000, date(2025, 1, 10), date(2025, 2, 10),
     "+86 139 0000 3333", None, 1500, 12],
    ["XL-1003", "X-003", "company", "杭州云帆科技有限公司", "sme_loan", "CNY", 250000, date(2024, 6, 1),
     date(2024, 7, 1), "0571-8888 6666", "ar@yunfan.example.cn", None, 6],
]  # fmt: skip


def main() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "debts"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    workbook.save(Path(__file__).with_name("debts.xlsx"))


if __name__ == "__main__":
    main()
