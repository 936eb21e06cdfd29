"""The portal's records: the links debtors opened or were given, identity-check attempts, and lockouts."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PortalLink(models.Model):
    """One signed link (by its token id), written when the debtor first opens it: whose it is, until when,
    and when it was used: a link opens one session only (revoking is per debtor, `DebtorAccess`).
    """

    token_id = models.CharField(_("token id"), max_length=32, unique=True)
    debtor = models.ForeignKey(
        "portfolio.Debtor", verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")), name="portal_link_expires_after_issue"
            )
        ]

    def __str__(self) -> str:
        return self.token_id


class DebtorAccess(models.Model):
    """A debtor's standing with the portal: wrong answers in a row, a lockout, and links revoked before a moment."""

    debtor = models.OneToOneField(
        "portfolio.Debtor", verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="+"
    )
    failed_attempts = models.PositiveSmallIntegerField(_("wrong answers in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    links_valid_after = models.DateTimeField(_("links issued before this are revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("debtor portal access")
        verbose_name_plural = _("debtor portal access")

    def __str__(self) -> str:
        return str(self.debtor_id)


class IdentityAttempt(models.Model):
    """One answer to the identity question, right or wrong."""

    debtor = models.ForeignKey(
        "portfolio.Debtor", verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="+"
    )
    link = models.ForeignKey(
        PortalLink, verbose_name=_("link"), on_delete=models.CASCADE, related_name="attempts"
    )
    succeeded = models.BooleanField(_("succeeded"))
    attempted_at = models.DateTimeField(_("attempted at"))

    class Meta:
        verbose_name = _("identity check attempt")
        verbose_name_plural = _("identity check attempts")
        indexes = [models.Index(fields=["debtor", "attempted_at"], name="portal_attempt_debtor_idx")]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.attempted_at:%Y-%m-%d %H:%M}"
