"""API: late stage and recovery: visits, legal referrals, placements, settlement and write-off."""

from ninja import Router

router = Router(tags=["recovery"])
