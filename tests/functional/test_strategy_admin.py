"""The strategy admin: versions saved through validation, compared with the active one, activated; runs read-only."""

from __future__ import annotations

import html
import textwrap
from datetime import UTC, date, datetime
from importlib import resources

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.core.audit.models import AuditEvent
from arrears.strategy import versions
from arrears.strategy.models import CyclePartition, CycleRun, CycleSettings, StrategyVersion, VersionStatus
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = textwrap.dedent(
    """\
    strategy: test
    version: "1"
    title: {en: Test, zh: 测试}
    segments:
      - id: big
        priority: 10
        when: "balance >= 50000"
        path: main
      - id: everyone
        priority: 20
        when: "TRUE"
        path: main
    paths:
      main:
        stages:
          - id: early
            enter_when: "days_past_due >= 1"
            exit_when: "days_past_due = 0"
            goal: full_payment
            deadline_days: 30
            actions:
              - id: reminder
                day: 0
                channel: sms
                template: early_reminder
    """
)
SECOND = GOOD.replace('version: "1"', 'version: "2"').replace("deadline_days: 30", "deadline_days: 45")
ADD_URL = "admin:strategy_strategyversion_add"


def upload(text: str, name: str = "test.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/x-yaml")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def stored(source: str, *, active: bool = False) -> StrategyVersion:
    version = versions.save_version(source=source, actor=None, now=datetime(2026, 3, 1, tzinfo=UTC))
    if active:
        versions.activate_version(version=version, actor=None, now=datetime(2026, 3, 2, tzinfo=UTC))
    return version


@pytest.fixture
def manager(client):
    user = UserFactory(strategy_manager=True)
    client.force_login(user)
    return user


class TestSavingAVersion:
    def test_an_uploaded_valid_file_becomes_a_draft_with_one_audit_event(self, client, manager):
        response = client.post(reverse(ADD_URL), {"source": "", "file": upload(GOOD), "note": "first cut"})

        version = StrategyVersion.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:strategy_strategyversion_change", args=[version.pk])
        assert (version.name, version.version, version.status) == ("test", "1", VersionStatus.DRAFT)
        assert (version.source, version.note, version.created_by) == (GOOD, "first cut", manager)
        assert list(AuditEvent.objects.values_list("action", flat=True)) == ["strategy.save_version"]

    def test_a_pasted_file_is_saved_the_same_way(self, client, manager):
        client.post(reverse(ADD_URL), {"source": GOOD, "note": ""})

        assert StrategyVersion.objects.get().source == GOOD

    def test_an_unknown_field_is_refused_naming_the_line_and_the_field_and_nothing_is_saved(
        self, client, manager
    ):
        invalid = GOOD.replace('when: "balance >= 50000"', 'when: "balanse >= 50000"')

        response = client.post(reverse(ADD_URL), {"source": "", "file": upload(invalid), "note": ""})

        assert response.status_code == 200
        problem = "line 7: segments[0].when: unknown field 'balanse' in 'balanse >= 50000'"
        assert problem in page_text(response)
        assert not StrategyVersion.objects.exists()
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(
        ("old", "new", "problem"),
        [
            (
                'when: "balance >= 50000"',
                'when: "product = 3"',
                "line 7: segments[0].when: type mismatch: product is text, compared with the number 3",
            ),
            (
                'enter_when: "days_past_due >= 1"',
                'enter_when: "days_past_due < 0"',
                "line 17: paths.main.stages[0].enter_when: stage 'early' is unreachable",
            ),
            (
                "priority: 20",
                "priority: 10",
                "line 10: segments[1].priority: segments 'big' and 'everyone' share priority 10",
            ),
        ],
        ids=["type-mismatch", "unreachable-stage", "overlapping-segments"],
    )
    def test_each_kind_of_invalid_strategy_is_refused_with_its_line_and_field(
        self, client, manager, old, new, problem
    ):
        response = client.post(reverse(ADD_URL), {"source": GOOD.replace(old, new), "note": ""})

        assert problem in page_text(response)
        assert not StrategyVersion.objects.exists()

    def test_every_problem_is_listed_on_its_own_line(self, client, manager):
        invalid = GOOD.replace("deadline_days: 30", "deadline_dayz: 30")

        response = client.post(reverse(ADD_URL), {"source": invalid, "note": ""})

        assert list(response.context["adminform"].form.errors["source"]) == [
            "line 16: paths.main.stages[0].deadline_days: Field required",
            "line 20: paths.main.stages[0].deadline_dayz: Extra inputs are not permitted",
        ]
        assert not StrategyVersion.objects.exists()

    def test_a_version_already_stored_is_refused(self, client, manager):
        stored(GOOD)

        response = client.post(reverse(ADD_URL), {"source": GOOD, "note": ""})

        assert response.status_code == 200
        assert "test@1 is already stored; give the file a new version." in page_text(response)
        assert StrategyVersion.objects.count() == 1
        assert AuditEvent.objects.count() == 1

    def test_a_file_that_is_not_utf8_is_refused(self, client, manager):
        latin = SimpleUploadedFile("test.yaml", "title: caf\xe9".encode("latin-1"))

        response = client.post(reverse(ADD_URL), {"source": "", "file": latin, "note": ""})

        assert "The file is not UTF-8 text." in page_text(response)
        assert not StrategyVersion.objects.exists()

    def test_a_file_both_pasted_and_uploaded_is_refused(self, client, manager):
        response = client.post(reverse(ADD_URL), {"source": GOOD, "file": upload(SECOND), "note": ""})

        assert "Paste the strategy or upload a file, not both." in page_text(response)
        assert not StrategyVersion.objects.exists()

    def test_nothing_pasted_nor_uploaded_is_refused(self, client, manager):
        response = client.post(reverse(ADD_URL), {"source": "  \n", "note": ""})

        assert "Paste the strategy file or upload it." in page_text(response)
        assert not StrategyVersion.objects.exists()

    def test_a_supervisor_may_not_add_a_version(self, client):
        client.force_login(UserFactory(supervisor=True))

        response = client.post(reverse(ADD_URL), {"source": GOOD, "note": ""})

        assert response.status_code == 403
        assert not StrategyVersion.objects.exists()


class TestTheVersionPage:
    def test_shows_the_difference_from_the_active_version(self, client, manager):
        stored(GOOD, active=True)
        draft = stored(SECOND)

        response = client.get(reverse("admin:strategy_strategyversion_change", args=[draft.pk]))

        text = page_text(response)
        assert response.status_code == 200
        assert "Compared with test@1 (active)." in text
        assert '<span class="diff-removed">-version: "1"</span>' in text
        assert '<span class="diff-added">+version: "2"</span>' in text
        assert '<span class="diff-removed">-        deadline_days: 30</span>' in text
        assert '<span class="diff-added">+        deadline_days: 45</span>' in text
        assert '<span class="diff-file">--- test@1 (active)</span>' in text

    def test_shows_the_source_in_a_monospace_block_and_no_field_to_edit_it(self, client, manager):
        draft = stored(GOOD)

        response = client.get(reverse("admin:strategy_strategyversion_change", args=[draft.pk]))

        text = page_text(response)
        assert '<pre class="strategy-source">strategy: test\nversion: "1"\n' in text
        assert 'name="source"' not in text
        assert "No version of “test” is active; there is nothing to compare with." in text

    def test_a_default_version_is_compared_with_the_shipped_file_while_none_is_active(self, client, manager):
        shipped = resources.files("arrears.engine").joinpath("strategies", "default.yaml").read_text("utf-8")
        draft = stored(shipped.replace('version: "2026.11.1"', 'version: "2026.11.2"'))

        response = client.get(reverse("admin:strategy_strategyversion_change", args=[draft.pk]))

        text = page_text(response)
        assert '<span class="diff-removed">-version: "2026.11.1"</span>' in text
        assert '<span class="diff-added">+version: "2026.11.2"</span>' in text

    def test_a_stored_version_can_be_neither_changed_nor_deleted(self, client, manager):
        draft = stored(GOOD)

        change = client.post(
            reverse("admin:strategy_strategyversion_change", args=[draft.pk]), {"source": SECOND, "note": "x"}
        )
        delete = client.post(reverse("admin:strategy_strategyversion_delete", args=[draft.pk]), {"post": 1})

        draft.refresh_from_db()
        assert change.status_code == 403
        assert delete.status_code == 403
        assert (draft.source, draft.note) == (GOOD, "")

    def test_the_list_filters_by_name_and_status(self, client, manager):
        stored(GOOD, active=True)
        stored(SECOND)

        response = client.get(reverse("admin:strategy_strategyversion_changelist"), {"status": "draft"})

        assert [str(item) for item in response.context["cl"].result_list] == ["test@2"]


class TestActivation:
    def test_the_activate_button_retires_the_previously_active_version(self, client, manager):
        first = stored(GOOD, active=True)
        second = stored(SECOND)

        response = client.post(reverse("admin:strategy_strategyversion_activate", args=[second.pk]))

        first.refresh_from_db()
        second.refresh_from_db()
        assert response.status_code == 302
        assert (first.status, second.status) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)
        event = AuditEvent.objects.get(action="strategy.activate_version", object_id=str(second.pk))
        assert event.actor_label == manager.username

    def test_the_admin_action_activates_the_selected_version(self, client, manager):
        first = stored(GOOD, active=True)
        second = stored(SECOND)

        client.post(
            reverse("admin:strategy_strategyversion_changelist"),
            {"action": "activate_selected", "_selected_action": [second.pk]},
        )

        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)

    def test_the_action_refuses_two_versions_of_one_strategy(self, client, manager):
        first = stored(GOOD)
        second = stored(SECOND)

        response = client.post(
            reverse("admin:strategy_strategyversion_changelist"),
            {"action": "activate_selected", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

        assert "Choose at most one version of each strategy." in page_text(response)
        assert not StrategyVersion.objects.filter(status=VersionStatus.ACTIVE).exists()

    def test_a_version_that_no_longer_validates_is_not_activated_and_the_problems_are_shown(
        self, client, manager
    ):
        broken = StrategyVersion.objects.create(
            name="test",
            version="9",
            source=GOOD.replace('version: "1"', 'version: "9"').replace("balance >=", "balanse >="),
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
        )

        response = client.post(
            reverse("admin:strategy_strategyversion_activate", args=[broken.pk]), follow=True
        )

        broken.refresh_from_db()
        text = page_text(response)
        assert broken.status == VersionStatus.DRAFT
        assert "Not activated: test@9 has 1 problem." in text
        assert "Line 7: segments[0].when: unknown field 'balanse'" in text  # the admin capitalises messages
        assert not AuditEvent.objects.exists()

    def test_a_user_without_the_role_cannot_activate(self, client):
        first = stored(GOOD, active=True)
        second = stored(SECOND)
        client.force_login(UserFactory(supervisor=True))

        page = client.get(reverse("admin:strategy_strategyversion_change", args=[second.pk]))
        button = client.post(reverse("admin:strategy_strategyversion_activate", args=[second.pk]))
        action = client.post(
            reverse("admin:strategy_strategyversion_changelist"),
            {"action": "activate_selected", "_selected_action": [second.pk]},
        )

        first.refresh_from_db()
        second.refresh_from_db()
        assert page.status_code == 200
        assert "/activate/" not in page.content.decode()
        assert button.status_code == 403
        assert action.status_code == 200  # the action is not offered: "No action selected"
        assert (first.status, second.status) == (VersionStatus.ACTIVE, VersionStatus.DRAFT)

    def test_an_administrator_may_activate(self, client):
        draft = stored(GOOD)
        client.force_login(UserFactory(administrator=True))

        client.post(reverse("admin:strategy_strategyversion_activate", args=[draft.pk]))

        draft.refresh_from_db()
        assert draft.status == VersionStatus.ACTIVE


class TestCycleSettings:
    def test_a_strategy_without_an_active_version_is_refused(self, client, manager):
        portfolio = PortfolioFactory()
        manager.portfolios.add(portfolio)
        stored(GOOD)

        response = client.post(
            reverse("admin:strategy_cyclesettings_add"),
            {"portfolio": portfolio.pk, "strategy": "test", "run_at": "06:00", "enabled": "on"},
        )

        assert response.status_code == 200
        assert "No version of the strategy “test” is active." in page_text(response)
        assert not CycleSettings.objects.exists()

    @pytest.mark.parametrize("name", ["default", "test"])
    def test_the_shipped_default_or_an_active_strategy_is_accepted(self, client, manager, name):
        portfolio = PortfolioFactory()
        manager.portfolios.add(portfolio)
        stored(GOOD, active=True)

        response = client.post(
            reverse("admin:strategy_cyclesettings_add"),
            {"portfolio": portfolio.pk, "strategy": name, "run_at": "05:30", "enabled": "on"},
        )

        assert response.status_code == 302
        assert CycleSettings.objects.get().strategy == name


class TestCycleRuns:
    @pytest.fixture
    def run(self):
        run = CycleRun.objects.create(
            portfolio=PortfolioFactory(),
            business_date=date(2026, 3, 31),
            strategy="default@2026.11.1",
            partitions=1,
            status="completed",
            report={"accounts_evaluated": 3, "messages_created": 2},
            started_at=datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
            finished_at=datetime(2026, 3, 31, 22, 1, tzinfo=UTC),
        )
        CyclePartition.objects.create(
            run=run, number=0, report={"accounts_evaluated": 3}, finished_at=run.finished_at
        )
        return run

    def test_a_run_shows_its_report_pretty_printed_and_its_partitions(self, client, run):
        client.force_login(UserFactory(administrator=True))

        response = client.get(reverse("admin:strategy_cyclerun_change", args=[run.pk]))

        text = page_text(response)
        assert response.status_code == 200
        assert '{\n  "accounts_evaluated": 3,\n  "messages_created": 2\n}' in text
        assert '{\n  "accounts_evaluated": 3\n}' in text
        assert 'name="report"' not in text

    def test_runs_cannot_be_added_changed_or_deleted(self, client, run):
        client.force_login(UserFactory(administrator=True))

        add = client.get(reverse("admin:strategy_cyclerun_add"))
        delete = client.post(reverse("admin:strategy_cyclerun_delete", args=[run.pk]), {"post": "yes"})
        listing = client.get(reverse("admin:strategy_cyclerun_changelist"))

        assert add.status_code == 403
        assert delete.status_code == 403
        assert listing.context["has_add_permission"] is False
        assert CycleRun.objects.count() == 1
