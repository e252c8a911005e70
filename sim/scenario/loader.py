"""Load a scenario file: TOML, ``--set`` overrides, built-in defaults, full validation.

Everything a scenario says is checked here, including the checks that need the generated
city (a base on a blocked cell), so that a bad file fails before any output exists.
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario

from polsim.scenario.schema import BUILTIN_UNITS, ScenarioSpec, _crime_types
from polsim.scenario.validate import ScenarioError, build, check_depth, to_plain

MAX_FILE_BYTES = 1 << 20
"""A scenario file is a few kilobytes; one of a mebibyte is refused unread (``/dev/zero``, a log
pasted by mistake), so reading it can cost no more than that."""

SCENARIO_DIR = Path(str(files("polsim.scenarios")))
"""The scenario files shipped with polsim (the default city and the seed-city presets): the
repository's ``scenarios/`` folder in a checkout, package data in an installed wheel."""


class PolicingScenario(Scenario):
    """A validated scenario as Mesa's typed parameter set; ``spec`` holds the sections.

    Being a ``mesa.experimental.scenarios.Scenario`` makes it the model's ``scenario``
    (read-only while the model runs); ``source`` is the file it came from.
    """

    spec: ScenarioSpec
    source: str


def resolve_path(scenario: str | Path) -> Path:
    """A file path, or the name of a shipped scenario (``default``, ``nantong``...)."""
    path = Path(scenario)
    if path.suffix != ".toml" and not path.exists():
        shipped = SCENARIO_DIR / f"{scenario}.toml"
        if shipped.exists():
            return shipped
    return path


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line :class:`ScenarioError`.

    At most :data:`MAX_FILE_BYTES` are read: a larger file, or an endless one, is refused by
    its size before it is parsed.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(str(path), "", "is a folder, not a scenario file") from None
    except OSError as err:
        raise ScenarioError(str(path), "", f"cannot read: {err.strerror or err}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(str(path), "", f"not UTF-8 text (byte {err.start}: {data[err.start]:#04x})") from None
    return parse_toml(text, str(path))


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error (or nesting too deep for the parser) becomes a one-line
    :class:`ScenarioError`, and so does text longer than a scenario file may be.
    """
    if len(text) > MAX_FILE_BYTES:
        raise _too_large(name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(name, "", f"not valid TOML: {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise ScenarioError(name, "", "tables and arrays nest too deeply to parse") from None
    check_depth(data, name)
    return data


def _too_large(name: str) -> ScenarioError:
    return ScenarioError(name, "", f"larger than {MAX_FILE_BYTES >> 20} MiB; a scenario file is a few kB")


def parse_override(item: str, name: str = "--set") -> tuple[str, Any]:
    """``key.path=value`` with the value read as TOML (numbers, booleans, lists) or else a string."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(name, _short(item), "must be key=value, e.g. offenders.count=500")
    if len(item) > MAX_FILE_BYTES:
        raise ScenarioError(name, _short(item), f"longer than {MAX_FILE_BYTES >> 20} MiB")
    if any(ch in item for ch in "\n\r\x00"):  # TOML would read the first line and drop the rest
        raise ScenarioError(name, _short(key), "must be one line: key=value (give one --set per field)")
    if key.count(".") >= MAX_KEY_PARTS:
        raise ScenarioError(name, _short(key), f"more than {MAX_KEY_PARTS} parts; no field is that deep")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ScenarioError(name, key, "the value nests too deeply to parse") from None
    check_depth(value, f"{name} {key}")
    return key, value


MAX_KEY_PARTS = 8
"""Dotted parts of a ``--set`` key (``units.patrol_car.count`` has three)."""


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any],
                    origins: dict[str, str] | None = None) -> dict:
    """A copy of ``data`` with each dotted key set to its value."""
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ScenarioError(origin_of(dotted, value, origins), ".".join(parts[: i + 1]),
                                    "is a value, not a table")
            node = child
        node[parts[-1]] = value
    return data


def origin_of(key: str, value: Any, origins: dict[str, str] | None = None) -> str:
    """How the user gave an override, for error messages: ``origins[key]`` (what they typed,
    e.g. ``--days 2``), else ``--set key=value``.
    """
    if origins and key in origins:
        return origins[key]
    text = str(value).lower() if isinstance(value, bool) else value if isinstance(value, str) else repr(value)
    return f"--set {key}={text}"


def blame_overrides(err: ScenarioError, data: dict[str, Any], file: str, overrides: dict[str, Any],
                    origins: dict[str, str] | None = None) -> ScenarioError:
    """The error of a scenario with overrides, named after the override that made it wrong.

    ``d.toml: offenders.count: must be >= 0`` for ``--set offenders.count=-1`` told the user
    their file was wrong; it becomes ``--set offenders.count=-1: offenders.count: ...``. The
    override to blame is the one that set the field the error names (or a table holding it).
    An error at a table above an override's key (a cross-field check) is the overrides' only
    if the file is valid without them; otherwise the file keeps the blame.
    """
    where = err.field if err.field not in ("", "(top level)") else err.problem.split(":", 1)[0]
    hit = [k for k in overrides if where == k or where.startswith((f"{k}.", f"{k}["))]
    if not hit:
        try:
            _validated(data, file)
        except ScenarioError:
            return err  # the file is wrong by itself
        hit = [k for k in overrides if k.startswith(f"{where}.")] or list(overrides)
    return ScenarioError(" ".join(origin_of(k, overrides[k], origins) for k in hit), err.field, err.problem)


def _with_builtin_defaults(data: dict[str, Any], file: str) -> dict[str, Any]:
    """Unit tables start from their built-in kind; crime tables from the built-in type of that name."""
    data = dict(data)
    units = data.get("units")
    if isinstance(units, dict):
        merged = {}
        for name, table in units.items():
            if not isinstance(table, dict):
                raise ScenarioError(file, f"units.{name}", f"must be a table, got {table!r}")
            kind = table.get("kind", name)
            if kind not in BUILTIN_UNITS:
                allowed = ", ".join(BUILTIN_UNITS)
                field = f"units.{name}.kind" if "kind" in table else f"units.{name}"
                raise ScenarioError(file, field, f"unknown unit kind {kind!r}; allowed: {allowed}")
            merged[name] = {**to_plain(BUILTIN_UNITS[kind]), **table, "kind": kind}
        data["units"] = merged
    crimes = data.get("crimes")
    if isinstance(crimes, dict):
        builtin = to_plain(_crime_types())
        merged = dict(builtin)
        for name, table in crimes.items():
            merged[name] = {**builtin.get(name, {}), **table} if isinstance(table, dict) else table
        data["crimes"] = merged
    return data


def load_spec(
    scenario: str | Path | dict, overrides: dict[str, Any] | None = None,
    origins: dict[str, str] | None = None,
) -> tuple[ScenarioSpec, str]:
    """Read, override and validate a scenario; returns the spec and the name of its source.

    An error that an override caused names the override, not the file (``origins`` maps a
    key to what the user typed for it, e.g. ``{"time.days": "--days 0"}``; by default
    ``--set key=value``).
    """
    if isinstance(scenario, dict):
        data, file = scenario, "<scenario>"
        check_depth(data, file)
    else:
        path = resolve_path(scenario)
        data, file = read_toml(path), str(path)
    if overrides and isinstance(overrides.get("city.source"), str) and overrides["city.source"]:
        from polsim.cities.source import resolve

        # a source typed on the command line is relative to where it was typed
        overrides = {**overrides, "city.source": resolve(overrides["city.source"], Path.cwd())}
    if overrides and isinstance(overrides.get("calls.source"), str) and overrides["calls.source"]:
        overrides = {**overrides, "calls.source": str(Path(overrides["calls.source"]).resolve())}  # likewise
    if not overrides:
        return _validated(data, file), file
    for key, value in overrides.items():
        check_depth(value, (origins or {}).get(key, f"--set {key}"))
    try:
        return _validated(apply_overrides(data, overrides, origins), file), file
    except ScenarioError as err:
        raise blame_overrides(err, data, file, overrides, origins) from None


def _validated(data: dict[str, Any], file: str) -> ScenarioSpec:
    """Build the spec from the file's (overridden) tables and run the checks that need the city."""
    city = data.get("city")
    if isinstance(city, dict) and city.get("source"):
        from polsim.cities.source import check_fields, with_import_defaults

        check_fields(city, file)  # a city read from a file is not generated: no generation fields
        data = {**data, "city": with_import_defaults(city)}
    spec = build(ScenarioSpec, _with_builtin_defaults(data, file), file)
    if spec.city.source:
        from polsim.cities.source import with_city_file

        spec = dataclasses.replace(spec, city=with_city_file(spec.city, file))
    _check_against_city(spec, file)
    return spec


def _check_against_city(spec: ScenarioSpec, file: str) -> None:
    """Checks that need the generated city: explicit bases must stand on cells the unit can leave."""
    explicit = {name: u for name, u in spec.units.items() if u.has_explicit_bases}
    if not explicit:
        return
    from polsim.cities.source import city_for
    from polsim.scenario.budget import check

    check(spec, file)  # generating the city is the first allocation a run would make

    city = city_for(spec.city)
    for name, unit in explicit.items():
        places = [(f"base_cells[{i}]", f"cell ({r}, {c})", (r, c)) for i, (r, c) in enumerate(unit.base_cells)]
        cells = city.cells_at(unit.base_lonlat, unit.base_xy)
        given = [(f"base_lonlat[{i}]", f"longitude/latitude ({x:g}, {y:g})")
                 for i, (x, y) in enumerate(unit.base_lonlat)]
        given += [(f"base_xy[{i}]", f"x/y ({x:g}, {y:g})") for i, (x, y) in enumerate(unit.base_xy)]
        places += [(key, what, (int(r), int(c))) for (key, what), (r, c) in zip(given, cells, strict=True)]
        for key, what, (r, c) in places:
            _check_base(city, unit, file, f"units.{name}.{key}", what, r, c)


def _check_base(city, unit, file: str, where: str, what: str, r: int, c: int) -> None:
    """A base inside the city, on passable land, and for a unit that drives, on a road."""
    if what.startswith("longitude") and city.geo is None:
        raise ScenarioError(file, where, f"{what}: the city has no place on the map; allowed: base_cells, "
                            "base_xy, or city.origin = [longitude, latitude] to place the city")
    if not (0 <= r < city.rows and 0 <= c < city.cols):
        raise ScenarioError(file, where, f"{what} is outside the {city.rows}x{city.cols} city")
    at = f"{what} (cell {r}, {c})" if not what.startswith("cell") else what
    if not city.passable[r, c]:
        raise ScenarioError(file, where, f"{at} is blocked land or water; allowed: a passable cell")
    if not (unit.flies or unit.on_foot) and city.road_kmh[r, c] <= 0:
        raise ScenarioError(file, where, f"{at} has no road a vehicle may drive (a park, a square, a "
                            f"foot path): a {unit.kind} based there could never leave; allowed: a cell on the "
                            "road network")


def load_scenario(
    scenario: str | Path | dict, overrides: dict[str, Any] | None = None, seed: int | None = None,
    origins: dict[str, str] | None = None,
) -> PolicingScenario:
    """Load and validate a scenario file into a :class:`PolicingScenario` seeded with ``seed``."""
    spec, file = load_spec(scenario, overrides, origins)
    return PolicingScenario(rng=seed, spec=spec, source=file)
