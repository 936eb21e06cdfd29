"""Reading scenario files: bad input is refused naming the field, never silently allowed."""

import pytest

from arrears.compliance.rules.scenario import Problem, ScenarioError, read_scenario

VALID = {
    "jurisdiction": "us-regf",
    "collector": "AGY",
    "consumer": {"id": "C1", "zones": ["America/New_York"]},
    "debts": ["D1", {"id": "D2", "group": "SL-1", "time_barred": True}],
    "third_parties": [{"id": "T1", "relation": "emergency_contact"}],
    "events": [
        {"t": "2024-03-04T14:10:00-05:00", "type": "call_outbound", "person": "C1", "outcome": "no_answer"}
    ],
    "proposals": [
        {"t": "2024-03-05T09:00 America/New_York", "action": "call", "person": "C1", "expect": "ALLOW"}
    ],
}


def broken(**changes):
    return {**VALID, **changes}


class TestReadScenario:
    def test_reads_people_debts_events_and_proposals(self):
        scenario = read_scenario(VALID)

        assert scenario.case.debts["D2"].particular_debt == "group:SL-1"
        assert scenario.case.third_parties["T1"].relation == "emergency_contact"
        assert scenario.proposals[0].proposal.at.isoformat() == "2024-03-05T09:00:00-05:00"

    @pytest.mark.parametrize(
        ("scenario", "field", "problem"),
        [
            (broken(jurisdiction="mars"), "jurisdiction", Problem.UNKNOWN_PACK),
            (broken(consumer={"id": "C1", "zones": ["America/Gotham"]}), "consumer.zones[0]", Problem.UNKNOWN_ZONE),
            (broken(events=[{"t": "2024-03-04T14:10:00", "type": "sms", "person": "C1"}]), "events[0].t", Problem.NAIVE_TIME),
            (broken(events=[{"t": "yesterday", "type": "sms", "person": "C1"}]), "events[0].t", Problem.BAD_TIME),
            (broken(events=[{"t": "2024-03-04T14:10:00Z", "type": "fax", "person": "C1"}]), "events[0].type", Problem.UNKNOWN_VALUE),
            (broken(events=[{"t": "2024-03-04T14:10:00Z", "type": "sms", "person": "C9"}]), "events[0].person", Problem.UNKNOWN_PERSON),
            (broken(proposals=[{"t": "2024-03-04T14:10:00Z", "action": "call", "person": "C1", "debts": ["D7"]}]),
             "proposals[0].debts", Problem.UNKNOWN_DEBT),
            (broken(proposals=[{"action": "call", "person": "C1"}]), "proposals[0].t", Problem.MISSING),
            (broken(holds=[{"type": "dispute", "start": "2024-03-04"}]), "holds[0].start", Problem.NAIVE_TIME),
            (broken(holds=[{"type": "dispute", "start": "2024-03-04T10:00:00Z", "end": "2024-03-01T10:00:00Z"}]),
             "holds[0].end", Problem.END_BEFORE_START),
            (broken(consents=[{"person": "C1", "given_directly": "yes", "received_at": "2024-03-04T10:00:00Z"}]),
             "consents[0].given_directly", Problem.NOT_A_BOOLEAN),
            (broken(preferences=[{"person": "C1", "not_before": 800}]), "preferences[0].not_before", Problem.BAD_LOCAL_TIME),
            (broken(overrides=[{"kind": "channel_cap", "action": "sms", "max": "many", "per": "day", "code": "P.X"}]),
             "overrides[0].channel_cap.max", Problem.INVALID_RULE),
            (broken(debts=[]), "debts", Problem.MISSING),
            (broken(debts=["D1", "D1"]), "debts[1]", Problem.DUPLICATE_ID),
            ("just text", "scenario", Problem.NOT_A_MAPPING),
        ],
    )  # fmt: skip
    def test_refuses_bad_input_naming_the_field(self, scenario, field, problem):
        with pytest.raises(ScenarioError) as error:
            read_scenario(scenario)

        assert (error.value.field, error.value.problem) == (field, problem)

    def test_a_yaml_date_without_a_time_is_naive(self):
        import datetime

        with pytest.raises(ScenarioError) as error:
            read_scenario(broken(holds=[{"type": "dispute", "start": datetime.date(2024, 3, 4)}]))

        assert error.value.problem is Problem.NAIVE_TIME
