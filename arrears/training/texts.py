"""Text in English and Chinese, as the training files write it. Pure."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def language_key(language: str | None) -> str:
    """Return ``zh`` for any Chinese language code (``zh-hans``, ``zh_CN``), else ``en``."""
    return "zh" if (language or "").lower().startswith("zh") else "en"


class Text(BaseModel):
    """One text in both languages; both are required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: Line
    zh: Line

    def in_language(self, language: str | None) -> str:
        """Return the text in ``language`` (any Chinese code gives the Chinese text)."""
        return self.zh if language_key(language) == "zh" else self.en
