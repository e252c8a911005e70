"""Every scenario field with its type, default and allowed range, as a Markdown table.

``docs/scenarios.md`` carries this table between two markers; ``tests/test_scenario_bounds.py``
holds the page to the schema, so the documented range of a field is always the checked one.
Regenerate the page's table with ``python -m polsim.scenario.reference docs/scenarios.md``.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from pathlib import Path
from typing import Any

from polsim.scenario.schema import CrimeType, ScenarioSpec, UnitType
from polsim.scenario.validate import MAX_TEXT, _type_name

BEGIN = "<!-- fields: begin (python -m polsim.scenario.reference docs/scenarios.md) -->"
END = "<!-- fields: end -->"

TABLES = {"crimes": ("crimes.NAME", CrimeType), "units": ("units.NAME", UnitType)}
"""Tables of named entries, documented by the fields of one entry."""


def allowed(tp: Any, meta: typing.Mapping) -> str:
    """The allowed values of a field, in words: ``0 .. 10,000,000``, ``one of avl, zone``..."""
    parts = []
    if "allowed" in meta:
        parts.append("one of " + ", ".join(map(str, meta["allowed"])))
    if "keys" in meta:
        parts.append("keys: " + ", ".join(meta["keys"]))
    low = _bound(meta, "ge", ">=") or _bound(meta, "gt", ">")
    high = _bound(meta, "le", "<=") or _bound(meta, "lt", "<")
    if low or high:
        parts.append(" and ".join(b for b in (low, high) if b))
    if "length" in meta:
        parts.append(f"exactly {meta['length']} values")
    if "maxlen" in meta and typing.get_origin(tp) is list:
        parts.append(f"at most {meta['maxlen']:,} values")
    if tp is str and "allowed" not in meta and "digits" not in meta:
        parts.append(f"at most {meta.get('maxlen', MAX_TEXT)} printable characters")
    if "digits" in meta:
        parts.append(f"{meta['digits']} digits")
    if "max_items" in meta:
        parts.append(f"at most {meta['max_items']} entries, named by identifiers")
    return "; ".join(parts) or "any"


def _bound(meta: typing.Mapping, key: str, word: str) -> str:
    if key not in meta:
        return ""
    value = meta[key]
    text = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"{word} {text}"


def rows(cls: type = ScenarioSpec, prefix: str = "") -> list[tuple[str, str, str, str, str]]:
    """(field, type, default, allowed, what) for every field, sections in file order."""
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        name = f"{prefix}{f.name}"
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out.extend(rows(tp, f"{name}."))
            continue
        if cls is ScenarioSpec and f.name in TABLES:
            label, entry = TABLES[f.name]
            out.append((name, "tables", "(built in)", allowed(tp, f.metadata), f.metadata.get("doc", "")))
            out.extend(rows(entry, f"{label}."))
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append((name, _type_name(tp), _short(repr(default)), allowed(tp, f.metadata), f.metadata.get("doc", "")))
    return out


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


def field_table() -> str:
    """The Markdown table of every field."""
    lines = ["| field | type | default | allowed | what |", "|---|---|---|---|---|"]
    lines += [f"| `{n}` | {t} | `{d}` | {a} | {w.replace('|', '/')} |" for n, t, d, a, w in rows()]
    return "\n".join(lines)


def replace_table(page: str) -> str:
    """``page`` with the text between :data:`BEGIN` and :data:`END` replaced by the table."""
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{field_table()}\n{END}{tail}"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(replace_table(target.read_text()))
