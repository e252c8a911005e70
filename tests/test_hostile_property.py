"""Property: whatever scenario file and command-line values a hostile user gives, ``polsim`` ends in
one of two ways. Exit 0 with its results, or exit 2 with one line on stderr and nothing written;
never a traceback, never more memory than the process may have.

The fast profile runs in this process with its address space capped (``RLIMIT_AS``: what it
maps now plus ``HEADROOM``) so a scenario the memory estimate lets through and that then does
not fit shows as a failure; the slow one runs each case as ``python -m polsim`` in a process of
its own, under the same cap and a time limit, with more examples.
"""

from __future__ import annotations

import dataclasses
import math
import resource
import subprocess
import sys
import typing
from contextlib import contextmanager
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from polsim.cli import main
from polsim.output import is_complete
from polsim.scenario.schema import ScenarioSpec

HEADROOM = 3 * 2**30
"""Address space a case may add to what the process maps already."""

ROOT = Path(__file__).resolve().parents[1]


def _paths(cls=ScenarioSpec, prefix=""):
    """(dotted field, its bounds) for every field, and a few of the unit and crime tables'."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _paths(tp, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", tuple(f.metadata[k] for k in ("ge", "le") if k in f.metadata)
    if cls is ScenarioSpec:
        from polsim.scenario.schema import CrimeType, UnitType

        units = dict(_paths(UnitType))
        crimes = dict(_paths(CrimeType))
        for name in ("count", "sight_m", "deter_m", "capture_m", "base_cells", "crew"):
            yield f"units.patrol_car.{name}", units[name]
        yield "units.drone.deter_m", units["deter_m"]
        for name in ("weight", "on_scene_min", "report_delay_min"):
            yield f"crimes.robbery.{name}", crimes[name]


BOUNDS = dict(_paths())
FIELDS = sorted(BOUNDS)

NUMBERS = st.one_of(
    st.sampled_from([0, -1, 1, 2, 3, 2**31, 2**63 - 1, 2**64, 10**30, 0.0, -0.0, 1e-300, 5e-324, 1e-9, 0.01,
                     0.5, 1e6, 1e12, 1e308, -1e308, math.nan, math.inf, -math.inf]),
    st.integers(-10**6, 10**8), st.floats(allow_nan=True, allow_infinity=True))
TEXT = st.one_of(st.sampled_from(["", "x" * 5000, "a\x00b", "evil\x1b[31m", "../../up", "/tmp/x/evil", "名字"]),
                 st.text(max_size=30))
LEAVES = st.one_of(NUMBERS, TEXT, st.booleans())
VALUES = st.one_of(
    LEAVES,
    st.lists(LEAVES, max_size=30),
    st.lists(st.lists(NUMBERS, max_size=3), max_size=5),
    st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=2), max_leaves=14),  # nested deep
    st.dictionaries(st.sampled_from(["residential", "park", "blocked", "x", "a.b", "\x07"]), NUMBERS, max_size=4),
)


def edges_of(field: str):
    """A field's own bounds (the valid ones: ``ge`` and ``le``), or any hostile value if it has none."""
    return st.sampled_from(BOUNDS[field]) if BOUNDS[field] else VALUES


def values_for(field: str):
    """Hostile values, and the field's own bounds (valid but as large or small as allowed)."""
    edges = BOUNDS[field]
    if not edges:
        return VALUES
    return st.one_of(VALUES, st.sampled_from(edges), st.sampled_from(edges).map(lambda b: b * 1.001 if b else -1))


def _set(data: dict, dotted: str, value) -> dict:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value
    return data


@st.composite
def hostile_files(draw, edges_only: bool) -> str:
    """The TOML text of a scenario with one to three fields set to hostile values, or raw text;
    ``edges_only``: one or two fields at the largest or smallest value they allow."""
    if not edges_only and draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=300))
    data: dict = {"city": {"rows": 20, "cols": 20}}  # small unless a field says otherwise
    for _ in range(draw(st.integers(1, 2 if edges_only else 3))):
        field = draw(st.sampled_from(FIELDS))
        _set(data, field, draw(edges_of(field) if edges_only else values_for(field)))
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # a value TOML cannot hold: the plain text of it
        return repr(data)


def _toml_text(value) -> str:
    try:
        return tomli_w.dumps({"v": value})[4:].strip()
    except (TypeError, ValueError):
        return str(value)


@st.composite
def hostile_commands(draw, path: str, out: str, plain: bool) -> list[str]:
    """``polsim run`` or ``validate`` of the file, with hostile --set, --seed, --policy, --days values
    (``plain``: a run of three steps, or validate, as they are)."""
    if plain:
        return draw(st.sampled_from([["validate", path], ["run", path, "--out", out, "--no-progress", "--steps", "3"]]))
    if draw(st.booleans()):
        args = ["validate", path]
    else:
        args = ["run", path, "--out", out, "--no-progress"]
        if draw(st.integers(0, 3)) == 0:  # --days: only values that are wrong or a few steps at most
            days = draw(st.one_of(st.sampled_from([0.0, -1.0, 1e-300, 1e308, 3661.0, math.nan, math.inf]),
                                  st.floats(max_value=0.01)))
            args += ["--days", repr(days)]
        else:
            args += ["--steps", str(draw(st.sampled_from([1, 3, 5, 0, -1, 10**8, 2**63])))]
        if draw(st.booleans()):
            args += ["--seed", str(draw(st.sampled_from([0, 1, -1, 2**63, 10**40])))]
        if draw(st.integers(0, 3)) == 0:
            args += ["--policy", draw(st.sampled_from(["hotspot+cordon", "nope", "", "+", ":", "os:sep",
                                                      "polsim.__main__:X", "polsim.policies.combined:Combined"]))]
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from(FIELDS))
        args += ["--set", f"{field}={_toml_text(draw(values_for(field)))}"]
    if draw(st.integers(0, 4)) == 0:
        args += ["--max-memory", draw(st.sampled_from(["0", "-1", "nan", "1e-9", "lots", "0.0001", "1000"]))]
    return args


@contextmanager
def capped_address_space(extra: int):
    """``RLIMIT_AS`` at what this process maps now plus ``extra`` bytes, restored afterwards."""
    mapped = next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text().splitlines()
                  if line.startswith("VmSize:"))
    before = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped + extra if before[1] == resource.RLIM_INFINITY else min(mapped + extra, before[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)


def check_outcome(code: int, stderr: str, out: Path, args: list[str]) -> None:
    """Exit 0 with results, or exit 2 with one line and nothing written."""
    assert "Traceback" not in stderr, (args, stderr[-3000:])
    if code == 0:
        assert args[0] == "validate" or is_complete(out), (args, stderr)
        return
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, (args, code, stderr[-3000:])
    assert not out.exists(), (args, stderr)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_files_and_values_end_cleanly(tmp_path_factory, data, capsys):
    folder = tmp_path_factory.mktemp("case")
    path, out = folder / "s.toml", folder / "out"
    plain = data.draw(st.booleans(), label="valid at the edges")
    path.write_text(data.draw(hostile_files(plain)), encoding="utf-8", errors="surrogatepass")
    args = data.draw(hostile_commands(str(path), str(out), plain))
    capsys.readouterr()
    with capped_address_space(HEADROOM):
        code = main(args)
    event(f"{args[0]} exit {code}")
    check_outcome(code, capsys.readouterr().err, out, args)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_files_and_values_end_cleanly_in_their_own_process(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("case")
    path, out = folder / "s.toml", folder / "out"
    plain = data.draw(st.booleans(), label="valid at the edges")
    path.write_text(data.draw(hostile_files(plain)), encoding="utf-8", errors="surrogatepass")
    args = data.draw(hostile_commands(str(path), str(out), plain))
    code = ("import resource, sys; from pathlib import Path\n"
            "mapped = next(int(l.split()[1]) * 1024 for l in Path('/proc/self/status').read_text().splitlines()"
            " if l.startswith('VmSize:'))\n"
            f"resource.setrlimit(resource.RLIMIT_AS, (mapped + {HEADROOM}, resource.RLIM_INFINITY))\n"
            "from polsim.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          cwd=folder)
    check_outcome(done.returncode, done.stderr, out, args)


# -- the import commands (issue 26) ------------------------------------------------------------
DEGREES = st.one_of(st.floats(-200, 200), st.sampled_from([math.nan, math.inf, -math.inf, -180.0, 180.0, 84.0,
                                                           -80.0, 0.0, 1e-12]))


@given(w=DEGREES, s=DEGREES, width=st.floats(0, 400), height=st.floats(0, 200), cell_m=NUMBERS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_box_and_cell_size_is_a_lattice_in_the_engines_bounds_or_one_line(w, s, width, height, cell_m):
    """Whatever box and cell size an import is given, the lattice is one the engine takes (the
    scenario's bounds) or the one-line error, decided before any geometry the size of the city."""
    from polsim.cities.errors import CityError
    from polsim.cities.projection import MAX_SIDE, MIN_SIDE, lattice_for
    from polsim.scenario.schema import MAX_CELLS

    box = (w, s, w + width, s + height)
    try:
        geo, _ = lattice_for(box, float(cell_m), "x.osm")
    except CityError as err:
        event("refused")
        assert len(str(err).splitlines()) == 1
        return
    event("laid")
    assert geo.rows * geo.cols <= MAX_CELLS
    assert MIN_SIDE <= min(geo.rows, geo.cols) <= max(geo.rows, geo.cols) <= MAX_SIDE


JSON = st.recursive(st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=5),
                                            st.dictionaries(st.sampled_from(["type", "coordinates", "name", "code",
                                                                             "district", "x"]), inner, max_size=4)),
                    max_leaves=30)
RING = st.lists(st.tuples(DEGREES, DEGREES).map(list), min_size=0, max_size=7)


@given(ring=RING, props=st.dictionaries(st.sampled_from(["name", "code", "district"]), JSON, max_size=3),
       geometry=st.one_of(st.none(), JSON))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_police_areas_file_is_read_or_one_line(ring, props, geometry, tmp_path):
    """A police-areas GeoJSON of any rings and properties gives polygons or the one-line error."""
    import json

    from polsim.cities.errors import CityError
    from polsim.cities.police_areas import read_boundaries

    polygon = {"type": "Polygon", "coordinates": [ring]}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": polygon},
        {"type": "Feature", "properties": {}, "geometry": geometry}]}
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(doc))
    try:
        areas = read_boundaries(path)
    except CityError as err:
        event("refused")
        assert len(str(err).splitlines()) == 1
        return
    event("read")
    assert all(a.geom.is_valid and len(a.code) in (0, 12, 15) for a in areas)
