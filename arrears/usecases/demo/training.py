"""The demo's training: the course, scenarios and quiz installed; the collector certified, the field agent not.

The demo collector has walked the "forgot" scenario well and passed the quiz, so holds a
certification; the ``field`` user has started a scenario and answered badly, so does not. The SME
portfolio gives live work only to certified collectors.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from arrears.portfolio.models import Portfolio
from arrears.training import attempts, certification, content, practice
from arrears.training.models import PracticeSession, SessionStatus

GOOD_REPLIES = (
    "您好，我是明亮消费金融的客服小王。",
    "李女士，温馨提醒您，您尾号为4821的账单已于3月15日到期，金额为3,250.00元。",
    "您可以通过APP还款，或者转账到我们的对公账户。今天方便安排吗？",
    "好的，那我们约定今天晚上还款，感谢您的配合，再见。",
)
REQUIRED_IN = "cn-sme"


def add_training(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Install the training material; certify the demo collector; require certification in the SME portfolio."""
    content.install_defaults(actor=None, now=now)
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=("collector", "field", "qa"))
    }
    collector, field = users.get("collector"), users.get("field")
    if (
        collector is not None
        and certification.get_certification(user_id=collector.pk, as_of=now.date()) is None
    ):
        _practise(collector, GOOD_REPLIES, now=now - timedelta(days=2))
        _, quiz = content.active_quiz()
        answers = {question.id: question.answer for question in quiz.questions}
        attempts.submit_quiz(user=collector, answers=answers, now=now - timedelta(days=1))
    if field is not None and not PracticeSession.objects.filter(user=field).exists():
        _practise(field, ("喂？", "你欠钱不还，后果自负。"), now=now - timedelta(days=1))
    manager = users.get("qa")
    required = next((portfolio for portfolio in portfolios if portfolio.code == REQUIRED_IN), None)
    if manager is not None and required is not None and not certification.requires_certification(required.pk):
        certification.set_policy(portfolio_id=required.pk, required=True, actor=manager, now=now)


def _practise(user: Any, replies: tuple[str, ...], *, now: datetime) -> None:
    session = practice.start_session(user=user, scenario_slug="forgot", language="zh-hans", now=now)
    for number, text in enumerate(replies):
        session, _turn = practice.reply(
            session_id=session.pk, user=user, text=text, now=now + timedelta(minutes=number + 1)
        )
        if session.status != SessionStatus.OPEN:
            return
