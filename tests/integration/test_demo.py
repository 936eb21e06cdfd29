from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from arrears.compliance.models import CompliancePolicy, ContactEvent, Hold
from arrears.core.audit.models import AuditEvent
from arrears.people.models import Team, User
from arrears.people.roles import Role
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    DebtorChange,
    Instalment,
    LedgerEntry,
    Payment,
    Portfolio,
)
from arrears.usecases.demo.generate import generate_demo

AS_OF = date(2026, 3, 31)
COUNTED = (Portfolio, Debtor, Debt, Instalment, Payment, LedgerEntry, ContactPerson, ContactPoint, DebtorChange,
           User, Team)  # fmt: skip

pytestmark = pytest.mark.django_db


def _run_demo(**options: object) -> str:
    out = StringIO()
    call_command("demo", debtors=60, seed=7, as_of=AS_OF, stdout=out, **options)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


class TestDemoCommand:
    def test_creates_the_four_portfolios_with_debts_payments_and_disputes(self):
        _run_demo()

        assert sorted(Portfolio.objects.values_list("code", flat=True)) == [
            "cn-consumer", "cn-sme", "uk-telecom", "us-cards",
        ]  # fmt: skip
        assert Debtor.objects.count() == 60
        assert Payment.objects.count() > 30
        assert Debt.objects.filter(status="disputed").count() >= 4
        assert set(Debt.objects.values_list("currency", flat=True)) == {"CNY", "USD", "GBP"}

    def test_creates_one_user_per_role_with_grants_team_and_limits(self):
        _run_demo()

        users = {user.username: user for user in User.objects.filter(is_active=True)}
        assert {name: user.role for name, user in users.items()} == {
            "collector": Role.COLLECTOR,
            "supervisor": Role.SUPERVISOR,
            "strategist": Role.STRATEGY_MANAGER,
            "compliance": Role.COMPLIANCE_OFFICER,
            "qa": Role.QA_REVIEWER,
            "field": Role.FIELD_AGENT,
            "admin": Role.ADMINISTRATOR,
        }
        collector, supervisor = users["collector"], users["supervisor"]
        assert sorted(collector.portfolios.values_list("code", flat=True)) == ["cn-consumer", "cn-sme"]
        assert supervisor.portfolios.count() == 4
        assert collector.check_password("demo-collector-2026")
        assert users["admin"].check_password("demo-admin-2026")
        assert (collector.max_waiver_amount, collector.max_plan_months) == (Decimal("500.00"), 3)
        assert (supervisor.max_waiver_amount, supervisor.max_plan_months) == (Decimal("5000.00"), 12)
        team = Team.objects.get(name="Team A")
        assert team.supervisor == supervisor
        assert set(team.members.values_list("username", flat=True)) == {"collector", "supervisor", "field"}
        assert {name for name, user in users.items() if user.is_staff} == {
            "supervisor", "strategist", "compliance", "admin",
        }  # fmt: skip
        assert [name for name, user in users.items() if user.is_superuser] == ["admin"]

    def test_adds_contact_persons_and_hardship_stories(self):
        _run_demo()

        finance = ContactPerson.objects.filter(role="finance").select_related("debtor").order_by("pk").first()
        assert finance is not None
        assert finance.debtor.kind == "company"
        assert finance.contact_points.filter(kind="phone").count() == 1
        assert DebtorChange.objects.count() >= 4
        change = DebtorChange.objects.select_related("debtor").order_by("pk").first()
        assert change is not None
        assert change.debtor.financial_situation != ""

    def test_the_ledger_reports_the_days_past_due_the_generator_planned(self):
        _run_demo()

        planned = {
            (part.spec.code, ref): int(days)
            for part in generate_demo(seed=7, debtors=60, as_of=AS_OF).portfolios
            for ref, days in part.days_past_due.iter_rows()
        }
        debts = list(Debt.objects.select_related("portfolio"))
        positions = ledger.list_positions(debts=debts, as_of=AS_OF)
        reported = {
            (debt.portfolio.code, debt.external_ref): positions[debt.pk].days_past_due for debt in debts
        }
        assert reported == planned
        assert max(reported.values()) > 360
        assert min(reported.values()) == 0

    def test_running_twice_changes_no_counts_and_records_one_event_per_run(self):
        _run_demo()
        first = _counts()

        output = _run_demo()

        assert _counts() == first
        assert AuditEvent.objects.filter(action="demo.load_demo").count() == 2
        assert AuditEvent.objects.filter(action="people.create_user").count() == 7
        assert "demo-collector-2026" in output

    def test_prints_the_logins_and_the_counts(self):
        output = _run_demo()

        assert "demo-supervisor-2026" in output
        assert "cn-consumer" in output
        assert "debtors/s" in output

    def test_refuses_demo_users_outside_development_mode_and_writes_nothing(self, settings):
        settings.DEV_MODE = False

        with pytest.raises(CommandError, match="ARREARS_DEV"):
            _run_demo()

        assert Debt.objects.count() == 0

    def test_loads_without_users_outside_development_mode(self, settings):
        settings.DEV_MODE = False

        _run_demo(no_users=True)

        assert User.objects.count() == 0
        assert Debtor.objects.count() == 60


class TestDemoCompliance:
    def test_each_portfolio_gets_its_packs_holds_on_disputes_and_a_recent_contact_history(self):
        _run_demo()
        _run_demo()

        packs = dict(CompliancePolicy.objects.values_list("portfolio__code", "packs"))
        assert packs == {
            "cn-consumer": ["cn"],
            "cn-sme": ["cn"],
            "us-cards": ["us-regf"],
            "uk-telecom": ["uk-conc"],
        }
        disputed = Debt.objects.filter(status=DebtStatus.DISPUTED).count()
        assert Hold.objects.filter(type="dispute").count() == disputed > 0
        assert ContactEvent.objects.filter(type="call_outbound").exists()

    def test_the_default_templates_are_approved_and_a_few_reminders_are_queued_once(self):
        from arrears.comms.models import Message, TemplateVersion

        _run_demo()
        _run_demo()

        assert TemplateVersion.objects.filter(status="approved").count() >= 30
        reminders = Message.objects.filter(source="demo", purpose="friendly_reminder")
        assert 4 <= reminders.count() <= 20
        assert reminders.count() == reminders.values("debt").distinct().count()
