"""Compliance: rule packs, the one contact decision, holds and the content linter."""
