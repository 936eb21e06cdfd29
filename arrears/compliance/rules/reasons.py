"""The reason catalog: what each code means, its rules and source, in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from arrears.compliance.rules.vocabulary import Decision, HoldType


@dataclass(frozen=True)
class Reason:
    code: str
    decision: Decision
    rules: tuple[str, ...]
    source: str
    text: dict[str, str]

    def explain(self, language: str) -> str:
        """Return the explanation in a language ('zh…' → Chinese, anything else → English)."""
        return self.text["zh" if language.lower().startswith("zh") else "en"]


@cache
def _catalog() -> dict[str, object]:
    text = resources.files("arrears.compliance").joinpath("reasons.yaml").read_text(encoding="utf-8")
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


@cache
def catalog() -> dict[str, Reason]:
    """Return every catalogued code, with the generic HOLD.<TYPE> codes."""
    raw = _catalog()
    codes: dict[str, Reason] = {}
    for code, entry in raw["codes"].items():  # type: ignore[attr-defined]
        codes[code] = Reason(
            code, Decision(entry["decision"]), tuple(entry["rules"]), entry["source"],
            {"en": entry["en"], "zh": entry["zh"]},
        )  # fmt: skip
    for hold_type, text in raw["holds"].items():  # type: ignore[attr-defined]
        code = HoldType(hold_type).generic_code
        codes[code] = Reason(code, Decision.DENY, ("§7",), "RULES.md §7 (holds)", dict(text))
    return codes


def explain(code: str, language: str, *, kind: str | None = None) -> str:
    """Return the explanation of a code; a portfolio's own code is explained by its rule kind."""
    reason = catalog().get(code)
    if reason is not None:
        return reason.explain(language)
    kinds: dict[str, dict[str, str]] = _catalog()["kinds"]  # type: ignore[assignment]
    text = kinds.get(kind or "", {"en": code, "zh": code})
    return text["zh" if language.lower().startswith("zh") else "en"]


def get_reason(code: str) -> Reason | None:
    return catalog().get(code)
