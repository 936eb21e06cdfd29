"""`arrears cycle preview`: the default strategy on the demo portfolios, counted and sampled, nothing written."""

import json
from datetime import date
from importlib import resources
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from arrears.casework.models import Case, CaseAction, StageEvent
from arrears.comms.models import Message
from arrears.core.audit.models import AuditEvent
from arrears.engine.strategy import default_strategy
from arrears.portfolio import ledger
from arrears.portfolio.models import Debt, LedgerEntry
from arrears.usecases.demo.load import load_demo

AS_OF = date(2026, 3, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(now):
    load_demo(seed=7, debtors=40, as_of=AS_OF, with_users=False, now=now)


def default_strategy_text() -> str:
    return (resources.files("arrears.engine") / "strategies" / "default.yaml").read_text(encoding="utf-8")


def _debts_between(low: int, high: int) -> int:
    debts = list(Debt.objects.exclude(status__in=["settled", "written_off", "closed"]))
    positions = ledger.list_positions(debts=debts, as_of=AS_OF)
    return sum(1 for position in positions.values() if low <= position.days_past_due <= high)


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
        before = [
            model.objects.count()
            for model in (AuditEvent, LedgerEntry, Case, StageEvent, CaseAction, Message)
        ]

        report = json.loads(preview("--json"))

        assert report["strategy"] == "default@2026.11.1"
        assert report["accounts"] == open_debts
        assert sum(row["accounts"] for row in report["by_segment"]) == open_debts
        assert sum(row["accounts"] for row in report["by_stage"]) == open_debts
        segments = {row["segment"] for row in report["by_segment"]}
        assert segments <= {item.id for item in default_strategy().segments}
        # The demo records delinquency reasons on its cases, so reason segments are in use.
        assert segments & {"hardship", "forgot", "wilful", "dispute"}
        after = [
            model.objects.count()
            for model in (AuditEvent, LedgerEntry, Case, StageEvent, CaseAction, Message)
        ]
        assert after == before

    def test_cases_keep_the_stage_the_demo_cycle_gave_them_and_samples_say_why(self, demo):
        report = json.loads(preview("--json"))

        stages = {row["stage"] for row in report["by_stage"]}
        assert stages & {"early", "mid", "late", "legal"}
        assert report["transitions"] < report["accounts"]
        staged = dict(Case.objects.exclude(stage="").values_list("debt_id", "stage"))
        assert all(
            staged.get(sample["debt_id"]) in (sample["stage_from"], None) for sample in report["samples"]
        )
        assert all(rule.startswith("default@2026.11.1/paths/") for rule in
                   (row["action_rule"] for row in report["by_action"]))  # fmt: skip
        assert all(
            sample["transition_rule"] is None or sample["transition_rule"].startswith("default@2026.11.1/")
            for sample in report["samples"]
        )

    def test_a_candidate_strategy_is_compared_with_the_active_one(self, demo, tmp_path):
        source = default_strategy_text().replace('version: "2026.11.1"', 'version: "2026.11.2"')
        candidate = source.replace("days_past_due >= 31", "days_past_due >= 21")
        assert candidate != source
        path = tmp_path / "candidate.yaml"
        path.write_text(candidate, encoding="utf-8")

        report = json.loads(preview("--json", "--strategy", str(path)))

        difference = report["difference"]
        assert report["strategy"] == "default@2026.11.2"
        assert difference["active"] == "default@2026.11.1"
        assert difference["candidate"] == "default@2026.11.2"
        moved = _debts_between(21, 30)
        assert difference["stage_changed"] >= 1 if moved else difference["stage_changed"] == 0
        by_stage = {row["stage"]: (row["active"], row["candidate"]) for row in difference["by_stage"]}
        assert sum(active for active, _candidate in by_stage.values()) == report["accounts"]
        assert sum(candidate for _active, candidate in by_stage.values()) == report["accounts"]
        text = preview("--strategy", str(path))
        assert "Against default@2026.11.1:" in text

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
