"""API: quality review and coaching."""

from ninja import Router

router = Router(tags=["quality"])
