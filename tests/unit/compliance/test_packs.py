"""Rule packs as data: they load, validate, compose, and speak the catalog's codes."""

import pytest
from pydantic import ValidationError

from arrears.compliance.rules import reasons
from arrears.compliance.rules.packs import Pack, UnknownPack, build_policy, get_pack, shipped_packs
from arrears.compliance.rules.vocabulary import Decision, HoldType


class TestShippedPacks:
    def test_the_three_packs_load(self):
        assert sorted(shipped_packs()) == ["cn", "uk-conc", "us-regf"]

    @pytest.mark.parametrize("name", ["cn", "us-regf", "uk-conc"])
    def test_every_code_a_pack_returns_is_catalogued_with_the_same_decision(self, name):
        pack = get_pack(name)
        catalogued = reasons.catalog()

        for rule in pack.rules:
            decision = getattr(rule, "decision", Decision.DENY)
            assert catalogued[rule.code].decision is decision, rule.code
        for hold_code in pack.holds.values():
            assert catalogued[hold_code.code].decision is hold_code.decision, hold_code.code

    def test_every_catalogued_code_explains_itself_in_both_languages(self):
        for code, reason in reasons.catalog().items():
            assert reason.explain("en") and reason.explain("zh-hans"), code
            assert reason.explain("en") != reason.explain("zh-hans"), code

    def test_every_hold_type_has_a_generic_code(self):
        assert {hold.generic_code for hold in HoldType} <= set(reasons.catalog())

    def test_the_us_alias_names_regulation_f(self):
        assert get_pack("US").pack == "us-regf"


class TestComposition:
    def test_an_unknown_pack_names_the_known_ones(self):
        with pytest.raises(UnknownPack) as error:
            build_policy(["cn", "mars"])

        assert error.value.known == ("cn", "uk-conc", "us-regf")

    def test_the_same_pack_twice_is_applied_once(self):
        assert [pack.pack for pack in build_policy(["cn", "CN"]).packs] == ["cn"]

    def test_an_override_with_a_bare_yaml_time_is_refused(self):
        with pytest.raises(ValidationError, match="HH:MM"):
            build_policy(["cn"], [{"kind": "window", "code": "PORTFOLIO.W", "start": 480, "end": "20:00"}])

    def test_an_override_of_an_unknown_kind_is_refused(self):
        with pytest.raises(ValidationError):
            build_policy(["cn"], [{"kind": "vibes", "code": "PORTFOLIO.X"}])

    def test_a_pack_with_an_unknown_zone_is_refused(self):
        with pytest.raises(ValidationError, match="default_zone"):
            Pack.model_validate(
                {
                    "pack": "x",
                    "version": "1",
                    "title": {"en": "x", "zh": "x"},
                    "default_zone": "Mars/Olympus",
                    "rules": [],
                }
            )
