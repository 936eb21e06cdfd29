"""Rule packs as data: versioned YAML files, validated on load, composed into one policy.

A policy is one or more packs plus a portfolio's own stricter rules (overrides). Every rule of
every pack is checked; the most restrictive finding decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated
from zoneinfo import ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from arrears.compliance.rules import clock
from arrears.compliance.rules.frequency import (
    CallPatternRule,
    CallsPerDebtRule,
    CallsPerPersonRule,
    ChannelCapRule,
    ConnectedCallsPerDayRule,
    PostConversationRule,
    UnansweredAttemptsPerDayRule,
)
from arrears.compliance.rules.holds import HoldCode
from arrears.compliance.rules.parties import (
    CnThirdPartiesRule,
    ThirdPartyDisclosureRule,
    TimeBarredSuitRule,
    UsThirdPartiesRule,
    WorkplaceRule,
)
from arrears.compliance.rules.timing import HolidaysRule, PreferencesRule, WeekdaysRule, WindowRule
from arrears.compliance.rules.vocabulary import HoldType

AnyRule = Annotated[
    WindowRule | PreferencesRule | HolidaysRule | WeekdaysRule
    | CallsPerDebtRule | PostConversationRule | CallPatternRule | CallsPerPersonRule
    | ConnectedCallsPerDayRule | UnansweredAttemptsPerDayRule | ChannelCapRule
    | UsThirdPartiesRule | CnThirdPartiesRule | ThirdPartyDisclosureRule | TimeBarredSuitRule | WorkplaceRule,
    Field(discriminator="kind"),
]  # fmt: skip

RULE_LIST = TypeAdapter(list[AnyRule])

# Aliases a scenario file may use for a pack (RULES.md §5 writes `jurisdiction: US`).
PACK_ALIASES = {"US": "us-regf", "CN": "cn", "UK": "uk-conc", "GB": "uk-conc"}


class UnknownPack(ValueError):
    """A pack name that is not one of the shipped packs."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)


class InvalidPack(ValueError):
    """A pack file that does not validate; the message names the file and the field."""


class Pack(BaseModel):
    """One pack file: its rules, hold codes and the zone assumed when none is known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: str
    version: str
    title: dict[str, str]
    sources: list[str] = []
    default_zone: str | None = None
    rules: list[AnyRule]
    holds: dict[HoldType, HoldCode] = {}

    @field_validator("default_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                clock.zone(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not a known IANA time zone") from None
        return value

    @field_validator("title")
    @classmethod
    def _both_languages(cls, value: dict[str, str]) -> dict[str, str]:
        if set(value) != {"en", "zh"}:
            raise ValueError("the title needs exactly an 'en' and a 'zh' text")
        return value

    @property
    def codes(self) -> set[str]:
        """Return every code the pack can return (for checking against the reason catalog)."""
        codes = {hold.code for hold in self.holds.values()}
        for rule in self.rules:
            codes.update(
                value
                for name, value in rule.model_dump().items()
                if name.endswith("code") and value is not None
            )
        return codes


@cache
def shipped_packs() -> dict[str, Pack]:
    """Load and validate every pack file shipped in `arrears/compliance/packs/`.

    :raises InvalidPack: naming the file and the field that does not validate.
    """
    packs = {}
    for entry in sorted(resources.files("arrears.compliance").joinpath("packs").iterdir(), key=str):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            pack = Pack.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as exc:
            raise InvalidPack(f"{entry.name}: {exc}") from exc
        if f"{pack.pack}.yaml" != entry.name:
            raise InvalidPack(
                f"{entry.name}: the pack is named {pack.pack!r}; the file must be {pack.pack}.yaml"
            )
        packs[pack.pack] = pack
    return packs


def get_pack(name: str) -> Pack:
    """Return a shipped pack by name or alias.

    :raises UnknownPack: naming the packs that exist.
    """
    packs = shipped_packs()
    pack = packs.get(PACK_ALIASES.get(name, name))
    if pack is None:
        raise UnknownPack(name, sorted(packs))
    return pack


@dataclass(frozen=True)
class Policy:
    """What one portfolio (or scenario) applies: its packs and its own stricter rules."""

    packs: tuple[Pack, ...]
    overrides: tuple[AnyRule, ...] = ()

    @property
    def default_zone(self) -> str | None:
        return next((pack.default_zone for pack in self.packs if pack.default_zone), None)

    @property
    def label(self) -> str:
        return "+".join(f"{pack.pack}@{pack.version}" for pack in self.packs)


def build_policy(pack_names: Sequence[str], overrides: Sequence[object] = ()) -> Policy:
    """Compose named packs and override rules (raw mappings or rules) into a policy.

    :raises UnknownPack: for a pack name that does not exist.
    :raises ValidationError: for an override that does not validate.
    """
    if not pack_names:
        raise UnknownPack("", sorted(shipped_packs()))
    chosen = {pack.pack: pack for pack in (get_pack(name) for name in pack_names)}
    packs = tuple(chosen.values())
    return Policy(packs=packs, overrides=tuple(RULE_LIST.validate_python(list(overrides))))
