"""Getting into the portal: signed links, expiry, tampering, reuse, revocation, the identity question and lockout."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from arrears.core import portal_tokens
from arrears.core.audit.models import AuditEvent
from arrears.portal import access
from arrears.portal.models import DebtorAccess, IdentityAttempt, PortalLink
from arrears.usecases import portal_access
from arrears.usecases.portal_access import IdentityCheck
from tests.factories.portfolio import DebtorFactory

pytestmark = pytest.mark.django_db

BIRTH_DATE = date(1985, 4, 12)


@pytest.fixture
def debtor():
    return DebtorFactory(person=True, national_id="31010119850412123X")


def issued(debtor, now):
    """Return a new link's token."""
    return portal_access.issue_link(debtor=debtor, now=now, source="test", actor=None).path.split("/")[-2]


def opened(debtor, now):
    """Return a new link as the portal records it when opened."""
    return access.open_link(token=issued(debtor, now), now=now)


class TestTokens:
    def test_a_token_reads_back_whose_it_is_and_when_it_was_issued(self, now):
        token = portal_tokens.issue(debtor_id=4711, issued_at=now, token_id="abc")

        claims = portal_tokens.read(token)

        assert (claims.debtor_id, claims.issued_at, claims.token_id) == (4711, now, "abc")
        assert len(token) < 50

    @pytest.mark.parametrize("part", [0, 1, 2, 3])
    def test_changing_any_part_of_a_token_is_detected(self, now, part):
        pieces = portal_tokens.issue(debtor_id=4711, issued_at=now, token_id="abc").split(".")
        pieces[part] = pieces[part][:-1] + ("x" if pieces[part][-1] != "x" else "y")

        with pytest.raises(portal_tokens.TamperedToken):
            portal_tokens.read(".".join(pieces))

    def test_a_token_for_another_debtor_cannot_be_made_from_a_genuine_one(self, now):
        genuine = portal_tokens.issue(debtor_id=4711, issued_at=now, token_id="abc")
        _id, rest = genuine.split(".", 1)

        with pytest.raises(portal_tokens.TamperedToken):
            portal_tokens.read("3mn." + rest)


class TestOpenLink:
    def test_a_fresh_link_opens_for_its_debtor(self, debtor, now):
        token = issued(debtor, now)

        link = access.open_link(token=token, now=now + timedelta(days=1))

        assert link.token_id == portal_tokens.read(token).token_id
        assert (link.debtor, link.issued_at, link.expires_at) == (debtor, now, now + timedelta(days=14))
        assert AuditEvent.objects.get(action="portal.issue_link").after["source"] == "test"

    def test_a_link_from_a_message_is_recorded_the_first_time_it_is_opened(self, debtor, now):
        token = portal_tokens.issue(debtor_id=debtor.pk, issued_at=now)

        access.open_link(token=token, now=now)
        access.open_link(token=token, now=now)

        assert PortalLink.objects.get().token_id == portal_tokens.read(token).token_id

    def test_an_expired_link_is_refused(self, debtor, now):
        token = issued(debtor, now)

        with pytest.raises(access.LinkRefused, match="This link expired on 2026-04-14"):
            access.open_link(token=token, now=now + timedelta(days=14))

    def test_the_link_life_follows_the_portfolio_policy(self, debtor, now, settings):
        settings.ARREARS_PORTAL_POLICIES = {debtor.portfolio.code: {"link_days": 2}}
        token = issued(debtor, now)

        with pytest.raises(access.LinkRefused, match="expired"):
            access.open_link(token=token, now=now + timedelta(days=2, seconds=1))

    def test_an_altered_link_is_refused_and_records_nothing(self, debtor, now):
        token = portal_tokens.issue(debtor_id=debtor.pk, issued_at=now)

        with pytest.raises(access.LinkRefused, match="not valid"):
            access.open_link(token=token[:-2] + "AA", now=now)

        assert not PortalLink.objects.exists()

    def test_a_used_link_is_refused(self, debtor, now):
        token = issued(debtor, now)
        link = access.open_link(token=token, now=now)
        access.check_identity(link_id=link.pk, answer=BIRTH_DATE, now=now)

        with pytest.raises(access.LinkRefused, match="already used"):
            access.open_link(token=token, now=now + timedelta(minutes=1))

    def test_revoking_withdraws_every_link_issued_before(self, debtor, now):
        earlier = issued(debtor, now)
        access.revoke_links(debtor=debtor, now=now + timedelta(hours=1), actor=None, reason="phone stolen")
        later = issued(debtor, now + timedelta(hours=2))

        with pytest.raises(access.LinkRefused, match="withdrawn"):
            access.open_link(token=earlier, now=now + timedelta(hours=3))
        assert (
            access.open_link(token=later, now=now + timedelta(hours=3)).token_id
            == portal_tokens.read(later).token_id
        )
        assert AuditEvent.objects.filter(action="portal.revoke_links", reason="phone stolen").count() == 1


class TestIdentityCheck:
    def test_the_right_birth_date_spends_the_link_and_writes_one_audit_event(self, debtor, now):
        link = opened(debtor, now)

        spent = access.check_identity(link_id=link.pk, answer=BIRTH_DATE, now=now)

        assert spent.used_at == now
        assert list(IdentityAttempt.objects.values_list("succeeded", flat=True)) == [True]
        assert AuditEvent.objects.filter(action="portal.open_session", object_id=str(link.pk)).count() == 1

    def test_the_last_four_of_the_id_number_when_the_portfolio_asks_for_it(self, debtor, now, settings):
        settings.ARREARS_PORTAL_POLICIES = {debtor.portfolio.code: {"identity_check": "id_last4"}}
        link = opened(debtor, now)

        assert access.identity_question(debtor) == IdentityCheck.ID_LAST4
        assert access.check_identity(link_id=link.pk, answer="123x", now=now).used_at == now

    def test_a_company_without_a_birth_date_answers_with_its_registration_number(self, now):
        company = DebtorFactory(company=True, national_id="91310000MA1FL8XQ30")

        assert access.identity_question(company) == IdentityCheck.ID_LAST4

    def test_a_debtor_with_nothing_on_file_cannot_get_in(self, now):
        nobody = DebtorFactory(company=True)

        with pytest.raises(access.NoIdentityOnFile, match="contact us"):
            access.identity_question(nobody)

    def test_a_wrong_answer_is_counted_and_leaves_the_link_unused(self, debtor, now):
        link = opened(debtor, now)

        with pytest.raises(access.WrongAnswer, match="You have 4 more tries"):
            access.check_identity(link_id=link.pk, answer=date(1985, 4, 13), now=now)

        link.refresh_from_db()
        assert link.used_at is None
        assert DebtorAccess.objects.get(debtor=debtor).failed_attempts == 1
        assert list(IdentityAttempt.objects.values_list("succeeded", flat=True)) == [False]

    def test_five_wrong_answers_lock_the_debtor_out_even_with_the_right_answer(self, debtor, now):
        link = opened(debtor, now)
        for minute in range(4):
            with pytest.raises(access.WrongAnswer):
                access.check_identity(
                    link_id=link.pk, answer="1999-01-01", now=now + timedelta(minutes=minute)
                )

        with pytest.raises(access.AccessLocked, match="locked for your account until 2026-03-31 21:33"):
            access.check_identity(link_id=link.pk, answer="1999-01-01", now=now + timedelta(minutes=4))
        with pytest.raises(access.AccessLocked):
            access.check_identity(link_id=link.pk, answer=BIRTH_DATE, now=now + timedelta(minutes=10))

        assert IdentityAttempt.objects.count() == 5
        assert AuditEvent.objects.filter(action="portal.lock_access").count() == 1
        link.refresh_from_db()
        assert link.used_at is None

    def test_the_lock_holds_for_every_link_of_the_debtor_and_ends_after_its_minutes(self, debtor, now):
        DebtorAccess.objects.create(debtor=debtor, locked_until=now + timedelta(minutes=30))
        other = opened(debtor, now)

        with pytest.raises(access.AccessLocked):
            access.check_identity(link_id=other.pk, answer=BIRTH_DATE, now=now + timedelta(minutes=29))
        spent = access.check_identity(link_id=other.pk, answer=BIRTH_DATE, now=now + timedelta(minutes=30))

        assert spent.used_at == now + timedelta(minutes=30)
        assert DebtorAccess.objects.get(debtor=debtor).locked_until is None

    def test_one_debtors_lockout_does_not_touch_another(self, debtor, now):
        DebtorAccess.objects.create(debtor=debtor, locked_until=now + timedelta(minutes=30))
        neighbour = DebtorFactory(portfolio=debtor.portfolio, person=True)
        link = opened(neighbour, now)

        assert access.check_identity(link_id=link.pk, answer=BIRTH_DATE, now=now).debtor == neighbour


class TestPolicy:
    def test_a_portfolio_overrides_the_settings_it_names(self, debtor, settings):
        settings.ARREARS_PORTAL_MAX_ATTEMPTS = 3
        settings.ARREARS_PORTAL_POLICIES = {
            debtor.portfolio.code: {"identity_check": "id_last4", "accept_months": 2}
        }

        policy = portal_access.get_policy(debtor.portfolio)

        assert (policy.identity_check, policy.accept_months, policy.max_attempts, policy.max_months) == (
            IdentityCheck.ID_LAST4, 2, 3, 24,
        )  # fmt: skip

    @pytest.mark.parametrize(
        "own", [{"identity_check": "mothers_maiden_name"}, {"accept_months": 30}, {"max_attempts": 0}]
    )
    def test_a_setting_that_makes_no_sense_is_a_configuration_error(self, debtor, settings, own):
        settings.ARREARS_PORTAL_POLICIES = {debtor.portfolio.code: own}

        with pytest.raises(ImproperlyConfigured, match="ARREARS_PORTAL_"):
            portal_access.get_policy(debtor.portfolio)
