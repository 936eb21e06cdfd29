"""YAML read with the line of every key and item, so a check can say ``line N: key.path: what is wrong``. Pure.

Strategy files and the reference-rate table are both read this way: ``compose`` gives the plain
data, the line (1-based) of every location (a tuple of keys and list indexes) and the duplicate
keys; ``at`` words a problem at the nearest located part of a location.
"""

from __future__ import annotations

from typing import Any

import yaml

Location = tuple[str | int, ...]


def compose(text: str) -> tuple[Any, dict[Location, int], list[str]]:
    """Return the plain data of ``text``, the line (1-based) of every key and item, and duplicate keys."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[Location, int] = {(): node.start_mark.line + 1}
    duplicates: list[str] = []
    _locate(node, (), lines, duplicates)
    return data, lines, duplicates


def _locate(node: yaml.Node, location: Location, lines: dict[Location, int], duplicates: list[str]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = (
                yaml.SafeLoader("").construct_object(key_node)
                if key_node.tag != "tag:yaml.org,2002:str"
                else key_node.value
            )
            where = (*location, key)
            if key in seen:
                duplicates.append(f"line {key_node.start_mark.line + 1}: {dotted(where)}: duplicate key")
            seen.add(key)
            lines[where] = key_node.start_mark.line + 1
            _locate(value_node, where, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*location, index)] = item.start_mark.line + 1
            _locate(item, (*location, index), lines, duplicates)


def dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def at(lines: dict[Location, int], location: Location, message: str) -> str:
    """Return ``line N: key: message`` for the nearest located part of ``location``."""
    for end in range(len(location), -1, -1):
        line = lines.get(location[:end])
        if line is not None:
            return f"line {line}: {dotted(location)}: {message}"
    return f"line 1: {dotted(location)}: {message}"
