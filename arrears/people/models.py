from __future__ import annotations

import hashlib
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.people.roles import Capability, Role, role_can


class Team(models.Model):
    """A group of collectors under one supervisor."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisor = models.ForeignKey(
        "people.User",
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who works in Arrears, with one role, a team and authority limits."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.COLLECTOR)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    portfolios = models.ManyToManyField(
        "portfolio.Portfolio", verbose_name=_("granted portfolios"), blank=True, related_name="granted_users"
    )
    max_waiver_amount = models.DecimalField(
        _("maximum waiver"),
        max_digits=18,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The largest waiver this user may grant without approval, in the debt's currency."),
    )
    max_plan_months = models.PositiveSmallIntegerField(
        _("maximum plan length (months)"),
        default=3,
        help_text=_("The longest instalment plan this user may agree without approval."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=models.Q(max_waiver_amount__gte=0), name="user_max_waiver_gte_0"
            ),
        ]

    def can(self, capability: Capability) -> bool:
        """Return whether this user's role carries ``capability`` (superusers carry all)."""
        return bool(self.is_superuser) or role_can(self.role, capability)


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()
