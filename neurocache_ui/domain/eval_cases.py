"""An evaluation case as written by a person: the message (with earlier turns and an
optional image), an expected answer or a note, and its checks (domain/eval_checks.py).
One `parse_case` serves the form, the API and the importers, so they accept the same
cases and say the same things about wrong ones. CSV and JSONL files are read here
too: all rows or none, each wrong row named with its line and what is wrong."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.eval_checks import CHECK_TYPES, Check, parse_check, parse_checks

INPUT_MAX = 8000
EXPECTED_MAX = 8000
NOTE_MAX = 2000
TURNS_MAX = 20
IMAGE_MAX_CHARS = 1_500_000
"""An image as a data: URL (about 1 MB of picture)."""
IMAGE_URL = re.compile(r"^data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=\s]+$", re.IGNORECASE)
CASES_PER_SET_MAX = 500
IMPORT_ERRORS_SHOWN = 20
CSV_COLUMNS = ("input", "expected", "note", "turns", *CHECK_TYPES)
"""A CSV file's columns: `input` is required; a check column may repeat (two `contains`)."""


@dataclass(frozen=True)
class CaseSpec:
    input: str
    checks: tuple[Check, ...] = ()
    turns: tuple[dict[str, str], ...] = ()
    image: str | None = None
    expected: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def conversation(self) -> list[dict[str, Any]]:
        """The OpenAI-style conversation the agent is asked: earlier turns, then the message (and its image)."""
        last: Any = self.input
        if self.image:
            last = [{"type": "text", "text": self.input}, {"type": "image_url", "image_url": {"url": self.image}}]
        return [*self.turns, {"role": "user", "content": last}]


def _text(raw: Any, name: str, limit: int, *, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise Invalid(f"{name} must be text.", name)
    text = raw.strip()
    if required and not text:
        raise Invalid("Write the message the agent is asked (input).", name)
    if len(text) > limit:
        raise Invalid(f"{name} has at most {limit} characters.", name)
    return text


def _turns(raw: Any) -> tuple[dict[str, str], ...]:
    if raw in (None, ""):
        return ()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Invalid('turns must be a JSON list like [{"role": "user", "content": "…"}].', "turns") from None
    if not isinstance(raw, list) or len(raw) > TURNS_MAX:
        raise Invalid(f"turns must be a list of at most {TURNS_MAX} earlier messages.", "turns")
    turns = []
    for turn in raw:
        if not isinstance(turn, Mapping) or turn.get("role") not in ("user", "assistant"):
            raise Invalid('Each earlier turn needs "role" ("user" or "assistant") and "content".', "turns")
        turns.append({"role": str(turn["role"]), "content": _text(turn.get("content"), "turns", INPUT_MAX)})
    return tuple(turns)


def _image(raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or len(raw) > IMAGE_MAX_CHARS or not IMAGE_URL.match(raw[:200] + "A"):
        raise Invalid("image must be a data: URL of a PNG, JPEG, WebP or GIF image of at most about 1 MB.", "image")
    return raw


def parse_case(raw: Any) -> CaseSpec:
    """A case as written (`{"input", "checks"?, "turns"?, "image"?, "expected"?, "note"?}`), checked."""
    if not isinstance(raw, Mapping):
        raise Invalid('A case must be an object like {"input": "…", "checks": […]}.', "cases")
    unknown = set(raw) - {"input", "checks", "turns", "image", "expected", "note"}
    if unknown:
        raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; a case has input, checks, turns, image, expected, note.", "cases")
    return CaseSpec(
        input=_text(raw.get("input"), "input", INPUT_MAX, required=True),
        checks=tuple(parse_checks(raw.get("checks"))),
        turns=_turns(raw.get("turns")),
        image=_image(raw.get("image")),
        expected=_text(raw.get("expected"), "expected", EXPECTED_MAX),
        note=_text(raw.get("note"), "note", NOTE_MAX),
    )


# ---------------------------------------------------------------- files


class ImportFailed(Invalid):
    """Nothing was imported; `errors` name each wrong row ("Line 3: …")."""

    def __init__(self, errors: Sequence[str]) -> None:
        shown = list(errors[:IMPORT_ERRORS_SHOWN])
        more = len(errors) - len(shown)
        text = "Nothing was imported. " + " ".join(shown) + (f" …and {more} more." if more > 0 else "")
        super().__init__(text, "file")
        self.errors = list(errors)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(["The file is not UTF-8 text."]) from None


def parse_jsonl(data: bytes) -> list[CaseSpec]:
    """One case object per line (the API's case shape); blank lines are skipped."""
    cases, errors = [], []
    for number, line in enumerate(_decode(data).splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as error:
            errors.append(f"Line {number}: not JSON ({error.msg}).")
            continue
        try:
            cases.append(parse_case(raw))
        except Invalid as error:
            errors.append(f"Line {number}: {error}")
    return _checked(cases, errors)


def parse_csv(data: bytes) -> list[CaseSpec]:
    """A header row naming CSV_COLUMNS (`input` required; check columns may repeat), then one case per row."""
    reader = csv.reader(io.StringIO(_decode(data)))
    header = [name.strip().lower() for name in next(reader, [])]
    if "input" not in header:
        raise ImportFailed([f"Line 1: the header must name an input column (columns: {', '.join(CSV_COLUMNS)})."])
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise ImportFailed([f"Line 1: unknown column(s) {', '.join(unknown)}; use {', '.join(CSV_COLUMNS)}."])
    cases, errors = [], []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        fields: dict[str, Any] = {}
        checks: list[dict[str, Any]] = []
        for name, cell in zip(header, row, strict=False):
            if not cell.strip():
                continue
            if name in CHECK_TYPES:
                checks.append({"type": name, "value": cell})
            elif name:
                fields[name] = cell
        try:
            case = parse_case({**fields, "checks": []})
            cases.append(CaseSpec(case.input, tuple(parse_check(c) for c in checks), case.turns, None,
                                  case.expected, case.note))
        except Invalid as error:
            errors.append(f"Line {number}: {error}")
    return _checked(cases, errors)


def _checked(cases: list[CaseSpec], errors: list[str]) -> list[CaseSpec]:
    if errors:
        raise ImportFailed(errors)
    if not cases:
        raise ImportFailed(["The file holds no cases."])
    return cases


def parse_file(filename: str, data: bytes) -> list[CaseSpec]:
    """By the file's extension: .csv or .jsonl (.json lines too)."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return parse_csv(data)
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return parse_jsonl(data)
    raise ImportFailed([f"{filename} is neither .csv nor .jsonl."])


# ---------------------------------------------------------------- the form's checks box


def checks_from_lines(text: str) -> list[dict[str, Any]]:
    """The case form's checks: one `type: value` per line (`contains: Paris`,
    `json_schema: {"type": "object"}`); `type!:` matches letter case (`regex!: ^A`).
    Invalid names the line at fault."""
    checks = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        kind, colon, value = line.partition(":")
        kind = kind.strip()
        exact = kind.endswith("!")
        kind = kind.rstrip("!").strip()
        if not colon or kind not in CHECK_TYPES:
            raise Invalid(f"Checks, line {number}: write `type: value` with a type of {', '.join(CHECK_TYPES)}.", "checks")
        check: dict[str, Any] = {"type": kind, "value": value.strip()}
        if exact:
            check["ignore_case"] = False
        checks.append(check)
    return checks


def lines_of(checks: Sequence[Mapping[str, Any]]) -> str:
    """Checks as the form's checks box shows them (the inverse of `checks_from_lines`)."""
    lines = []
    for check in checks:
        value = check.get("value")
        shown = " ".join(value.split()) if isinstance(value, str) else json.dumps(value)
        lines.append(f"{check.get('type')}{'' if check.get('ignore_case', True) else '!'}: {shown}")
    return "\n".join(lines)
