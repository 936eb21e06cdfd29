"""The pre-score's suggestions from element findings and linter hits, and the sample's choice, without a database."""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.compliance.linter import LintHit, Severity
from arrears.quality import scoring
from arrears.quality.elements import ELEMENT_KEYS, ElementFinding
from arrears.quality.prescore import Suggestion, suggest_marks
from arrears.quality.sampling import Contact, choose

SPEC = scoring.default_spec()
PASS, FAIL = scoring.Mark.PASS, scoring.Mark.FAIL


def findings(*found):
    return [ElementFinding(key=key, found=key in found) for key in ELEMENT_KEYS]


def hit(rule_id, severity):
    return LintHit(rule_id=rule_id, severity=severity, start=0, end=1, matched="x", title={}, source="")


class TestSuggestMarks:
    def test_a_clean_full_transcript_suggests_a_pass_wherever_there_is_evidence(self):
        suggestions = suggest_marks(SPEC, findings(*ELEMENT_KEYS), [], has_transcript=True)

        assert {key: s.mark for key, s in suggestions.items()} == {
            "legality": PASS, "compliance": PASS, "identification_greeting": PASS, "verify_debt_facts": PASS,
            "propose_solution": PASS, "agree_next_step": PASS, "closing": PASS,
        }  # fmt: skip

    def test_missing_elements_in_a_transcript_fail_their_item_naming_them(self):
        suggestions = suggest_marks(SPEC, findings("greeting", "state_amount"), [], has_transcript=True)

        assert suggestions["identification_greeting"] == Suggestion(
            FAIL, ("identify_self", "identify_creditor")
        )
        assert suggestions["verify_debt_facts"] == Suggestion(FAIL, ("state_due_date",))

    def test_a_note_suggests_only_what_it_shows(self):
        suggestions = suggest_marks(SPEC, findings("offer_solution"), [], has_transcript=False)

        assert suggestions == {"propose_solution": Suggestion(PASS, ("offer_solution",))}

    def test_a_block_hit_fails_legality_and_compliance_a_review_hit_only_compliance(self):
        blocked = suggest_marks(SPEC, findings(), [hit("CN-C11", Severity.BLOCK)], has_transcript=False)
        flagged = suggest_marks(SPEC, findings(), [hit("CN-C11", Severity.REVIEW)], has_transcript=True)

        assert blocked["legality"] == blocked["compliance"] == Suggestion(FAIL, ("CN-C11",))
        assert flagged["legality"] == Suggestion(PASS, ())
        assert flagged["compliance"] == Suggestion(FAIL, ("CN-C11",))

    def test_a_warning_fails_nothing(self):
        suggestions = suggest_marks(SPEC, findings(), [hit("CN-W01", Severity.WARN)], has_transcript=True)

        assert suggestions["legality"].mark is PASS
        assert suggestions["compliance"].mark is PASS


DAY = date(2026, 3, 31)
AT = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


def pool(collectors, per_collector, risky_every=0):
    contacts, next_id = [], 1
    for collector in collectors:
        for index in range(per_collector):
            reasons = ("dispute",) if risky_every and index % risky_every == 0 else ()
            contacts.append(Contact(next_id, collector, AT + timedelta(minutes=index), reasons))
            next_id += 1
    return contacts


class TestChoose:
    @pytest.mark.parametrize("rate", [Decimal("0.02"), Decimal("0.05"), Decimal("0.1"), Decimal("0.33")])
    def test_each_collector_gets_the_rate_rounded_up_and_the_total_stays_within_one_a_collector(self, rate):
        contacts = pool(range(1, 21), 150)

        draw = choose(contacts, rate=rate, seed=11, day=DAY, follow_up={})

        per_collector = {
            c: sum(1 for x in contacts if x.collector_id == c and x.activity_id in draw.reasons)
            for c in range(1, 21)
        }
        assert set(per_collector.values()) == {math.ceil(rate * 150)}
        assert abs(Decimal(len(draw.reasons)) / len(contacts) - rate) < Decimal(20) / len(contacts)

    def test_risky_contacts_are_all_drawn_even_beyond_the_rate(self):
        contacts = pool([1], 100, risky_every=5)

        draw = choose(contacts, rate=Decimal("0.05"), seed=1, day=DAY, follow_up={})

        assert len(draw.reasons) == 20
        assert all(reasons == ["dispute"] for reasons in draw.reasons.values())

    def test_follow_up_takes_the_next_contacts_after_the_coaching(self):
        contacts = pool([1], 10)

        draw = choose(
            contacts, rate=Decimal(0), seed=1, day=DAY, follow_up={1: (AT + timedelta(minutes=4), 3)}
        )

        assert list(draw.reasons) == [6, 7, 8]
        assert set(map(tuple, draw.reasons.values())) == {("follow_up",)}

    def test_the_same_seed_and_day_choose_the_same_and_another_day_differs(self):
        contacts = pool([1, 2], 200)

        first = choose(contacts, rate=Decimal("0.1"), seed=5, day=DAY, follow_up={})
        again = choose(list(reversed(contacts)), rate=Decimal("0.1"), seed=5, day=DAY, follow_up={})
        other_day = choose(contacts, rate=Decimal("0.1"), seed=5, day=DAY + timedelta(days=1), follow_up={})

        assert set(first.reasons) == set(again.reasons)
        assert set(first.reasons) != set(other_day.reasons)
