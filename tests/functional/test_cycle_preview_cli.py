"""`arrears cycle preview`: the default strategy on the demo portfolios, counted and sampled, nothing written."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from arrears.core.audit.models import AuditEvent
from arrears.portfolio.models import Debt, LedgerEntry
from arrears.usecases.demo.load import load_demo

AS_OF = date(2026, 3, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(now):
    load_demo(seed=7, debtors=40, as_of=AS_OF, with_users=False, now=now)


def preview(*args: str) -> str:
    out = StringIO()
    call_command("cycle", "preview", "--date", AS_OF.isoformat(), *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as error:
        preview(*args)
    return error.value.returncode, str(error.value)


class TestCyclePreview:
    def test_counts_every_open_debt_by_segment_and_stage_and_writes_nothing(self, demo):
        open_debts = Debt.objects.exclude(status__in=["settled", "written_off", "closed"]).count()
        before = (AuditEvent.objects.count(), LedgerEntry.objects.count())

        report = json.loads(preview("--json"))

        assert report["strategy"] == "default@2026.11.1"
        assert report["accounts"] == open_debts
        assert sum(row["accounts"] for row in report["by_segment"]) == open_debts
        assert sum(row["accounts"] for row in report["by_stage"]) == open_debts
        assert {row["segment"] for row in report["by_segment"]} <= {"standard", "dispute"}
        assert (AuditEvent.objects.count(), LedgerEntry.objects.count()) == before

    def test_every_debt_past_due_is_in_a_stage_and_every_new_stage_plans_its_day_zero_action(self, demo):
        report = json.loads(preview("--json"))

        stages = {row["stage"] for row in report["by_stage"]}
        assert stages & {"early", "mid", "late", "legal"}
        assert report["transitions"] == report["accounts"] - next(
            (row["accounts"] for row in report["by_stage"] if row["stage"] is None), 0
        )
        assert report["by_action"]
        assert all(row["action_rule"].startswith("default@2026.11.1/paths/") for row in report["by_action"])
        assert len(report["samples"]) == 10
        assert all(sample["transition_rule"].endswith("/enter_when") for sample in report["samples"])

    def test_one_portfolio_only(self, demo):
        whole = json.loads(preview("--json"))["accounts"]
        code = Debt.objects.order_by("pk").values_list("portfolio__code", flat=True)[0]

        part = json.loads(preview("--json", "--portfolio", code))["accounts"]

        assert 0 < part < whole
        assert (
            part
            == Debt.objects.filter(portfolio__code=code)
            .exclude(status__in=["settled", "written_off", "closed"])
            .count()
        )

    def test_prints_tables_for_people(self, demo):
        text = preview()

        assert "default@2026.11.1 on 2026-03-31:" in text
        assert "preview, nothing written" in text
        for title in ("By segment", "By stage", "Actions due", "Sample cases"):
            assert title in text

    def test_an_invalid_strategy_file_is_refused_with_its_line_and_field(self, demo, tmp_path):
        path = tmp_path / "bad.yaml"
        path.write_text(
            'strategy: bad\nversion: "1"\ntitle: {en: Bad, zh: 坏}\nsegments:\n'
            '  - {id: all, priority: 1, when: "colour = 1", path: main}\n'
            "paths:\n  main:\n    stages:\n"
            '      - {id: early, enter_when: "days_past_due >= 1", goal: full_payment, deadline_days: 5}\n',
            encoding="utf-8",
        )

        code, message = refusal("--strategy", str(path))

        assert code == 2
        assert "bad.yaml, line 5: segments[0].when: unknown field 'colour'" in message

    def test_an_unknown_portfolio_is_refused(self, demo):
        assert refusal("--portfolio", "nowhere") == (2, "There is no portfolio with code “nowhere”.")
