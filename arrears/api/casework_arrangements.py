"""API endpoints for casework: arrangements."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["casework"])
