import hashlib
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from arrears.comms.gateways.base import Outgoing
from arrears.comms.gateways.letters import is_valid_s10, s10_check_digit, tracking_number_for
from arrears.comms.letters import (
    Letterhead,
    TableBlock,
    TableRow,
    TextBlock,
    parse_body,
    render_letter_pdf,
    sha256_of,
)

LETTER_DATE = date(2026, 3, 31)
LETTERHEAD = Letterhead(
    creditor_name="华东商业银行股份有限公司 信用卡中心",
    lines=("上海市黄浦区中山东一路 18 号 邮编 200002", "客服电话 400-820-1234 · collections@example.cn"),
)
DEMAND_BODY = """尊敬的李娜女士：

您于 2025 年 6 月 1 日在我行办理的个人消费贷款（合同编号 L000123）已逾期 45 天。截至 2026 年 3 月 31 日，您尚欠：

| 项目 | 金额（元）
| --- | ---
| 本金 | 10,000.00
| 利息 | 312.50
| 罚息 | 45.00
| --- | ---
| 合计 | 10,357.50

请于 2026 年 4 月 15 日前，仅通过以下指定渠道还款：
开户行：华东商业银行上海分行
账号：6225 8801 2345 6789

如您对上述债务有异议，请自收到本函之日起 15 日内书面提出。逾期未还款，我行将依法采取进一步措施。"""
ENGLISH_BODY = """Dear Ms Li,

Your personal loan (agreement L000123) is 45 days overdue. As of 31 March 2026 you owe:

| Principal | 10,000.00
| Interest | 312.50
| --- | ---
| Total | 10,312.50

Please pay by 15 April 2026, only into the account below.
Sort code 12-34-56, account 12345678 <ref. L000123 & C000042>"""


def demand_letter(*, body=DEMAND_BODY, language="zh-hans", subject="催收函", **headers):
    return Outgoing(
        message_id=42, idempotency_key="demand:L000123:2026-03-31", channel="letter",
        to="上海市浦东新区世纪大道 88 号\n200120", language=language, subject=subject, body=body,
        headers={"X-Recipient-Name": "李娜", "X-Reference": "M000042", **headers},
    )  # fmt: skip


def pages_of(pdf):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(text):
    """Drop whitespace and the table markup: the PDF keeps words, not how the template spaced them."""
    return re.sub(r"[\s|]|-{3}", "", text)


class TestRenderLetterPdf:
    def test_chinese_text_comes_back_from_the_pdf(self):
        pdf = render_letter_pdf(demand_letter(), letterhead=LETTERHEAD, sent_on=LETTER_DATE)

        text = "".join(pages_of(pdf))
        assert squeezed(DEMAND_BODY) in squeezed(text)
        for expected in ("华东商业银行股份有限公司 信用卡中心", "客服电话 400-820-1234 · collections@example.cn",
                         "李娜", "上海市浦东新区世纪大道 88 号", "催收函", "本金", "10,357.50"):  # fmt: skip
            assert expected in text

    def test_english_text_comes_back_from_the_pdf_with_its_markup_characters(self):
        outgoing = demand_letter(body=ENGLISH_BODY, language="en", subject="Formal demand for payment")

        pdf = render_letter_pdf(outgoing, letterhead=LETTERHEAD, sent_on=LETTER_DATE)

        text = "".join(pages_of(pdf))
        assert squeezed(ENGLISH_BODY) in squeezed(text)
        assert "Sort code 12-34-56, account 12345678 <ref. L000123 & C000042>" in text
        assert "Formal demand for payment" in text
        assert "31 March 2026" in text

    def test_numbers_the_pages_and_prints_the_reference_on_each(self):
        outgoing = demand_letter(body="\n\n".join([ENGLISH_BODY] * 6), language="en", subject="Demand")

        pages = pages_of(render_letter_pdf(outgoing, letterhead=LETTERHEAD, sent_on=LETTER_DATE))

        assert len(pages) == 2
        assert ["Page 1 of 2" in pages[0], "Page 2 of 2" in pages[1]] == [True, True]
        assert ["Ref. M000042" in page for page in pages] == [True, True]

    def test_numbers_chinese_pages_in_chinese(self):
        outgoing = demand_letter(body="\n\n".join([DEMAND_BODY] * 3))

        pages = pages_of(render_letter_pdf(outgoing, letterhead=LETTERHEAD, sent_on=LETTER_DATE))

        assert len(pages) == 2
        assert "第 1 页 / 共 2 页" in pages[0]
        assert "第 2 页 / 共 2 页" in pages[1]
        assert "2026年3月31日" in pages[0]

    def test_prints_the_registered_mail_number_under_the_address(self):
        outgoing = demand_letter(language="en", **{"X-Tracking-Number": "RR123456785CN"})

        text = pages_of(render_letter_pdf(outgoing, letterhead=LETTERHEAD, sent_on=LETTER_DATE))[0]

        assert "200120\nBy registered mail RR123456785CN" in text

    def test_gives_the_same_bytes_for_the_same_letter(self):
        first = render_letter_pdf(demand_letter(), letterhead=LETTERHEAD, sent_on=LETTER_DATE)

        second = render_letter_pdf(demand_letter(), letterhead=LETTERHEAD, sent_on=LETTER_DATE)

        assert first == second

    def test_dates_the_file_the_day_the_letter_bears(self):
        pdf = render_letter_pdf(demand_letter(), letterhead=LETTERHEAD, sent_on=date(2026, 2, 28))

        metadata = PdfReader(io.BytesIO(pdf)).metadata

        assert metadata is not None
        assert (metadata["/CreationDate"], metadata["/Title"]) == ("D:20260228000000+00'00'", "催收函")


class TestParseBody:
    def test_keeps_line_breaks_inside_a_paragraph_and_splits_on_blank_lines(self):
        blocks = parse_body("Dear Ms Li,\r\n\r\n\r\nPay by 15 April.\nOnly into the account below.\n")

        assert blocks == [
            TextBlock(("Dear Ms Li,",)),
            TextBlock(("Pay by 15 April.", "Only into the account below.")),
        ]

    def test_reads_table_rows_and_rules_the_row_after_a_row_of_dashes(self):
        blocks = parse_body("You owe:\n| Principal | 10.00 |\n| --- | --- |\n| Total | 10.00\nPay soon.")

        assert blocks == [
            TextBlock(("You owe:",)),
            TableBlock((TableRow(("Principal", "10.00")), TableRow(("Total", "10.00"), ruled=True))),
            TextBlock(("Pay soon.",)),
        ]


class TestSha256Of:
    def test_is_the_hex_sha256_of_the_bytes(self):
        assert sha256_of(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    def test_of_a_letter_matches_hashlib(self):
        pdf = render_letter_pdf(demand_letter(), letterhead=LETTERHEAD, sent_on=LETTER_DATE)

        assert sha256_of(pdf) == hashlib.sha256(pdf).hexdigest()


class TestS10CheckDigit:
    @pytest.mark.parametrize(
        ("serial", "check"),
        [
            ("47312482", 9),  # AA473124829GB, the UPU's own example
            ("12345678", 5),  # sum 204, 204 mod 11 = 6, 11 − 6
            ("00060000", 0),  # sum 12 ≡ 1: 11 − 1 = 10 becomes 0
            ("00000000", 5),  # sum 0: 11 − 0 = 11 becomes 5
        ],
    )
    def test_follows_the_upu_weights(self, serial, check):
        assert s10_check_digit(serial) == check

    @pytest.mark.parametrize("number", ["AA473124829GB", "RR123456785CN", "RR000600000CN", "EE000000005CN"])
    def test_accepts_valid_numbers(self, number):
        assert is_valid_s10(number)

    @pytest.mark.parametrize("number", ["AA473124828GB", "RR12345678CN", "rr123456785cn", "RR1234567X5CN"])
    def test_rejects_a_wrong_check_digit_or_shape(self, number):
        assert not is_valid_s10(number)

    def test_refuses_a_serial_that_is_not_eight_digits(self):
        with pytest.raises(ValueError, match="8 digits"):
            s10_check_digit("1234567")


class TestTrackingNumberFor:
    def test_is_a_valid_registered_number_that_the_key_always_gives(self):
        number = tracking_number_for("demand:L000123:2026-03-31")

        assert (number[:2], number[-2:], is_valid_s10(number)) == ("RR", "CN", True)
        assert tracking_number_for("demand:L000123:2026-03-31") == number
        assert tracking_number_for("demand:L000124:2026-03-31") != number

    def test_ends_with_the_posting_country(self):
        assert tracking_number_for("demand:L000123:2026-03-31", country="gb").endswith("GB")
