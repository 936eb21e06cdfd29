"""A form field for several files at once, shared by the desk's and the portal's upload forms."""

from __future__ import annotations

from typing import Any

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files, each checked as a ``FileField`` checks one; cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        clean_one = super().clean  # a comprehension has no zero-argument super()
        return [clean_one(item, initial) for item in files]
