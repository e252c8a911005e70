"""The city file: a folder with ``layers.npz`` (the rasters), ``city.json`` (what they are and
where they lie) and ``preview.png``, written atomically; and the :class:`~polsim.cities.city.City`
read back from it.

``city.json`` holds the format, the CRS, north-west corner and cell size, the source file
and its date, the area's bounding box, the attribution (the data are OpenStreetMap's, under
the ODbL), the layer table, the import options, the grid codes and the station names.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import math
import os
import shutil
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

from polsim.cities.city import City, busiest_spread, camera_coverage, camera_sites_by_footfall, nearest_index
from polsim.cities.errors import CityError
from polsim.cities.geo import Geo, check_crs
from polsim.files import process_alive
from polsim.scenario.schema import LAND_USES, CitySpec

FORMAT = "polsim-city/1"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
LAYERS_FILE, META_FILE, PREVIEW_FILE = "layers.npz", "city.json", "preview.png"

LAYERS: dict[str, tuple[str, str]] = {
    "land_use": ("int8", f"land-use code: {', '.join(f'{i} {n}' for i, n in enumerate(LAND_USES))}"),
    "residents": ("float32", "residents of the cell"),
    "footfall_base": ("float32", "relative footfall before the hourly profile"),
    "road_kmh": ("float32", "free-flow km/h of the fastest road a vehicle may drive in the cell (0: none)"),
    "road_class": ("int8", "code of the cell's most important road (docs/cities.md; 0: none)"),
    "foot": ("bool", "a person on foot may cross the cell"),
    "checkpoints": ("bool", "a major road leaves the city here (the cordon's checkpoints)"),
    "grid_id": ("int32", "comprehensive grid (index into grid_codes)"),
    "station_id": ("int32", "police-station area"),
    "district_id": ("int32", "police district"),
    "inside": ("bool", "the cell's centre lies inside the imported area"),
    "water": ("bool", "water (lakes, rivers, sea); blocked unless a bridge crosses it"),
    "camera_sites": ("int64", "flat cell index of every mapped camera (man_made=surveillance), one per camera"),
    "bases_station": ("int32", "station bases (row, col): mapped police stations, else station-area centres"),
    "bases_district": ("int32", "district bases (row, col)"),
    "bases_grid": ("int32", "grid bases (row, col)"),
}
"""Every array of ``layers.npz``: its type and meaning (rows x cols unless a list of sites)."""

SITE_LAYERS = ("camera_sites", "bases_station", "bases_district", "bases_grid")

EXTRA_CAMERA_SEED = 0xCA3E
"""Seed of the cameras placed by footfall where the city maps fewer than the scenario's ``cameras``."""



def check_out(out: Path) -> None:
    """Refuse, before anything is read, an ``--out`` that is a folder other than a city's (it
    would be replaced) or something other than a folder.
    """
    if out.exists() and not out.is_dir():
        raise CityError(str(out), "--out", "exists and is not a folder; allowed: a new folder, or a city "
                        "folder to replace")
    if out.exists() and not (out / META_FILE).is_file():
        raise CityError(str(out), "--out", "exists and is not a city file folder; allowed: a new folder, "
                        "or a city folder to replace")


def write_city_file(out: Path, city) -> None:
    """Write an imported city (``ImportedCity``) to the folder ``out``, atomically: everything
    goes to a hidden folder beside it, renamed into place at the end. Hidden folders that an
    import killed before its end left beside ``out`` are removed first (:func:`remove_stale`).
    """
    from polsim.cities.preview import draw_preview

    out = Path(os.path.abspath(out))  # "." or "x/.." has no name to hide a folder beside
    check_out(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(out)
        tmp = out.parent / f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
        tmp.mkdir()
    except OSError as err:
        raise CityError(str(out), "--out", f"cannot write here: {err.strerror or err}") from None
    try:
        meta = {"format": FORMAT, "attribution": ATTRIBUTION, **city.meta,
                "layers": {name: {"dtype": d, "meaning": m} for name, (d, m) in LAYERS.items()}}
        np.savez_compressed(tmp / LAYERS_FILE, **{k: np.asarray(v, LAYERS[k][0]) for k, v in city.layers.items()})
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        draw_preview(city.layers, meta, tmp / PREVIEW_FILE)
        _swap_in(tmp, out)
    except OSError as err:
        raise CityError(str(out), "--out", f"cannot write the city file: {err.strerror or err}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _pid_of(name: str) -> int | None:
    """The process id in a hidden folder's name (``.NAME.PID-XXXXXXXX.tmp``); None in an older name."""
    middle = name.rsplit(".", 2)[-2] if name.count(".") >= 2 else ""
    pid, dash, _ = middle.partition("-")
    return int(pid) if dash and pid.isdigit() else None


def remove_stale(out: Path) -> list[Path]:
    """Remove the hidden ``.NAME.*.tmp`` and ``.NAME.*.old`` folders beside ``out`` whose import
    is no longer running (killed before it could clean up); returns what was removed.
    """
    removed = []
    for path in out.parent.glob(f".{glob.escape(out.name)}.*"):
        if path.suffix not in (".tmp", ".old") or not path.is_dir():
            continue
        pid = _pid_of(path.name)
        if pid is None or (pid != os.getpid() and not process_alive(pid)):  # this process's: another thread's
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _swap_in(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.old"
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_city_file(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """``city.json`` and the arrays of ``layers.npz``, checked; a bad file is a one-line error."""
    meta = read_meta(folder)
    path = folder / LAYERS_FILE
    try:
        with np.load(path, allow_pickle=False) as npz:
            layers = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise CityError(str(path), "", "file not found; allowed: a city folder made by `polsim city import`") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CityError(str(path), "", f"not a readable layers file ({reason}); allowed: a city folder "
                        "made by `polsim city import` (import it again)") from None
    _check_layers(layers, meta, str(path))
    return meta, layers


def read_meta(folder: Path) -> dict:
    """``city.json`` of a city folder, with its format and lattice checked."""
    path = folder / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CityError(str(folder), "", "is not a city folder (no city.json); allowed: a folder made by "
                        "`polsim city import`, or an OpenStreetMap extract (.osm.pbf, .osm)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CityError(str(path), "", f"not valid JSON: {str(err).splitlines()[0]}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise CityError(str(path), "format", f"is {found!r}; allowed: {FORMAT!r}")
    _check_meta(meta, str(path))
    return meta


META_FIELDS: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "geo.crs": ("the lattice's CRS", str), "geo.west": ("metres", (int, float)),
    "geo.north": ("metres", (int, float)), "geo.cell_m": ("metres", (int, float)),
    "geo.rows": ("cells", int), "geo.cols": ("cells", int), "grid_codes": ("15-digit codes", list),
    "options.code": ("6 digits", str), "options.grid_cells": ("cells", int),
    "options.station_grids": ("grids", int), "options.district_stations": ("stations", int),
}
"""What a scenario reads from ``city.json`` (beyond the format), and its type."""


def _check_meta(meta: dict, where: str) -> None:
    """Every field a scenario reads from ``city.json`` present, of its type and in the scenario's
    bounds (an edited file is the one-line error, not a failure later).
    """
    from polsim.cities.projection import CELL_M, MAX_SIDE, MIN_SIDE

    for dotted, (what, kind) in META_FIELDS.items():
        node = meta
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        nan = isinstance(node, float) and not math.isfinite(node)
        if isinstance(node, bool) or not isinstance(node, kind) or nan:
            raise CityError(where, dotted, f"is {_short(node)}; allowed: {what} ({_type_name(kind)}), as "
                            "`polsim city import` wrote it (import the city again)")
    geo = meta["geo"]
    for side in ("rows", "cols"):
        if not MIN_SIDE <= geo[side] <= MAX_SIDE:
            raise CityError(where, f"geo.{side}", f"is {geo[side]}; allowed: {MIN_SIDE}..{MAX_SIDE}")
    if not CELL_M[0] <= geo["cell_m"] <= CELL_M[1]:
        raise CityError(where, "geo.cell_m", f"is {geo['cell_m']}; allowed: {CELL_M[0]:g}..{CELL_M[1]:g}")
    codes = meta["grid_codes"]
    if not codes or not all(isinstance(c, str) and len(c) == 15 and c.isdigit() for c in codes):
        raise CityError(where, "grid_codes", "allowed: a list of 15-digit codes, as `polsim city import` wrote it")
    try:
        from polsim.scenario.validate import build

        build(CitySpec, {"rows": geo["rows"], "cols": geo["cols"], "cell_m": float(geo["cell_m"]),
                         "code": meta["options"]["code"], "grid_cells": meta["options"]["grid_cells"],
                         "station_grids": meta["options"]["station_grids"],
                         "district_stations": meta["options"]["district_stations"], "land_use": {}}, where)
        check_crs(geo["crs"])
    except ValueError as err:
        raise CityError(where, "geo.crs", str(err)) from None


GEO_KEYS = ("crs", "west", "north", "cell_m", "rows", "cols")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"str": "text", "int": "an integer", "float": "a number", "list": "a list"}[k.__name__]
                       for k in kinds)


def _check_layers(layers: dict[str, np.ndarray], meta: dict, where: str) -> None:
    shape = (meta["geo"]["rows"], meta["geo"]["cols"])
    for name, (dtype, _) in LAYERS.items():
        if name not in layers:
            raise CityError(where, name, "layer missing; allowed: a file written by `polsim city import`")
        a = layers[name]
        if a.dtype != np.dtype(dtype) or (name not in SITE_LAYERS and a.shape != shape):
            raise CityError(where, name, f"is {a.dtype} {a.shape}; allowed: {dtype} {shape}")
    lu = layers["land_use"]
    if lu.min() < 0 or lu.max() >= len(LAND_USES):
        raise CityError(where, "land_use", f"codes must be 0..{len(LAND_USES) - 1}")
    if layers["grid_id"].min() < 0 or layers["grid_id"].max() >= len(meta["grid_codes"]):
        raise CityError(where, "grid_id", f"labels must be 0..{len(meta['grid_codes']) - 1}, one a grid code of "
                        "city.json")
    rows, cols = shape
    if len(layers["camera_sites"]) and not (0 <= layers["camera_sites"].min() <= layers["camera_sites"].max()
                                            < rows * cols):
        raise CityError(where, "camera_sites", f"must be flat cell indices 0..{rows * cols - 1}")
    for name in SITE_LAYERS[1:]:
        sites = layers[name].reshape(-1, 2) if layers[name].size % 2 == 0 else None
        if sites is None or not len(sites) or not ((sites >= 0).all() and (sites[:, 0] < rows).all()
                                                   and (sites[:, 1] < cols).all()):
            raise CityError(where, name, f"must be at least one (row, col) cell inside {rows} x {cols}")


def spec_for_file(spec: CitySpec, meta: dict) -> CitySpec:
    """``spec`` with the lattice and grid options of the city file (what ``polsim scenarios`` shows)."""
    geo, opts = meta["geo"], meta["options"]
    return dataclasses.replace(spec, rows=int(geo["rows"]), cols=int(geo["cols"]), cell_m=float(geo["cell_m"]),
                               code=str(opts["code"]), grid_cells=int(opts["grid_cells"]),
                               station_grids=int(opts["station_grids"]),
                               district_stations=int(opts["district_stations"]))


def load_city(spec: CitySpec, folder: Path) -> City:
    """The city of the city file in ``folder`` (``spec.source``'s, already resolved)."""
    meta, layers = read_city_file(folder)
    spec = spec_for_file(spec, meta)
    shape = layers["land_use"].shape
    city = City(spec, layers["land_use"], layers["residents"], layers["footfall_base"], np.zeros(shape, bool),
                layers["grid_id"], layers["station_id"], layers["district_id"], list(meta["grid_codes"]),
                road_kmh=layers["road_kmh"], foot=layers["foot"], road_class=layers["road_class"],
                checkpoints=layers["checkpoints"], cell_m=spec.cell_m, geo=Geo(**{k: meta["geo"][k] for k in GEO_KEYS}),
                info={k: meta[k] for k in ("source", "bbox", "attribution", "warnings") if k in meta}
                | {"folder": str(folder)}, water=layers["water"])
    city.camera = camera_coverage(city, _camera_sites(city, layers["camera_sites"], spec.cameras),
                                  spec.camera_radius_m)
    city.bases = _bases(city, layers, spec)
    return city


def _camera_sites(city: City, mapped: np.ndarray, wanted: int) -> np.ndarray:
    """The mapped cameras, and more by footfall up to ``wanted`` when fewer are mapped."""
    rng = np.random.default_rng(EXTRA_CAMERA_SEED)
    extra = camera_sites_by_footfall(city, wanted - len(mapped), rng, taken=mapped)
    return np.concatenate([mapped, extra])


def _bases(city: City, layers: dict[str, np.ndarray], spec: CitySpec) -> dict[str, np.ndarray]:
    """The file's station, district and grid bases; workstations and centres in the busiest
    neighbourhoods (as for a generated city), on the nearest drivable cell.
    """
    out = {kind: layers[f"bases_{kind}"].reshape(-1, 2) for kind in ("station", "district", "grid")}
    nearest = nearest_index(city.road_kmh > 0)
    for kind, n in (("workstation", max(spec.workstations, 1)), ("centre", spec.centres)):
        cells = busiest_spread(city, n)
        out[kind] = np.stack([nearest[0][cells[:, 0], cells[:, 1]], nearest[1][cells[:, 0], cells[:, 1]]],
                             axis=1).astype(np.int32).reshape(-1, 2)
    return out

