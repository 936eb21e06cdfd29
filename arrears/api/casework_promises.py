"""API endpoints for casework: promises."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["casework"])
