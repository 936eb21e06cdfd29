"""The default templates (``defaults/*.yaml``): each purpose in Chinese and English, installed approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from arrears.comms import templates
from arrears.comms.models import MessageChannel, Purpose, Template, TemplateVersion, VersionStatus
from arrears.core.audit.actions import record_event

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


@dataclass(frozen=True)
class DefaultTemplate:
    """One default text: which template it is and its subject and body."""

    purpose: str
    channel: str
    language: str
    subject: str
    body: str
    stage: str = ""


def load_default_templates(directory: Path = DEFAULTS_DIR) -> list[DefaultTemplate]:
    """Read every default template, by file name then order in the file.

    :raises ValueError: for an unknown purpose or channel, naming the file.
    """
    loaded = []
    for path in sorted(directory.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        purpose = str(data["purpose"])
        if purpose not in Purpose.values:
            raise ValueError(f"{path.name}: unknown purpose {purpose!r}")
        for item in data["templates"]:
            if item["channel"] not in MessageChannel.values:
                raise ValueError(f"{path.name}: unknown channel {item['channel']!r}")
            loaded.append(
                DefaultTemplate(
                    purpose=purpose, channel=item["channel"], language=item["language"],
                    subject=str(item.get("subject", "")).strip(), body=str(item["body"]).strip(),
                    stage=str(item.get("stage", "")),
                )
            )  # fmt: skip
    return loaded


@transaction.atomic
def install_default_templates(*, now: datetime, actor: Any = None) -> list[TemplateVersion]:
    """Install each default as version 1, approved, where its template does not exist yet.

    Installing twice creates nothing new; a template someone already made is left alone.

    :raises templates.TemplateRefused: when a default does not validate or the linter blocks it.
    """
    installed = []
    for default in load_default_templates():
        key = {"purpose": default.purpose, "channel": default.channel, "language": default.language}
        if Template.objects.filter(**key, stage=default.stage).exists():
            continue
        hits = templates.check_text(
            subject=default.subject, body=default.body, channel=default.channel, language=default.language
        )
        template = Template.objects.create(**key, stage=default.stage, created_at=now)
        installed.append(
            TemplateVersion.objects.create(
                template=template, number=1, subject=default.subject, body=default.body,
                status=VersionStatus.APPROVED, lint_hits=[templates.hit_json(hit) for hit in hits],
                created_by=templates.user_or_none(actor), created_at=now,
                approved_by=templates.user_or_none(actor), approved_at=now,
            )
        )  # fmt: skip
    if installed:
        record_event(actor=actor, action="comms.install_default_templates", target=("comms.template", "defaults"),
                     now=now, after={"installed": [str(version) for version in installed]})  # fmt: skip
    return installed
