"""Who a debtor's action in the portal is recorded as: one system user per portfolio, ``portal-<code>``.

The domain actions take a user: the audit log names them, the desk's arrangements weigh a plan
against their authority, and approvers are told who asked. The portal user carries the portfolio's
portal limits as its authority (plans up to ``accept_months``, no waivers), can never log in
(inactive, no usable password), is granted only its portfolio, and is no collector the cycle assigns
work to (inactive users are skipped).
"""

from __future__ import annotations

from decimal import Decimal

from arrears.people.models import User
from arrears.people.roles import Role
from arrears.portfolio.models import Portfolio
from arrears.usecases.portal_access import get_policy

PREFIX = "portal-"


def get_portal_actor(portfolio: Portfolio) -> User:
    """Return the portfolio's portal user, created on first use, its limits kept to the portal policy."""
    policy = get_policy(portfolio)
    user, created = User.objects.get_or_create(
        username=f"{PREFIX}{portfolio.code}"[:150],
        defaults={
            "first_name": "Debtor portal", "role": Role.COLLECTOR, "is_active": False,
            "max_plan_months": policy.accept_months, "max_waiver_amount": Decimal("0.00"),
        },
    )  # fmt: skip
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.portfolios.add(portfolio)
    elif user.max_plan_months != policy.accept_months or user.max_waiver_amount != 0:
        user.max_plan_months, user.max_waiver_amount = policy.accept_months, Decimal("0.00")
        user.save(update_fields=["max_plan_months", "max_waiver_amount"])
    return user
