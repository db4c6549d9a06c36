"""Comparing two versions of an agent: which settings changed (field by field) and
how its instructions changed (a line diff), as the History tab and the API show it."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

LineKind = Literal["same", "added", "removed"]
TEXT_FIELDS = frozenset({"instructions"})
"""Settings compared line by line instead of as one value."""


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    kind: LineKind
    text: str


def shown(value: Any) -> str:
    """A setting as people read it in a diff."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "none"
    return str(value)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The settings whose values differ, in `after`'s order then any that went away
    (text fields excluded: `text_diff` shows them)."""
    names = [*after, *(name for name in before if name not in after)]
    return [
        FieldChange(name, shown(before.get(name)), shown(after.get(name)))
        for name in names
        if name not in TEXT_FIELDS and before.get(name) != after.get(name)
    ]


def text_diff(before: str, after: str) -> list[Line]:
    """`after` against `before`, line by line: kept, added and removed lines in order."""
    lines: list[Line] = []
    for entry in difflib.ndiff((before or "").splitlines(), (after or "").splitlines()):
        code, text = entry[:2], entry[2:]
        if code == "  ":
            lines.append(Line("same", text))
        elif code == "+ ":
            lines.append(Line("added", text))
        elif code == "- ":
            lines.append(Line("removed", text))
    return lines
