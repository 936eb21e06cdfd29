"""The scenario suite: every file under scenarios/ is judged and every expectation must hold."""

from pathlib import Path

import pytest
import yaml

from arrears.compliance.rules.scenario import judge, read_scenario

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def test_the_suite_has_at_least_forty_files():
    assert len(SCENARIOS) >= 40


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_every_proposal_matches_its_expectation(path):
    scenario = read_scenario(yaml.safe_load(path.read_text(encoding="utf-8")))

    judgements = judge(scenario)

    assert judgements, "a scenario file needs proposals"
    mismatches = [
        f"#{j.item.index} {j.item.proposal.at.isoformat()} {j.item.proposal.action}: expected "
        f"{j.item.expect} {j.item.reason or ''}, got {j.verdict.decision} {list(j.verdict.reasons)}"
        for j in judgements
        if j.matches is False
    ]
    assert not mismatches, "\n".join(mismatches)
    assert all(j.matches is not None for j in judgements), "every proposal states what it expects"
