"""Writing the config: ``config.example.yaml``'s text with the picked ids put in place, so every comment
that explains a key stays beside it."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from bot.config import parse_settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.example.yaml"
SHIPPED_QUESTIONNAIRES = REPO / "data" / "questionnaires"

#: A ``key: value  # comment`` line of block YAML; the value part never holds a ``#`` in the keys setup writes.
_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?P<value>[^#\r\n]*?)(?P<comment>[ \t]+#.*?)?$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ExampleChanged(Exception):
    """The example file no longer has a key setup fills in."""


def scalar(value: int | str | Path | None) -> str:
    """A value as YAML: ids and simple names as they are, anything else double-quoted (JSON's quoting is
    YAML's), None as nothing."""
    if value is None:
        return ""
    if isinstance(value, int) or _PLAIN.match(str(value)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def fill(example: str, values: Mapping[str, int | str | Path | None]) -> str:
    """``example`` with the value of each dotted key in ``values`` replaced where it stands."""
    lines = example.splitlines(keepends=True)
    parents: list[tuple[int, str]] = []
    done: set[str] = set()
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        match = _LINE.match(body)
        if match is None:
            continue
        indent = len(match["indent"])
        while parents and parents[-1][0] >= indent:
            parents.pop()
        path = ".".join([*(key for _, key in parents), match["key"]])
        parents.append((indent, match["key"]))
        if path in values and path not in done:
            text = scalar(values[path])
            ending = line[len(body) :]
            lines[number] = (
                f"{match['indent']}{match['key']}:{' ' + text if text else ''}{match['comment'] or ''}{ending}"
            )
            done.add(path)
    missing = [key for key in values if key not in done]
    if missing:
        raise ExampleChanged(f"{EXAMPLE.name} has no {', '.join(missing)} to fill in")
    return "".join(lines)


def questionnaires_for(target: Path) -> Path | None:
    """The questionnaires folder to write: None keeps the example's relative ``data/questionnaires`` when it
    is there beside the config, else the shipped folder's absolute path."""
    relative = target.resolve().parent / "data" / "questionnaires"
    if relative.is_dir() or not SHIPPED_QUESTIONNAIRES.is_dir():
        return None
    return SHIPPED_QUESTIONNAIRES


def render(example: str, values: Mapping[str, int | str | Path | None], target: Path) -> str:
    """The config text for ``target``, validated as ``partnerbot check-config`` would (raises ConfigError)."""
    values = dict(values)
    questionnaires = questionnaires_for(target)
    if questionnaires is not None:
        values["questionnaires"] = questionnaires
    text = fill(example, values)
    parse_settings(text, source=str(target), base_dir=target.resolve().parent)
    return text


def write(target: Path, text: str) -> None:
    """Write ``text`` beside ``target`` and then move it into place, so a failure never leaves half a file."""
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
