"""The content linter for outgoing texts and collector notes, pure: no Django."""
