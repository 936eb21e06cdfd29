"""Casework: cases, their stage, promises, work items — what collectors and the daily cycle act on."""
