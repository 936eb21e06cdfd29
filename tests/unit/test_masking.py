"""Masked display of personal data, and who sees it in full."""

from __future__ import annotations

import pytest

from arrears.core import masking
from arrears.people.roles import Capability, role_can
from arrears.portfolio.queries import display_personal


class StubUser:
    def __init__(self, role: str) -> None:
        self.role = role

    def can(self, capability: Capability) -> bool:
        return role_can(self.role, capability)


class TestMaskPhone:
    @pytest.mark.parametrize(
        ("e164", "masked"),
        [("+8613812345678", "138****5678"), ("+14155550123", "415****0123"), ("+85291234567", "852****4567")],
    )
    def test_keeps_the_first_three_and_last_four_national_digits(self, e164, masked):
        assert masking.mask_phone(e164) == masked

    def test_hides_most_of_a_short_number(self):
        assert masking.mask_phone("+8612345") == "12****"


class TestMaskOthers:
    def test_masks_an_email_local_part(self):
        assert masking.mask_email("lina@example.com") == "l***@example.com"

    def test_masks_a_chinese_national_id_keeping_three_and_four(self):
        assert masking.mask_national_id("310101198504120018") == "310***********0018"

    def test_masks_a_street_address_but_its_first_word(self):
        assert masking.mask_street("Shanghai 88 Century Avenue") == "Shanghai ****"


class TestDisplayPersonal:
    def test_masks_a_phone_for_a_collector(self):
        assert display_personal(StubUser("collector"), "phone", "+8613812345678") == "138****5678"

    @pytest.mark.parametrize("role", ["supervisor", "compliance_officer", "administrator"])
    def test_shows_the_full_phone_to_roles_that_see_personal_data(self, role):
        assert display_personal(StubUser(role), "phone", "+8613812345678") == "+8613812345678"

    @pytest.mark.parametrize(
        ("kind", "value", "masked"),
        [
            ("email", "lina@example.com", "l***@example.com"),
            ("national_id", "310101198504120018", "310***********0018"),
            ("address", "Shanghai 88 Century Avenue", "Shanghai ****"),
            ("app", "device-123", "****"),
        ],
    )
    def test_masks_each_kind_for_a_strategy_manager(self, kind, value, masked):
        assert display_personal(StubUser("strategy_manager"), kind, value) == masked

    def test_leaves_an_empty_value_empty(self):
        assert display_personal(StubUser("collector"), "national_id", "") == ""
