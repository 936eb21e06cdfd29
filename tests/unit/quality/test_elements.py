"""The expected elements of a contact, found in sample transcripts in Chinese and English."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.quality import elements
from arrears.quality.elements import ElementFacts

GOOD_ZH = """坐席：您好，我是平安消费金融的催收专员李明，工号A1023。请问是王先生吗？
客户：是我，你好。
坐席：您尾号为4321的账单已于3月5日到期，欠款金额为2,350.00元。
客户：我最近手头紧。
坐席：理解您的情况，我们可以为您申请分期还款，分3期。
客户：好的。
坐席：那我们约定您3月20日前还第一期，我会在3月21日跟进。感谢您的配合，再见。"""

GOOD_EN = """Agent: Good morning, my name is Sarah Jones, calling on behalf of Northwind Bank.
Debtor: Hi.
Agent: Your balance of £1,204.50 was due on 5 March 2026.
Debtor: I cannot pay it all.
Agent: We could set up a payment plan of three instalments.
Agent: So we agreed you will pay £400 by Friday, and I will call you back on Monday. Thank you, goodbye."""

# A call the manual warns against: no greeting, no names, no facts, no solution — only pressure.
BAD_ZH = """坐席：王某某，你欠的钱到底什么时候还？
客户：我现在真的没有钱。
坐席：没钱就去借，别跟我废话。"""

BAD_EN = """Agent: Listen, you need to pay what you owe right now.
Debtor: I lost my job last month.
Agent: That's not my problem."""

FACTS_ZH = ElementFacts(amount=Decimal("2350.00"), due_date=date(2026, 3, 5))
FACTS_EN = ElementFacts(amount=Decimal("1204.50"), due_date=date(2026, 3, 5))


def found(findings):
    return {finding.key for finding in findings if finding.found}


class TestCheckElements:
    @pytest.mark.parametrize(
        ("text", "language", "facts"), [(GOOD_ZH, "zh", FACTS_ZH), (GOOD_EN, "en", FACTS_EN)]
    )
    def test_a_good_call_shows_every_element(self, text, language, facts):
        findings = elements.check_elements(text, language=language, facts=facts)

        assert [finding.key for finding in findings] == list(elements.ELEMENT_KEYS)
        assert found(findings) == set(elements.ELEMENT_KEYS)

    def test_each_finding_quotes_its_evidence_from_the_text(self):
        findings = {f.key: f for f in elements.check_elements(GOOD_ZH, language="zh", facts=FACTS_ZH)}

        assert GOOD_ZH[findings["state_amount"].start : findings["state_amount"].end] == "2,350.00元"
        assert "2,350.00元" in findings["state_amount"].evidence
        assert GOOD_ZH[findings["state_due_date"].start : findings["state_due_date"].end] == "3月5日"
        assert findings["offer_solution"].evidence.endswith("分期还款，分3期。")
        assert "平安消费金融" in findings["identify_creditor"].evidence

    def test_english_evidence(self):
        findings = {f.key: f for f in elements.check_elements(GOOD_EN, language="en", facts=FACTS_EN)}

        assert GOOD_EN[findings["state_amount"].start : findings["state_amount"].end] == "£1,204.50"
        assert GOOD_EN[findings["state_due_date"].start : findings["state_due_date"].end] == "5 March 2026"
        assert "on behalf of" in findings["identify_creditor"].evidence

    def test_a_pressuring_chinese_call_misses_the_elements(self):
        findings = elements.check_elements(BAD_ZH, language="zh")

        assert found(findings) == set()

    def test_a_pressuring_english_call_misses_the_elements(self):
        findings = elements.check_elements(BAD_EN, language="en")

        # "what you owe" is about the debt, but no amount is ever said.
        assert found(findings) == set()

    def test_a_wrong_amount_is_not_the_amount_stated(self):
        text = "坐席：您好，您的欠款金额为2,530.00元，已于3月5日到期。"

        findings = {f.key: f for f in elements.check_elements(text, language="zh", facts=FACTS_ZH)}

        assert findings["state_amount"].found is False
        assert findings["state_amount"].detail == elements.AMOUNT_MISMATCH
        assert "2,530.00元" in findings["state_amount"].evidence
        assert findings["state_due_date"].found is True

    def test_a_wrong_due_date_is_not_the_due_date_stated(self):
        text = "Agent: Your balance of £1,204.50 was due on March 15."

        findings = {f.key: f for f in elements.check_elements(text, language="en", facts=FACTS_EN)}

        assert findings["state_amount"].found is True
        assert findings["state_due_date"].found is False
        assert findings["state_due_date"].detail == elements.DATE_MISMATCH

    def test_card_digits_and_dates_are_not_amounts(self):
        text = "坐席：您尾号为2350的账单已于3月5日到期。"

        findings = {f.key: f for f in elements.check_elements(text, language="zh", facts=FACTS_ZH)}

        assert findings["state_amount"].found is False
        assert findings["state_amount"].detail == ""

    def test_amounts_in_wan_and_without_facts(self):
        text = "坐席：您目前欠款共计1.2万元。"

        finding = elements.check_elements(text, language="zh", facts=ElementFacts(amount=Decimal("12000")))[3]

        assert finding.key == "state_amount"
        assert finding.found is True
        assert elements.check_elements(text, language="zh")[3].found is True

    def test_only_the_collectors_lines_count_in_a_labelled_transcript(self):
        text = "客户：你好，我是王伟。\n坐席：嗯。\n客户：我会分期还款，谢谢，再见。"

        findings = elements.check_elements(text, language="zh")

        assert found(findings) == set()

    def test_unlabelled_notes_are_read_whole(self):
        notes = "Spoke to debtor. Offered a payment plan; we agreed he will pay by Friday."

        assert found(elements.check_elements(notes, language="en")) == {"offer_solution", "agree_next_step"}

    def test_full_width_text_matches(self):
        text = "Ａｇｅｎｔ：ＨＥＬＬＯ， ｍｙ ｎａｍｅ ｉｓ Ｔｏｍ．"

        assert found(elements.check_elements(text, language="en")) == {"greeting", "identify_self"}

    def test_traditional_language_codes_are_accepted_and_others_refused(self):
        assert elements.check_elements("您好", language="zh-hans")[0].found is True
        with pytest.raises(elements.UnknownLanguage, match="use zh or en"):
            elements.check_elements("hola", language="es")

    def test_labels_in_both_languages(self):
        assert elements.element_label("offer_solution", "zh") == "提出解决方案"
        assert elements.element_label("offer_solution", "en-GB") == "Offers a solution"
