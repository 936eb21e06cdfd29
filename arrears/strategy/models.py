"""Strategy versions (the YAML a manager activates), per-portfolio cycle settings, and cycle runs."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import Portfolio


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class StrategyVersion(models.Model):
    """One version of a strategy file; at most one version of each strategy is active."""

    name = models.SlugField(_("strategy"), max_length=50)
    version = models.CharField(_("version"), max_length=40)
    source = models.TextField(_("strategy file (YAML)"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("strategy version")
        verbose_name_plural = _("strategy versions")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="strategy_version_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(status="active"), name="strategy_one_active_version"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="strategy_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class CycleSettings(models.Model):
    """Which strategy a portfolio's daily cycle runs, and when the worker starts it."""

    portfolio = models.OneToOneField(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="cycle_settings"
    )
    strategy = models.SlugField(_("strategy"), max_length=50, default="default")
    run_at = models.TimeField(
        _("daily run at"), default=time(6, 0), help_text=_("Local time of the portfolio's time zone.")
    )
    enabled = models.BooleanField(_("run daily"), default=True)

    class Meta:
        verbose_name = _("cycle settings")
        verbose_name_plural = _("cycle settings")

    def __str__(self) -> str:
        return f"{self.portfolio} {self.strategy} {self.run_at:%H:%M}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")


class CycleRun(models.Model):
    """The daily cycle of one portfolio for one business date; its partitions commit one by one."""

    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    business_date = models.DateField(_("business date"))
    strategy = models.CharField(_("strategy"), max_length=100)
    partitions = models.PositiveSmallIntegerField(_("partitions"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("cycle run")
        verbose_name_plural = _("cycle runs")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "business_date"], name="cycle_run_once_a_day"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="cycle_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio} {self.business_date}"


class CyclePartition(models.Model):
    """One partition (debtors by hash) of a run, written in one transaction with its report."""

    run = models.ForeignKey(CycleRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveSmallIntegerField(_("partition"))
    report = models.JSONField(_("report"), default=dict)
    finished_at = models.DateTimeField(_("finished at"))

    class Meta:
        verbose_name = _("cycle partition")
        verbose_name_plural = _("cycle partitions")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="cycle_partition_once")]

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"
