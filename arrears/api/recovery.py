"""API: late stage and recovery: visits, legal referrals, placements, settlement and write-off."""

from ninja import Router

from arrears.api import recovery_accounts, recovery_legal, recovery_visits

router = Router(tags=["recovery"])
router.add_router("", recovery_visits.router)
router.add_router("", recovery_legal.router)
router.add_router("", recovery_accounts.router)
