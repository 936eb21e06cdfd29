"""Hardship assessments stored with their figures; scripts chosen by stage, situation and language; the
consequences statement to the cent and clean under the content linter; the default scripts installed once."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from arrears.casework import guards, hardship, scripts
from arrears.casework.models import Case, DelinquencyReason, HardshipAssessment, Script
from arrears.compliance import decisions
from arrears.compliance.linter import ALL_PACKS, LintContext, lint
from arrears.core.audit.models import AuditEvent
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

STRATEGY = "default@2026.11.1"


@pytest.fixture
def case():
    return CaseFactory(
        debt__charges={"interest": Decimal("120.35"), "penalty": Decimal("88.10")},
        debt__penalty_rate=Decimal("18.25"), strategy=STRATEGY, segment="standard", stage="mid",
        stage_entered_on=date(2026, 4, 1),
    )  # fmt: skip


@pytest.fixture
def collector(case):
    return UserFactory(portfolios=[case.portfolio])


def _assess(case, collector, now, **changes):
    answers = {
        "cause": "job_loss", "since": date(2026, 2, 1), "expected_months": 4,
        "monthly_income": Decimal("8200.55"), "monthly_expenses": Decimal("5100.10"),
        "other_debt_payments": Decimal("999.99"), "assets": Decimal("0.00"), "dependants": 2,
        "willingness": "willing", "notes": "Lost the job in January; new one starts in June.",
        "expected_revision": case.revision, "request_key": None, **changes,
    }  # fmt: skip
    return hardship.assess_hardship(case_id=case.pk, actor=collector, now=now, **answers)


class TestAssessHardship:
    def test_stores_the_figures_sets_the_reason_and_records_one_event(self, case, collector, now):
        assessment = _assess(case, collector, now)

        assert (assessment.disposable_income, assessment.affordable_monthly) == (
            Decimal("2100.46"), Decimal("1050.00"),
        )  # fmt: skip
        assert (assessment.ability, assessment.willingness, assessment.suggested_treatment) == (
            "partly", "willing", "instalment_plan",
        )  # fmt: skip
        case.refresh_from_db()
        assert case.delinquency_reason == DelinquencyReason.CASH_FLOW
        event = AuditEvent.objects.get(action="casework.assess_hardship")
        assert event.after["affordable_monthly"] == "1050.00" and event.before == {
            "delinquency_reason": "unknown"
        }
        assert (
            hardship.treatment_label(assessment.suggested_treatment)
            == "Instalment plan at the affordable amount"
        )

    def test_a_double_submit_stores_one_assessment(self, case, collector, now):
        first = _assess(case, collector, now, request_key="h-1")

        assert _assess(case, collector, now, request_key="h-1").pk == first.pk
        assert HardshipAssessment.objects.count() == 1

    def test_refuses_a_stale_page(self, case, collector, now):
        Case.objects.filter(pk=case.pk).update(revision=5)

        with pytest.raises(guards.StaleCase):
            _assess(case, collector, now)

        assert not HardshipAssessment.objects.exists()
        assert Case.objects.get(pk=case.pk).delinquency_reason == DelinquencyReason.UNKNOWN

    def test_refuses_a_start_in_the_future_naming_the_field(self, case, collector, now):
        with pytest.raises(hardship.InvalidAssessment, match="Since: 2026-04-02 is in the future"):
            _assess(case, collector, now, since=date(2026, 4, 2))

        assert not HardshipAssessment.objects.exists()

    def test_refuses_a_negative_amount_naming_the_field(self, case, collector, now):
        with pytest.raises(hardship.InvalidAssessment, match=r"Monthly income: -1\.00"):
            _assess(case, collector, now, monthly_income=Decimal("-1.00"))

    def test_refuses_notes_with_forbidden_wording(self, case, collector, now):
        with pytest.raises(decisions.NoteBlocked):
            _assess(case, collector, now, notes="不还钱就把你列入黑名单")

        assert not HardshipAssessment.objects.exists()


class TestScriptFor:
    def test_prefers_the_stages_script_then_any_stage_then_the_shipped_default(self, case, now):
        assert scripts.script_for(case=case, situation="refusal", language="en").origin == "default"

        Script.objects.create(stage="", situation="refusal", language="en", title="Any stage", body="b",
                              updated_at=now)  # fmt: skip
        assert scripts.script_for(case=case, situation="refusal", language="en").title == "Any stage"

        Script.objects.create(
            stage="mid", situation="refusal", language="en", title="Mid", body="b", updated_at=now
        )
        Script.objects.create(stage="late", situation="refusal", language="en", title="Late", body="b",
                              updated_at=now)  # fmt: skip
        chosen = scripts.script_for(case=case, situation="refusal", language="en")
        assert (chosen.title, chosen.origin) == ("Mid", "stage")
        assert scripts.script_for(case=case, situation="refusal", language="zh-hans").origin == "default"

    def test_skips_inactive_scripts(self, case, now):
        Script.objects.create(stage="mid", situation="forgot", language="zh-hans", title="旧", body="b",
                              is_active=False, updated_at=now)  # fmt: skip

        assert (
            scripts.script_for(case=case, situation="forgot", language="zh").title
            == "遗忘还款：确认并告知还款方式"
        )

    def test_refuses_an_unknown_situation(self, case):
        with pytest.raises(scripts.UnknownSituation, match="Situation"):
            scripts.script_for(case=case, situation="angry", language="en")


class TestConsequencesStatement:
    def test_gives_this_debts_figures_and_the_next_stage_with_its_dates(self, case):
        statement = scripts.consequences_statement(case=case, language="en", today=date(2026, 4, 15))

        assert statement == (
            "As of 2026-04-15 the balance is 10,208.45 CNY: principal 10,000.00 CNY, interest 120.35 CNY, "
            "penalty 88.10 CNY. The payment due on 2026-03-01 is 45 days past due. While it stays unpaid, the "
            "contract's late-payment penalty of 18.25% a year is charged. If it is still unpaid on 2026-05-31 "
            "(91 days past due), the case moves to the next stage (late stage): 2026-05-31: a formal demand "
            "letter by registered mail; 2026-06-10: a visit from our field team, with your consent and where the rules allow it. "
            "Paying the overdue amount before then stops these steps; if that is difficult, we can discuss a plan."
        )

    def test_names_no_step_the_path_does_not_plan(self, case):
        case.stage = "legal"

        statement = scripts.consequences_statement(case=case, language="en", today=date(2026, 4, 15))

        assert "No further step is planned" in statement
        assert "letter" not in statement

    def test_leaves_out_a_field_visit_on_a_small_balance(self):
        small = CaseFactory(
            debt__principal=Decimal("800.00"), strategy=STRATEGY, segment="standard", stage="mid"
        )

        statement = scripts.consequences_statement(case=small, language="en", today=date(2026, 4, 15))

        assert "demand letter" in statement and "visit" not in statement

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_is_clean_under_the_content_linter(self, case, language):
        for stage in ("early", "mid", "late"):
            case.stage = stage
            with translation.override(language):
                statement = scripts.consequences_statement(
                    case=case, language=language, today=date(2026, 4, 15)
                )

            result = lint(
                statement, language=language[:2], packs=ALL_PACKS, context=LintContext(channel="call")
            )

            assert result.hits == (), (stage, statement)

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_the_shipped_scripts_are_clean_under_the_content_linter(self, language):
        for (_situation, script_language), item in scripts.default_scripts().items():
            if script_language == language:
                assert scripts.lint_script(item["body"] + "\n" + "\n".join(item["prompts"])).hits == ()


class TestInstallDefaults:
    def test_installs_the_five_situations_in_both_languages_once(self, now):
        call_command("scripts", "install-defaults")
        call_command("scripts", "install-defaults")

        installed = set(Script.objects.values_list("situation", "language"))
        assert installed == {
            (situation, language) for situation in scripts.SITUATIONS for language in ("en", "zh-hans")
        }
        assert Script.objects.count() == 10
        assert AuditEvent.objects.filter(action="casework.install_default_scripts").count() == 1

    def test_leaves_a_managers_script_alone(self, now):
        Script.objects.create(
            stage="", situation="forgot", language="en", title="Ours", body="b", updated_at=now
        )

        installed = scripts.install_defaults(actor=None, now=now)

        assert len(installed) == 9
        assert Script.objects.get(situation="forgot", language="en").title == "Ours"
