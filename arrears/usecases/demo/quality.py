"""The demo's quality: a scorecard per portfolio, a day of the collector's calls, a sample, reviews and coaching.

Every portfolio gets the default scorecard. The demo collector records yesterday's calls on
consumer cases through the desk's action (compliance decides each; a refused call is skipped),
with notes that give the sample its risks: a visit mentioned (the linter asks a person to look), a
dispute, a long call. Some calls have a transcript — good ones in Chinese and English, and one with
a threat and the wrong amount. The day's sample is drawn; the QA reviewer scores three calls: a good
one (100 %), a low one (80 %: passed, below the coaching mark) and the threatening one (failed
critical items); the last two open coaching tasks for the demo supervisor. The rest stay in the
``qa`` login's queue.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from arrears.casework import activities
from arrears.casework.models import Activity, Case
from arrears.core.errors import DomainError
from arrears.portfolio import ledger
from arrears.portfolio.choices import ContactKind
from arrears.portfolio.models import ContactPoint, Portfolio
from arrears.quality import reviews, sampling, scorecards, scoring
from arrears.quality.models import QualityReview, SampleRun

DEMO_PORTFOLIO = "cn-consumer"
CALLS = 24
RATE = Decimal("0.4")
NOTES = (
    "客户表示忘记还款，已提醒到期日和金额，客户同意今天还款。",
    "客户称最近资金周转困难，已介绍分期还款方案，约定下周一回电。",
    "客户不认可欠款金额，称已部分还款，已记录异议并告知核实流程。",
    "客户同意还款，但要求我们下周安排上门拜访面谈。",
    "Debtor forgot the due date; reminded of the amount and agreed a payment by Friday.",
    "未接通。",
    (
        "客户接通后情绪激动，称本月被裁员，家中两个孩子上学，房贷也已逾期。先请客户说完，确认了逾期原因是失业导致收入中断，"
        "预计三个月内能找到新工作。向客户核对了欠款金额和到期日，客户对金额无异议。客观说明了继续逾期的后果：按合同计收罚息，"
        "逾期记录会影响个人信用，客户表示理解。询问了客户目前的收入和必要支出：失业金每月约两千元，配偶有收入，每月可拿出约八百元。"
        "介绍了困难客户的延期和分期方案，客户倾向先延期两个月再分期。告知需要提交失业证明和收入情况说明，由主管审批，"
        "审批结果三个工作日内通知。客户同意本周内通过邮件提交材料，约定下周三上午十点回电确认审批结果。通话结束前再次核对了客户的联系电话和邮箱，"
        "提醒客户如有变化及时告知，客户表示感谢。通话约二十五分钟。"
    ),
    "客户已还款，提供转账凭证，待核实。",
)
RESULTS = ("promise", "hardship", "dispute", "promise", "promise", "no_answer", "right_party", "paid")


def add_quality(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's quality data to ``portfolios``."""
    scorecards.install_defaults(
        portfolios=sorted(portfolios, key=lambda item: item.code), actor=None, now=now
    )
    users = {
        user.username: user for user in get_user_model().objects.filter(username__in=("collector", "qa"))
    }
    collector, reviewer = users.get("collector"), users.get("qa")
    portfolio = next((item for item in portfolios if item.code == DEMO_PORTFOLIO), None)
    if collector is None or reviewer is None or portfolio is None:
        return
    day = as_of - timedelta(days=1)
    if SampleRun.objects.filter(portfolio=portfolio, business_date=day).exists():
        return  # loaded before
    calls = _record_calls(portfolio, collector, day)
    sampling.draw_sample(portfolio=portfolio, day=day, rate=RATE, seed=seed, actor=reviewer, now=now)
    _review(calls, reviewer, now=now)


def _record_calls(portfolio: Portfolio, collector: Any, day: date) -> list[Activity]:
    """Record the collector's calls of ``day`` (10:00 local onwards, three minutes apart) through the desk."""
    start = datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(portfolio.time_zone))
    cases = (
        Case.objects.filter(portfolio=portfolio)
        .exclude(stage="")
        .select_related("debtor", "debt")
        .order_by("pk")[: CALLS * 2]
    )
    phones: dict[int, int] = {}
    for debtor_id, point_id in (
        ContactPoint.objects.filter(debtor__in=[case.debtor_id for case in cases], kind=ContactKind.PHONE)
        .filter(contact_person__isnull=True)
        .order_by("debtor_id", "-is_primary", "pk")
        .values_list("debtor_id", "pk")
    ):
        phones.setdefault(debtor_id, point_id)
    recorded: list[Activity] = []
    for index, case in enumerate(cases):
        if len(recorded) >= CALLS or case.debtor_id not in phones:
            continue
        at = start + timedelta(minutes=3 * index)
        kind = index % len(NOTES)
        try:
            recorded.append(
                activities.record_activity(
                    case_id=case.pk,
                    result=RESULTS[kind],
                    note=NOTES[kind],
                    actor=collector,
                    now=at,
                    expected_revision=None,
                    request_key=f"demo-quality-{case.pk}",
                    channel="call",
                    contact_point_id=phones[case.debtor_id],
                )
            )
        except DomainError:
            continue  # compliance refused this call (a hold, a cap, the hour): the collector moves on
    return recorded


def _transcript(activity: Activity, style: str) -> str:
    """Write a transcript of the call with the debt's real amount and due date (or a wrong amount)."""
    debt = activity.case.debt
    local_day = activity.created_at.astimezone(ZoneInfo(activity.case.portfolio.time_zone)).date()
    owed = ledger.get_balances(debt_id=debt.pk, as_of=local_day).total
    if style == "en":
        return (
            "Agent: Good morning, my name is Chen Jing, calling on behalf of Star Consumer Finance.\n"
            "Debtor: Hello.\n"
            f"Agent: Your balance of {owed:,.2f} yuan was due on {debt.due_date:%d %B %Y}.\n"
            "Debtor: I forgot, sorry.\n"
            "Agent: If it helps, we could set up a payment plan of two instalments.\n"
            "Agent: So we agreed you will pay by Friday, and I will call you back on Monday. Thank you, goodbye."
        )
    if style == "threat":
        wrong = owed + Decimal(1500)
        return (
            "坐席：喂，你是欠钱那个吧？\n"
            "客户：你是谁？\n"
            f"坐席：你欠了{wrong:,.2f}元，再不还我们就去你单位找你。\n"
            "客户：我现在没有钱。\n"
            "坐席：那是你的事。"
        )
    return (
        "坐席：您好，我是星辰消费金融的催收专员陈静，工号C2041。请问是本人吗？\n"
        "客户：是我。\n"
        f"坐席：您的借款已于{debt.due_date.month}月{debt.due_date.day}日到期，欠款金额为{owed:,.2f}元。\n"
        "客户：最近手头有点紧。\n"
        "坐席：理解您的情况，我们可以为您申请分期还款，分3期。\n"
        "坐席：那我们约定您本周五前还第一期，我会在下周一跟进。感谢您的配合，再见。"
    )


def _review(calls: list[Activity], reviewer: Any, *, now: datetime) -> None:
    """Transcripts on four calls; the reviewer scores a good, a low and a threatening one."""
    if len(calls) < 4:
        return
    passed = {item.key: scoring.Mark.PASS.value for item in scoring.default_spec().items}
    plans = (
        (calls[0], "zh", passed),
        (calls[1], "threat", {**passed, "legality": "fail", "compliance": "fail", "professionalism": "fail", "identification_greeting": "fail",
                              "verify_debt_facts": "fail", "consequences_calmly": "fail", "propose_solution": "fail"}),
        (calls[4], "en", {**passed, "professionalism": "fail", "listening_clarifying": "fail", "closing": "fail"}),
        (calls[2], "zh", None),
    )  # fmt: skip
    for activity, style, marks in plans:
        review = QualityReview.objects.filter(activity=activity).first() or reviews.queue_contact(
            activity_id=activity.pk, actor=reviewer, now=now
        )
        review = reviews.attach_transcript(
            review=review, text=_transcript(activity, style), actor=reviewer, now=now
        )
        if marks is not None:
            reviews.submit_review(
                review=review, marks=marks, comments={"legality": "威胁到单位找人，属于禁止行为。"}
                if style == "threat" else {}, comment="", actor=reviewer, now=now,
            )  # fmt: skip
