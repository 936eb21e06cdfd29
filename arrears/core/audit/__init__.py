"""Append-only, hash-chained audit events: who did what, when, why, before and after."""
