"""The content linter: the catalog's examples fire, allowed and ordinary texts pass, context decides."""

import pytest

from arrears.compliance.linter import (
    ALL_PACKS,
    LintContext,
    LintHit,
    LintResult,
    Severity,
    UnknownLanguage,
    UnknownPack,
    lint,
)

# Every concrete "should trigger" phrase of RULES.md §4, with the context it needs to be wrong.
RULES_EXAMPLES = [
    ("US-C01", "We know where you live and you'll regret it", {}),
    ("US-C01", "something could happen to your car", {}),
    ("US-C02", "deadbeat", {}),
    ("US-C02", "loser", {}),
    ("US-C02", "liar", {}),
    ("US-C02", "scum", {}),
    ("US-C03", "we'll post your name on our public list of non-payers", {}),
    ("US-C04", "pay or we'll advertise your debt for sale", {}),
    ("US-C05", "just a personal matter, call back", {}),
    ("US-C06", "This is the Sheriff's office", {}),
    ("US-C06", "Department of Justice", {}),
    ("US-C06", "federal agent", {}),
    ("US-C06", "IRS", {}),
    ("US-C07", "you now owe $5,000 in legal fees", {}),
    ("US-C07", "this debt can never be discharged", {}),
    ("US-C08", "this is attorney Smith", {}),
    ("US-C08", "our legal department has reviewed your file", {}),
    ("US-C09", "you will be arrested", {}),
    ("US-C09", "jail", {}),
    ("US-C09", "a warrant will be issued", {}),
    ("US-C09", "we'll garnish your wages Friday", {}),
    ("US-C10", "we will sue you", {}),
    ("US-C10", "final notice before legal action", {}),
    ("US-C11", "this is fraud", {}),
    ("US-C11", "you committed theft", {}),
    ("US-C11", "check fraud charges", {}),
    ("US-C12", "we'll report you as fraud to the bureaus", {}),
    ("US-C13", "SUMMONS", {}),
    ("US-C13", "COURT NOTICE", {}),
    ("US-C13", "OFFICIAL LEGAL PROCESS", {}),
    ("US-C16", "this is Equifax collections", {}),
    ("US-C17", "a $35 processing fee applies", {}),
    ("US-C18", "send a postdated check so we can prosecute if it bounces", {}),
    ("US-C19", "we'll come take your TV tonight", {}),
    ("US-C21", "we'll tell your boss", {}),
    ("US-C21", "we'll call your mother about this debt", {}),
    ("US-C22", "pay within 5 days", {}),
    ("US-C22", "ignore the 30-day notice", {}),
    ("US-C25", "we can sue you anytime", {"time_barred": True}),
    ("CN-C01", "我是XX法院执行局的", {}),
    ("CN-C01", "公安局经侦", {}),
    ("CN-C01", "检察院通知", {}),
    ("CN-C01", "【XX法院】", {}),
    ("CN-C01", "传票", {}),
    ("CN-C01", "拘留通知书", {}),
    ("CN-C02", "不还钱就让你坐牢", {}),
    ("CN-C02", "不还钱就拘留你", {}),
    ("CN-C02", "明天上门找你家人", {}),
    ("CN-C02", "后果自负", {}),
    ("CN-C02", "让你在本地混不下去", {}),
    ("CN-C02", "我们知道你孩子在哪上学", {}),
    ("CN-C03", "老赖", {}),
    ("CN-C03", "骗子", {}),
    ("CN-C03", "不要脸", {}),
    ("CN-C03", "废物", {}),
    ("CN-C03", "他妈的", {}),
    ("CN-C04", "你朋友欠我们3000元", {}),
    ("CN-C04", "你同事欠我们3000元", {}),
    ("CN-C04", "我们会把你欠款的事发给你通讯录所有人", {}),
    ("CN-C04", "爆通讯录", {}),
    ("CN-C04", "发朋友圈曝光", {}),
    ("CN-C05", "你已被列入全国催收黑名单", {}),
    ("CN-C05", "已上报网贷黑名单数据库", {}),
    ("CN-C05", "你已被列为失信被执行人", {}),
    ("CN-C06", "逾期就是诈骗罪", {}),
    ("CN-C06", "已立案侦查", {}),
    ("CN-C06", "恶意透支马上抓人", {}),
    ("CN-C07", "我们将在你小区张贴催收公告", {}),
    ("CN-C07", "我们将在你单位张贴律师函", {}),
    ("CN-C08", "去XX网贷借一笔先还上", {}),
    ("CN-C08", "刷信用卡套现还款", {}),
    ("CN-C08", "找高利贷周转", {}),
    ("CN-C09", "转到我个人支付宝", {}),
    ("CN-C09", "转到我个人微信", {}),
    ("CN-C09", "加收催收服务费", {}),
    ("CN-C09", "加收上门费", {}),
    ("CN-C10", "加我私人微信谈", {}),
    ("CN-C11", "我们已经在你家楼下等你", {}),
    ("CN-C11", "去你公司找你", {}),
    ("CN-C12", "你是他亲戚，你替他还", {}),
    ("UK-C01", "You must clear the full balance today", {}),
    ("UK-C01", "pay £1,000 by 5 pm", {}),
    ("UK-C02", "borrow from family", {}),
    ("UK-C02", "use another card", {}),
    ("UK-C02", "sell your car", {}),
    ("UK-C03", "we'll get a charging order on your home unless you pay £500/month", {}),
    ("UK-C04", "bailiffs", {}),
    ("UK-C04", "court officers", {}),
    ("UK-C04", "enforcement agents", {}),
    ("UK-C04", "a CCJ has been issued", {}),
    ("UK-C05", "you missed a delivery—call us", {}),
    ("UK-C06", "To the occupier", {}),
    ("UK-C07", "customer says bereaved—keep pushing", {}),
]

CN_ALLOWED_TEMPLATE = (
    "【XX银行】尊敬的客户，您尾号1234的账户已逾期，应还金额XX元。请通过本行App或官方渠道还款，"
    "或致电95xxx协商还款方案；如对欠款有异议，请致电95xxx提出。"
)
LIMITED_CONTENT_MESSAGE = (
    "Hi, this is Jane Smith with ABC Services. Please call me back at 800-555-0199 between 8 a.m. "
    "and 9 p.m. Eastern, Monday through Friday. You can speak with any of our representatives. Thank you."
)
# RULES.md §4's allowed counter-examples, each with the packs and context that make it allowed.
ALLOWED_COUNTER_EXAMPLES = [
    (CN_ALLOWED_TEMPLATE, ALL_PACKS, LintContext()),
    (CN_ALLOWED_TEMPLATE, ("cn",), LintContext(channel="sms")),
    ("This communication is from a debt collector.", ALL_PACKS, LintContext()),
    (
        "If the debt remains unpaid, we may report it to credit bureaus.",
        ALL_PACKS,
        LintContext(reports_to_credit_bureaus=True),
    ),
    ("Our client may file a lawsuit.", ALL_PACKS, LintContext(legal_action_allowed=True)),
    (LIMITED_CONTENT_MESSAGE, ALL_PACKS, LintContext()),
    (LIMITED_CONTENT_MESSAGE, ("us-regf",), LintContext(channel="voicemail")),
]

ORDINARY_TEXTS = [
    "Hello Maria, this is a friendly reminder that your payment of $120.00 was due on March 15. "
    "If you have already paid, please disregard this message.",
    "Your account ending in 4821 is past due. You can pay online at any time or call us at "
    "1-800-555-0142, Monday to Friday, 8am to 8pm.",
    "We would like to help you get back on track. We can offer a payment plan of $75 per month. "
    "Reply to this email or call us to set it up.",
    "If you are having difficulty making payments, please let us know. We may be able to offer "
    "reduced payments or a short break while your circumstances improve.",
    "Free, confidential debt advice is available from StepChange (0800 138 1111) and Citizens Advice. "
    "They can help you work out a budget.",
    "Thank you for your payment of £50 received today. Your remaining balance is £430.",
    "We have received your request to pay in instalments. Your first payment of £40 is due on 1 June, "
    "and the following payments are due on the first of each month.",
    "We understand that circumstances change. If you would like to discuss your options, our team is "
    "available from 9am to 5pm.",
    "Please check that we have your correct address and phone number so we can keep you informed "
    "about your account.",
    "You told us that you recently lost your job. We have paused collection activity for 30 days. "
    "Please contact us when you are ready to talk about a plan.",
    "Your promise to pay $200 on Friday has been recorded. Thank you for staying in touch.",
    "Dear Mr. Patel, we are writing about your credit card account. The minimum payment is $35. "
    "You can set up automatic payments in the app.",
    "We accept payments by debit card, bank transfer or cheque. There is no fee for paying online.",
    "Raja illustrates the point well: small, regular payments add up.",
    "Customer agreed to pay $50 every two weeks starting on the 1st. Confirmation letter sent.",
    "【XX银行】尊敬的客户，您的信用卡本期应还款人民币1,280.00元，最后还款日为3月15日。如已还款，请忽略本短信。",
    "您好，我们注意到您的账户已逾期5天。如您在还款方面遇到困难，欢迎致电我行客服热线95xxx，"
    "我们将为您提供个性化分期还款方案。",
    "尊敬的客户，感谢您的按时还款。您本月的还款500元已到账，剩余应还金额为2,300元。",
    "您好，您申请的分期还款计划已通过审核，每月还款800元，共12期，首期还款日为6月1日。",
    "如您对欠款金额有异议，可通过官方App提交材料，我们将在5个工作日内核实并答复。",
    "温馨提示：请通过本行官方渠道还款，谨防骗子冒充客服，切勿向陌生账户转账。",
    "我们理解您目前的困难。如因疾病或失业暂时无法还款，请联系我们申请延期还款。",
    "您好，我是XX银行信用卡中心的工作人员，工号1023，想和您确认一下本月的还款安排，请问现在方便通话吗？",
    "客户表示下周五发工资后还款3000元，已记录还款承诺。",
    "客户称近期住院，已建议其申请困难客户帮扶，暂停催收两周。",
    "尊敬的客戶，您尾號5678的賬戶已逾期，請盡快通過官方渠道還款。",
    "理性消费，切勿以贷养贷。如需帮助，请致电我行客服。",
    "温馨提示：近期有不法分子冒充银行工作人员实施诈骗，请您提高警惕，不要向任何人透露验证码。",
    "您好，根据您的申请，我行已为您办理停息挂账，每月还款1,000元，共36期。感谢您的配合。",
    "We're sorry to hear about your loss. We have put your account on hold for 60 days. When you're "
    "ready, we can talk about options, including a reduced payment plan or a settlement.",
]

# The Regulation F model validation notice (excerpt), sent as a letter.
MODEL_VALIDATION_NOTICE = """Rockville Collections is a debt collector. We are trying to collect a debt that you owe
to Bank of Rockville. We will use any information you give us to help collect the debt.
As of January 2, 2017, you owed: $2,234.56. You were charged this amount in fees: + $25.00.
How can you dispute the debt? Call or write to us by November 10, 2017, to dispute all or part of
the debt. If you do not, we will assume that our information is correct.
Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.
Contact us about your payment options."""


def ids(result: LintResult) -> set[str]:
    return {hit.rule_id for hit in result.hits}


class TestTheCatalogExamples:
    @pytest.mark.parametrize(("rule_id", "text", "context"), RULES_EXAMPLES)
    def test_each_example_triggers_its_rule(self, rule_id, text, context):
        result = lint(text, context=LintContext(**context))

        assert rule_id in ids(result)

    @pytest.mark.parametrize(("rule_id", "text", "context"), RULES_EXAMPLES)
    def test_each_example_triggers_its_rule_in_its_own_language_and_pack(self, rule_id, text, context):
        pack = {"US": "us-regf", "CN": "cn", "UK": "uk-conc"}[rule_id[:2]]
        language = "zh" if any("\u4e00" <= char <= "\u9fff" for char in text) else "en"

        result = lint(text, language=language, packs=[pack], context=LintContext(**context))

        assert rule_id in ids(result)


class TestAllowedTexts:
    @pytest.mark.parametrize(("text", "packs", "context"), ALLOWED_COUNTER_EXAMPLES)
    def test_the_allowed_counter_examples_pass_clean(self, text, packs, context):
        result = lint(text, packs=packs, context=context)

        assert result.hits == ()
        assert result.verdict is None

    @pytest.mark.parametrize("text", ORDINARY_TEXTS)
    def test_ordinary_polite_collection_texts_pass_clean(self, text):
        result = lint(text)

        assert result.hits == ()

    def test_the_model_validation_notice_passes_clean_as_a_letter(self):
        result = lint(MODEL_VALIDATION_NOTICE, packs=["us-regf"], context=LintContext(channel="letter"))

        assert result.hits == ()


class TestLegalActionContext:
    def test_blocks_a_lawsuit_mention_by_default(self):
        result = lint("Our client may file a lawsuit.", packs=["us-regf"])

        assert [(hit.rule_id, hit.severity, hit.matched) for hit in result.hits] == [
            ("US-C10", Severity.BLOCK, "lawsuit")
        ]

    def test_allows_it_when_legal_action_is_allowed(self):
        result = lint("Our client may file a lawsuit.", context=LintContext(legal_action_allowed=True))

        assert result.hits == ()

    def test_a_time_barred_debt_blocks_it_even_when_legal_action_is_allowed(self):
        context = LintContext(legal_action_allowed=True, time_barred=True)

        result = lint("Our client may file a lawsuit.", context=context)

        assert ids(result) == {"US-C25", "CN-C06", "UK-C03"}
        assert result.is_blocked

    def test_blocks_chinese_mentions_of_a_suit_unless_allowed(self):
        text = "如仍未还款，我行将依法起诉。"

        blocked = lint(text, packs=["cn"])
        allowed = lint(text, packs=["cn"], context=LintContext(legal_action_allowed=True))

        assert [(hit.rule_id, hit.matched) for hit in blocked.hits] == [("CN-C06", "起诉")]
        assert allowed.hits == ()

    def test_a_lawyers_letter_is_a_legal_mention_too(self):
        result = lint("我们已委托律师发送律师函。", packs=["cn"])

        assert [(hit.rule_id, hit.matched) for hit in result.hits] == [("CN-C06", "律师函")]


class TestOtherContextRules:
    def test_credit_bureau_mentions_need_a_collector_that_reports(self):
        text = "If the debt remains unpaid, we may report it to credit bureaus."

        assert ids(lint(text, packs=["us-regf"])) == {"US-C10"}
        assert lint(text, context=LintContext(reports_to_credit_bureaus=True)).hits == ()

    def test_chinese_credit_reporting_mentions_need_an_institution_that_reports(self):
        text = "逾期将影响您的个人征信。"

        assert ids(lint(text, packs=["cn"])) == {"CN-C05"}
        assert lint(text, packs=["cn"], context=LintContext(reports_to_credit_bureaus=True)).hits == ()

    def test_garnishment_needs_a_judgment(self):
        text = "We will garnish your wages."

        assert ids(lint(text, packs=["us-regf"])) == {"US-C09"}
        assert lint(text, packs=["us-regf"], context=LintContext(has_judgment=True)).hits == ()

    def test_an_attorney_may_say_so(self):
        text = "This is attorney Smith."

        assert ids(lint(text, packs=["us-regf"])) == {"US-C08"}
        assert lint(text, packs=["us-regf"], context=LintContext(is_attorney=True)).hits == ()

    def test_fees_need_to_be_authorized(self):
        text = "A $35 processing fee applies."

        assert ids(lint(text, packs=["us-regf"])) == {"US-C17"}
        assert lint(text, packs=["us-regf"], context=LintContext(fees_authorized=True)).hits == ()

    def test_a_short_deadline_overshadows_only_during_the_validation_period(self):
        text = "Please pay within 5 days."

        assert ids(lint(text, packs=["us-regf"])) == {"US-C22"}
        assert lint(text, packs=["us-regf"], context=LintContext(validation_period_ended=True)).hits == ()

    def test_telling_the_consumer_to_ignore_the_notice_is_never_allowed(self):
        context = LintContext(validation_period_ended=True)

        result = lint("Just ignore the validation notice.", packs=["us-regf"], context=context)

        assert ids(result) == {"US-C22"}

    def test_an_exception_silences_only_the_hit_it_covers(self):
        text = "谨防骗子冒充客服。你这个骗子。"

        result = lint(text, packs=["cn"])

        assert [(hit.rule_id, hit.start, hit.matched) for hit in result.hits] == [("CN-C03", 12, "骗子")]


class TestMissingElements:
    def test_an_sms_without_opt_out_or_disclosure_gets_two_empty_span_hits(self):
        result = lint("Your balance is $640.", packs=["us-regf"], context=LintContext(channel="sms"))

        assert [
            (hit.rule_id, hit.severity, hit.start, hit.end, hit.matched, hit.is_missing)
            for hit in result.hits
        ] == [
            ("US-C14", Severity.REVIEW, 0, 0, "", True),
            ("US-C24", Severity.REVIEW, 0, 0, "", True),
        ]
        assert result.verdict is Severity.REVIEW
        assert not result.is_blocked

    def test_an_sms_with_the_disclosure_and_opt_out_passes(self):
        text = (
            "ABC Recovery: this communication is from a debt collector. Balance $640. Reply STOP to opt out."
        )

        result = lint(text, packs=["us-regf"], context=LintContext(channel="sms"))

        assert result.hits == ()

    def test_a_letter_needs_the_disclosure_but_no_opt_out(self):
        result = lint("Your balance is $640.", packs=["us-regf"], context=LintContext(channel="letter"))

        assert ids(result) == {"US-C14"}

    @pytest.mark.parametrize("channel", [None, "voicemail", "call", "note"])
    def test_other_channels_and_no_channel_are_not_checked(self, channel):
        result = lint("Your balance is $640.", packs=["us-regf"], context=LintContext(channel=channel))

        assert result.hits == ()

    def test_a_chinese_sms_must_name_the_institution(self):
        result = lint("您的账户已逾期，请尽快还款。", packs=["cn"], context=LintContext(channel="sms"))

        assert [(hit.rule_id, hit.is_missing) for hit in result.hits] == [("CN-C14", True)]

    @pytest.mark.parametrize(
        ("text", "context"),
        [
            ("【XX银行】您的账户已逾期，请尽快还款。", LintContext(channel="sms")),
            ("您的账户已逾期，请致电95588。", LintContext(channel="sms")),
            ("招商银行提醒：您的账户已逾期。", LintContext(channel="sms", sender_names=("招商银行",))),
        ],
    )
    def test_a_signature_a_service_number_or_a_sender_name_identifies_it(self, text, context):
        result = lint(text, packs=["cn"], context=context)

        assert result.hits == ()

    def test_the_chinese_identification_rule_leaves_english_texts_alone(self):
        result = lint("Your account is overdue.", packs=["cn"], context=LintContext(channel="sms"))

        assert result.hits == ()


class TestResult:
    def test_hits_are_ordered_by_start_and_spans_point_into_the_original_text(self):
        text = "Pay now, deadbeat, or you go to JAIL. 老賴！"

        result = lint(text, packs=["us-regf"])

        assert [(hit.rule_id, hit.start, hit.end, hit.matched) for hit in result.hits] == [
            ("US-C02", 9, 17, "deadbeat"),
            ("US-C09", 32, 36, "JAIL"),
            ("US-C02", 38, 40, "老賴"),
        ]
        assert all(text[hit.start : hit.end] == hit.matched for hit in result.hits)

    def test_the_verdict_is_the_most_severe_hit(self):
        review = lint("customer says bereaved, keep pushing", packs=["uk-conc"])
        block = lint("customer says bereaved, keep pushing, send the bailiffs", packs=["uk-conc"])

        assert review.verdict is Severity.REVIEW
        assert block.verdict is Severity.BLOCK
        assert block.is_blocked

    def test_a_hit_carries_a_title_in_both_languages_and_its_source(self):
        (hit,) = lint("老赖", packs=["cn"]).hits

        assert hit == LintHit(
            rule_id="CN-C03",
            severity=Severity.BLOCK,
            start=0,
            end=2,
            matched="老赖",
            title={"en": "Abuse or insult", "zh": "辱骂、侮辱"},
            source="RULES.md §4.2; 2018 Convention art. 16 (公序良俗); 《信用卡办法》 art. 68",
        )

    def test_overlapping_phrases_of_one_rule_make_one_hit(self):
        result = lint("不还钱就让你坐牢，后果自负", packs=["cn"])

        assert [(hit.rule_id, hit.matched) for hit in result.hits] == [
            ("CN-C02", "坐牢"),
            ("CN-C02", "后果自负"),
        ]

    def test_an_empty_text_is_clean(self):
        assert lint("").hits == ()


class TestPacksAndLanguages:
    def test_checks_every_pack_by_default(self):
        assert ALL_PACKS == ("cn", "us-regf", "uk-conc")
        assert ids(lint("lawsuit")) == {"US-C10", "CN-C06", "UK-C03"}

    def test_checks_only_the_chosen_packs(self):
        assert ids(lint("lawsuit", packs=["uk-conc"])) == {"UK-C03"}

    def test_a_language_limits_the_phrases_checked(self):
        text = "deadbeat 老赖"

        assert [hit.matched for hit in lint(text, language="zh", packs=["cn"]).hits] == ["老赖"]
        assert [hit.matched for hit in lint(text, language="en", packs=["cn"]).hits] == ["deadbeat"]
        assert [hit.matched for hit in lint(text, language=None, packs=["cn"]).hits] == ["deadbeat", "老赖"]

    def test_a_regional_language_tag_counts_as_its_language(self):
        assert ids(lint("老赖", language="zh-hans", packs=["cn"])) == {"CN-C03"}

    def test_refuses_an_unknown_pack(self):
        with pytest.raises(UnknownPack, match="'fr-code'; known packs: cn, uk-conc, us-regf") as caught:
            lint("text", packs=["fr-code"])

        assert isinstance(caught.value, ValueError)
        assert caught.value.name == "fr-code"

    def test_refuses_an_unknown_language(self):
        with pytest.raises(UnknownLanguage, match="'fr'"):
            lint("text", language="fr")
