"""The contact decision, pure: no Django, no database — facts in, decision out."""
