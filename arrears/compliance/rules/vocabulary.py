"""The engine's words (RULES.md §7): decisions, actions, events, outcomes, holds and relations."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    ALLOW = "ALLOW"
    REVIEW = "REVIEW"
    DENY = "DENY"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.DENY: 2}


def most_restrictive(decisions: list[Decision]) -> Decision:
    """Return the most restrictive decision (DENY > REVIEW > ALLOW); ALLOW when there is none."""
    return max(decisions, key=lambda decision: decision.severity, default=Decision.ALLOW)


class Action(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    APP = "app"
    LETTER = "letter"
    VISIT = "visit"
    LAWSUIT = "lawsuit"


class EventType(StrEnum):
    CALL_OUTBOUND = "call_outbound"
    CALL_INBOUND = "call_inbound"
    SMS = "sms"
    EMAIL = "email"
    APP = "app"
    LETTER = "letter"
    VISIT = "visit"


# The event an action leaves in the history, for per-channel caps.
EVENT_OF_ACTION: dict[Action, EventType] = {
    Action.CALL: EventType.CALL_OUTBOUND,
    Action.SMS: EventType.SMS,
    Action.EMAIL: EventType.EMAIL,
    Action.APP: EventType.APP,
    Action.LETTER: EventType.LETTER,
    Action.VISIT: EventType.VISIT,
}

# Actions a time-of-day window governs: a letter is posted, not received at a chosen moment.
TIMED_ACTIONS = frozenset({Action.CALL, Action.SMS, Action.EMAIL, Action.APP, Action.VISIT})


class Outcome(StrEnum):
    NOT_CONNECTED_BUSY = "not_connected_busy"
    NOT_CONNECTED_INVALID = "not_connected_invalid"
    NO_ANSWER = "no_answer"
    VOICEMAIL_NO_MESSAGE = "voicemail_no_message"
    VOICEMAIL_LCM = "voicemail_lcm"
    VOICEMAIL_OTHER = "voicemail_other"
    CONNECTED_DROPPED = "connected_dropped"
    CONVERSATION = "conversation"
    THIRD_PARTY_ANSWERED = "third_party_answered"


# Reg F 1006.14(b)(3)(ii): not connected to the dialled number — excluded from both prongs.
NOT_CONNECTED = frozenset({Outcome.NOT_CONNECTED_BUSY, Outcome.NOT_CONNECTED_INVALID})
# Connected calls (拨通) for the Chinese daily cap.
CONNECTED = frozenset({Outcome.CONVERSATION, Outcome.CONNECTED_DROPPED})


class HoldType(StrEnum):
    DISPUTE = "dispute"
    WRITTEN_CEASE = "written_cease"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    HARDSHIP_REVIEW = "hardship_review"
    COMPLAINT = "complaint"
    LITIGATION = "litigation"
    BREATHING_SPACE = "breathing_space"
    VULNERABILITY_REVIEW = "vulnerability_review"
    DO_NOT_CONTACT = "do_not_contact"
    OPT_OUT_CALL = "opt_out_call"
    OPT_OUT_SMS = "opt_out_sms"
    OPT_OUT_EMAIL = "opt_out_email"
    OPT_OUT_APP = "opt_out_app"
    OPT_OUT_LETTER = "opt_out_letter"
    OPT_OUT_VISIT = "opt_out_visit"

    @property
    def channel(self) -> Action | None:
        """Return the one channel an opt-out covers, or None for holds on every channel."""
        if self.value.startswith("opt_out_"):
            return Action(self.value.removeprefix("opt_out_"))
        return None

    @property
    def generic_code(self) -> str:
        return f"HOLD.{self.value.upper()}"


class Relation(StrEnum):
    CONSUMER = "consumer"
    EMERGENCY_CONTACT = "emergency_contact"
    FAMILY = "family"
    FRIEND = "friend"
    COLLEAGUE = "colleague"
    GUARANTOR = "guarantor"
    UNRELATED = "unrelated"
    SPOUSE = "spouse"
    PARENT_OF_MINOR = "parent_of_minor"
    GUARDIAN = "guardian"
    EXECUTOR = "executor"
    SUCCESSOR = "successor"
    ATTORNEY = "attorney"
    CRA = "cra"
    CREDITOR = "creditor"
    CREDITOR_ATTORNEY = "creditor_attorney"
    COLLECTOR_ATTORNEY = "collector_attorney"


# Reg F 1006.6(a): persons who count as the consumer.
CONSUMER_EQUIVALENT = frozenset(
    {Relation.CONSUMER, Relation.SPOUSE, Relation.PARENT_OF_MINOR, Relation.GUARDIAN}
    | {Relation.EXECUTOR, Relation.SUCCESSOR}
)
# Reg F 1006.6(d)(1)(ii)-(vi): persons a collector may always talk to; calls to them are excluded.
PERMITTED_PERSONS = frozenset(
    {Relation.ATTORNEY, Relation.CRA, Relation.CREDITOR}
    | {Relation.CREDITOR_ATTORNEY, Relation.COLLECTOR_ATTORNEY}
)


class Purpose(StrEnum):
    COLLECT = "collect"
    LOCATE = "locate"


class ConsentScope(StrEnum):
    FREQUENCY = "frequency"
    TIME = "time"
    CAPS = "caps"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @classmethod
    def of(cls, index: int) -> Weekday:
        """Return the weekday of `date.weekday()` (Monday is 0)."""
        return list(cls)[index]
