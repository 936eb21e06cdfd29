"""Write, check, approve and render message templates. Only an approved version is ever sent.

A version is validated (syntax, variables, forbidden constructs) and linted when it is saved — on
its fixed text in every branch and on a rendering with the catalog's examples — and linted again
on the real text whenever a message is rendered. See ``docs/communications.md``, "Templates".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from arrears.comms import templating, variables
from arrears.comms.models import Template, TemplateVersion, VersionStatus
from arrears.compliance import policies
from arrears.compliance.linter import ALL_PACKS, LintContext, LintHit, LintResult, Severity, lint
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Role
from arrears.portfolio.models import ContactPoint, Debt

APPROVER_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.ADMINISTRATOR})
WRITER_ROLES = frozenset(
    {Role.SUPERVISOR, Role.STRATEGY_MANAGER, Role.COMPLIANCE_OFFICER, Role.ADMINISTRATOR}
)
LANGUAGES = ("en", "zh-hans")


class TemplateRefused(DomainError):
    """A version that cannot be saved: each problem with its line, or a blocked phrase."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("The template cannot be saved: %(problems)s") % {"problems": "; ".join(problems)})
        self.problems = problems


class VersionNotDraft(DomainError):
    """Only a draft can be approved, and a retired version stays retired."""


class VersionNotApproved(DomainError):
    """A message is rendered only from an approved version."""


class NoApprovedTemplate(DomainError):
    """No approved version for this purpose, channel, language (and stage)."""


class MissingValue(DomainError):
    """The template reads a per-message value (a promise, a payment …) the sender did not give."""


class RenderedTextBlocked(DomainError):
    """The content linter blocks the text rendered for this debt; nothing may be sent."""

    def __init__(self, result: LintResult) -> None:
        super().__init__(
            _("The rendered text is blocked by the content check: %(hits)s")
            % {"hits": _blocking(result.hits)}
        )
        self.result = result


@dataclass(frozen=True)
class Preview:
    """A text rendered against a real debt, the linter's hits and the values that were examples."""

    rendered: templating.Rendered
    hits: tuple[LintHit, ...]
    sampled: tuple[str, ...] = field(default=())

    @property
    def is_blocked(self) -> bool:
        """Tell whether the linter blocks the rendered text."""
        return any(hit.severity is Severity.BLOCK for hit in self.hits)


def may_write_templates(user: Any) -> bool:
    """Return whether ``user`` may save draft versions (supervisors, strategy, compliance, administrators)."""
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) in WRITER_ROLES


def may_approve_templates(user: Any) -> bool:
    """Return whether ``user`` may approve or retire versions (compliance officers and administrators)."""
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) in APPROVER_ROLES


@transaction.atomic
def create_template(
    *, purpose: str, channel: str, language: str, stage: str = "", actor: Any, now: datetime
) -> Template:
    """Create an empty template for a purpose on a channel in a language (and stage), or return it.

    :raises PermissionDenied: when ``actor`` may not write templates.
    """
    _require(actor, may_write_templates)
    template, created = Template.objects.get_or_create(
        purpose=purpose, channel=channel, language=language, stage=stage, defaults={"created_at": now}
    )
    if created:
        record_event(actor=actor, action="comms.create_template", target=template, now=now,
                     after={"purpose": purpose, "channel": channel, "language": language, "stage": stage})  # fmt: skip
    return template


@transaction.atomic
def save_version(
    *, template: Template, subject: str, body: str, actor: Any, now: datetime
) -> TemplateVersion:
    """Save a new draft version of ``template`` after validating and linting it.

    Review and warning hits are kept on the version for the approver.

    :raises PermissionDenied: when ``actor`` may not write templates.
    :raises TemplateRefused: on a syntax error, an unknown variable or filter, a forbidden
        construct (each with its line), or a phrase the content linter blocks.
    """
    _require(actor, may_write_templates)
    hits = check_text(subject=subject, body=body, channel=template.channel, language=template.language)
    locked = Template.objects.select_for_update().get(pk=template.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first()
    version = TemplateVersion.objects.create(
        template=locked, number=(last or 0) + 1, subject=subject, body=body, status=VersionStatus.DRAFT,
        lint_hits=[hit_json(hit) for hit in hits], created_by=user_or_none(actor), created_at=now,
    )  # fmt: skip
    record_event(actor=actor, action="comms.save_template_version", target=version, now=now,
                 after={"template": str(locked), "number": version.number, "hits": [hit.rule_id for hit in hits]})  # fmt: skip
    return version


def check_text(*, subject: str, body: str, channel: str, language: str) -> tuple[LintHit, ...]:
    """Validate a template and lint it as :func:`save_version` does; return the hits that do not block.

    :raises TemplateRefused: for every problem with its line, or the phrases the linter blocks.
    """
    problems = templating.validate_template(subject, body)
    if problems:
        raise TemplateRefused([describe_problem(problem) for problem in problems])
    rendered = _render_or_refuse(subject, body, sample_variables(language))
    context = LintContext(channel=channel, sender_names=_sample_senders(language))
    fixed = lint(templating.literal_text(f"{subject}\n{body}"), language=None, context=context)
    result = lint(f"{rendered.subject}\n{rendered.body}", language=None, context=context)
    blocking = [
        hit for hit in (*fixed.hits, *result.hits) if hit.severity is Severity.BLOCK and not hit.is_missing
    ]
    if blocking:
        raise TemplateRefused([_blocked(hit, subject, body) for hit in _unique(blocking)])
    return result.hits


@transaction.atomic
def approve_version(*, version_id: int, actor: Any, now: datetime) -> TemplateVersion:
    """Approve a draft; the template's previously approved version is retired.

    :raises PermissionDenied: when ``actor`` is not a compliance officer or administrator.
    :raises VersionNotDraft: when the version is not a draft.
    """
    _require(actor, may_approve_templates)
    version = _lock_version(version_id)
    if version.status != VersionStatus.DRAFT:
        raise VersionNotDraft(_("Only a draft can be approved; this version is %(status)s.")
                              % {"status": version.get_status_display()})  # fmt: skip
    retired = TemplateVersion.objects.filter(template_id=version.template_id, status=VersionStatus.APPROVED)
    retired_numbers = list(retired.values_list("number", flat=True))
    retired.update(status=VersionStatus.RETIRED)
    version.status, version.approved_by, version.approved_at = (
        VersionStatus.APPROVED,
        user_or_none(actor),
        now,
    )
    version.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(actor=actor, action="comms.approve_template_version", target=version, now=now,
                 before={"status": VersionStatus.DRAFT}, after={"status": version.status, "retired": retired_numbers})  # fmt: skip
    return version


@transaction.atomic
def retire_version(*, version_id: int, actor: Any, now: datetime) -> TemplateVersion:
    """Retire a draft or approved version: it is never sent again.

    :raises PermissionDenied: when ``actor`` is not a compliance officer or administrator.
    :raises VersionNotDraft: when the version is retired already.
    """
    _require(actor, may_approve_templates)
    version = _lock_version(version_id)
    if version.status == VersionStatus.RETIRED:
        raise VersionNotDraft(_("This version is retired already."))
    before = version.status
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status"])
    record_event(actor=actor, action="comms.retire_template_version", target=version, now=now,
                 before={"status": before}, after={"status": version.status})  # fmt: skip
    return version


def get_sendable_version(*, purpose: str, channel: str, language: str, stage: str = "") -> TemplateVersion:
    """Return the latest approved version for a purpose, channel and language; a stage's own first.

    :raises NoApprovedTemplate: when no approved version exists (for the stage or without one).
    """
    approved = TemplateVersion.objects.select_related("template").filter(
        status=VersionStatus.APPROVED, template__purpose=purpose, template__channel=channel,
        template__language__in=language_codes(language),
    )  # fmt: skip
    for candidate_stage in dict.fromkeys((stage, "")):
        version = approved.filter(template__stage=candidate_stage).order_by("-number", "-pk").first()
        if version is not None:
            return version
    raise NoApprovedTemplate(
        _("No approved template for %(purpose)s by %(channel)s in %(language)s.")
        % {"purpose": purpose, "channel": channel, "language": language}
    )


def language_codes(language: str) -> tuple[str, ...]:
    """Return the template language codes that serve a debtor's language (``zh``, ``zh-CN`` → ``zh-hans``)."""
    canonical = "zh-hans" if templating.language_key(language) == "zh" else "en"
    return tuple(dict.fromkeys((language, canonical)))


def render_message(
    *,
    version: TemplateVersion,
    debt: Debt,
    contact_point: ContactPoint | None,
    as_of: date,
    extra: Mapping[str, Any] | None = None,
) -> templating.Rendered:
    """Render an approved version for a debt and lint the exact text under the portfolio's packs.

    :raises VersionNotApproved: when the version is a draft or retired.
    :raises MissingValue: when it reads a per-message value that ``extra`` does not give.
    :raises RenderedTextBlocked: when the linter blocks the rendered text.
    """
    if version.status != VersionStatus.APPROVED:
        raise VersionNotApproved(_("Only an approved version is sent; %(version)s is %(status)s.")
                                 % {"version": str(version), "status": version.get_status_display()})  # fmt: skip
    language = version.template.language
    values = variables.build_variables(
        debt=debt, contact_point=contact_point, as_of=as_of, language=language, extra=extra
    )
    missing = sorted(
        name for name in templating.used_variables(version.subject, version.body) if values[name] is None
    )
    if missing:
        raise MissingValue(_("The message needs %(names)s.") % {"names": ", ".join(missing)})
    rendered = _render_or_refuse(version.subject, version.body, values)
    result = _lint_for(debt, rendered, channel=version.template.channel, language=language)
    if result.is_blocked:
        raise RenderedTextBlocked(result)
    return rendered


def preview(
    *, subject: str, body: str, channel: str, language: str, debt: Debt, as_of: date,
    contact_point: ContactPoint | None = None,
) -> Preview:  # fmt: skip
    """Render any text (a draft, an unsaved edit) against a real debt, without sending or refusing.

    Per-message values the debt does not have are the catalog's examples, named in ``sampled``.

    :raises TemplateRefused: when the text has a problem (with its line) or cannot be rendered.
    """
    problems = templating.validate_template(subject, body)
    if problems:
        raise TemplateRefused([describe_problem(problem) for problem in problems])
    values = variables.build_variables(debt=debt, contact_point=contact_point, as_of=as_of, language=language)
    used = templating.used_variables(subject, body)
    sampled = tuple(sorted(name for name in used if values[name] is None))
    for name in sampled:
        values[name] = templating.VARIABLES[name].example(language)
    rendered = _render_or_refuse(subject, body, values)
    return Preview(rendered, _lint_for(debt, rendered, channel=channel, language=language).hits, sampled)


def sample_variables(language: str) -> dict[str, Any]:
    """Return the catalog's examples in ``language``: the text a template is checked with on save."""
    values = {variable.name: variable.example(language) for variable in templating.CATALOG}
    values["language"] = language
    return values


def describe_problem(problem: templating.TemplateProblem) -> str:
    """Say where a template problem is and what it is, in the user's language."""
    part = _("Subject") if problem.part == "subject" else _("Body")
    what = {
        "syntax": _("syntax error: %(detail)s"),
        "unknown_variable": _("unknown variable “%(detail)s”"),
        "unknown_attribute": _("unknown attribute “%(detail)s”"),
        "unknown_filter": _("unknown filter “%(detail)s”"),
        "unknown_test": _("unknown test “%(detail)s”"),
        "forbidden": _("not allowed in a template: %(detail)s"),
    }[problem.kind] % {"detail": problem.detail}
    return _("%(part)s, line %(line)d: %(what)s") % {"part": part, "line": problem.line, "what": what}


def _require(actor: Any, may: Any) -> None:
    if actor is not None and not may(actor):
        raise PermissionDenied(_("You may not do this to templates."))


def user_or_none(actor: Any) -> Any:
    """Return ``actor`` when it is a saved user, else None (the system)."""
    return actor if getattr(actor, "pk", None) is not None else None


def _lock_version(version_id: int) -> TemplateVersion:
    try:
        return TemplateVersion.objects.select_for_update().select_related("template").get(pk=version_id)
    except TemplateVersion.DoesNotExist:
        raise NotFound(_("No such template version.")) from None


def _render_or_refuse(subject: str, body: str, values: Mapping[str, Any]) -> templating.Rendered:
    try:
        return templating.render(subject, body, values)
    except templating.TemplateInvalid as exc:
        raise TemplateRefused([describe_problem(problem) for problem in exc.problems]) from exc
    except templating.RenderFailed as exc:
        raise TemplateRefused([_("it cannot be rendered: %(error)s") % {"error": str(exc)}]) from exc


def _lint_for(debt: Debt, rendered: templating.Rendered, *, channel: str, language: str) -> LintResult:
    """Lint a message to a debt under its portfolio's packs; legal steps may be named once it is verified."""
    portfolio = debt.portfolio
    packs = tuple(pack for pack in policies.get_pack_names(portfolio) if pack in ALL_PACKS) or ALL_PACKS
    context = LintContext(
        channel=channel,
        legal_action_allowed=debt.verified_at is not None,
        sender_names=(portfolio.creditor_name, policies.get_collector_entity(portfolio)),
    )
    text = f"{rendered.subject}\n{rendered.body}"
    # Both languages' rules: a Chinese name or note inside an English text is checked too.
    return lint(text, language=None, packs=packs, context=context)


def _sample_senders(language: str) -> tuple[str, ...]:
    values = sample_variables(language)
    return (str(values["creditor_name"]), str(values["collector_name"]))


def hit_json(hit: LintHit) -> dict[str, Any]:
    """Return a linter hit as stored on a version: rule, severity, matched text, title, missing."""
    return {"rule_id": hit.rule_id, "severity": str(hit.severity), "matched": hit.matched, "title": hit.title,
            "missing": hit.is_missing}  # fmt: skip


def _unique(hits: Iterable[LintHit]) -> list[LintHit]:
    return list({(hit.rule_id, hit.matched): hit for hit in hits}.values())


def _blocked(hit: LintHit, subject: str, body: str) -> str:
    """Say which phrase the linter blocks, by which rule, and on which line of the subject or body."""
    title = hit.title.get("zh" if (get_language() or "en").startswith("zh") else "en", hit.rule_id)
    found = {"rule": hit.rule_id, "title": title, "matched": hit.matched}
    for part, source in ((_("Body"), body), (_("Subject"), subject)):
        position = source.find(hit.matched)
        if position >= 0:
            line = source.count("\n", 0, position) + 1
            return _("%(part)s, line %(line)d: “%(matched)s” — %(rule)s %(title)s") % {
                **found, "part": part, "line": line}  # fmt: skip
    return _("“%(matched)s” — %(rule)s %(title)s") % found


def _blocking(hits: Iterable[LintHit]) -> str:
    return "; ".join(f"{hit.rule_id} «{hit.matched}»" for hit in hits if hit.severity is Severity.BLOCK)
