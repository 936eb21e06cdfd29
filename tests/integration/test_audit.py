from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from arrears.core.audit.actions import record_event
from arrears.core.audit.models import AppendOnlyError, AuditEvent
from arrears.core.audit.verify import verify_chain
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


def write_events(now, count=4):
    actor = UserFactory(username="zhangwei")
    return [
        record_event(actor=actor, action="portfolio.record_payment", target=("portfolio.payment", number),
                     now=now + timedelta(minutes=number), portfolio_id=1, reason="phone call",
                     before={"balance": "100.00"}, after={"amount": "10.00", "名字": "李娜"})
        for number in range(1, count + 1)
    ]  # fmt: skip


def tamper(sql, params=()):
    """Change audit rows behind the application's back, as a DBA could, triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        cursor.execute(sql, params)


class TestRecordEvent:
    def test_chains_each_event_to_the_previous_one(self, now):
        events = write_events(now)

        assert [event.sequence for event in events] == [1, 2, 3, 4]
        assert events[0].prev_hash == "0" * 64
        assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
        assert events[0].actor_label == "zhangwei"

    def test_refuses_to_change_or_delete_an_event_through_the_application(self, now):
        event = write_events(now, count=1)[0]

        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()

    def test_the_database_refuses_updates_of_events(self, now):
        write_events(now, count=1)

        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.update(reason="nothing happened")


class TestVerifyChain:
    def test_an_untouched_chain_is_intact(self, now):
        write_events(now)

        report = verify_chain()

        assert (report.is_intact, report.checked) == (True, 4)

    def test_finds_the_first_altered_event(self, now):
        write_events(now)
        tamper("UPDATE core_auditevent SET reason = 'nothing' WHERE sequence IN (2, 3)")

        report = verify_chain()

        assert (report.is_intact, report.problem_sequence, report.checked) == (False, 2, 1)
        assert report.problem == "event #2 was altered"

    def test_finds_an_event_altered_together_with_its_hash(self, now):
        events = write_events(now)
        tamper("UPDATE core_auditevent SET reason = 'x', hash = %s WHERE sequence = 2", [events[3].hash])

        assert verify_chain().problem_sequence == 2

    def test_finds_a_deleted_event(self, now):
        write_events(now)
        tamper("DELETE FROM core_auditevent WHERE sequence = 3")

        report = verify_chain()

        assert (report.problem_sequence, report.problem) == (3, "event #3 was deleted")

    def test_finds_deleted_events_at_the_end(self, now):
        write_events(now)
        tamper("DELETE FROM core_auditevent WHERE sequence >= 3")

        assert verify_chain().problem == "events #3 to #4 were deleted"


class TestAuditVerifyCommand:
    def test_exits_zero_on_an_intact_chain(self, now, capsys):
        write_events(now)

        call_command("audit", "verify")

        assert "4 events checked" in capsys.readouterr().out

    def test_exits_one_and_names_the_event_when_tampered(self, now, capsys):
        write_events(now)
        tamper("UPDATE core_auditevent SET after = %s WHERE sequence = 1", ['{"amount": "1000.00"}'])

        with pytest.raises(SystemExit) as exit_info:
            call_command("audit", "verify", language="zh-hans")

        assert exit_info.value.code == 1
        assert "#1" in capsys.readouterr().err
