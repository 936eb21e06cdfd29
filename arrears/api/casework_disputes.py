"""API endpoints for casework: disputes."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["casework"])
