"""``polsim city import``: a real city from an OpenStreetMap extract (docs/cities.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.common import add_memory_argument, apply_memory_limit, out_path

GRID_M = 500.0
"""The side of a comprehensive grid when ``--grid-cells`` is not given: a generated city's default."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``city`` and its verb ``import``."""
    p = subparsers.add_parser("city", help="import a real city from OpenStreetMap",
                              description="Make a city file from an OpenStreetMap extract; a scenario "
                                          "uses it with [city] source = \"FOLDER\".")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    imp = verbs.add_parser("import", help="an .osm.pbf or .osm extract to a city folder",
                           description="Project the extract to the UTM zone of its centre, rasterise "
                                       "roads, land use, water, buildings, shops, stops, police stations "
                                       "and cameras onto a lattice, and write the city folder (layers.npz, "
                                       "city.json, preview.png).")
    imp.add_argument("osm", type=Path, help="OpenStreetMap extract (.osm.pbf or .osm)")
    imp.add_argument("--out", type=out_path, required=True, help="city folder to write (replaced if it is one)")
    imp.add_argument("--cell-m", type=float, default=100.0, help="side of a cell in metres (default 100)")
    imp.add_argument("--bbox", help="W,S,E,N in degrees: import only this box (default: the whole extract); "
                                    "--bbox -122.5,37.7,-122.4,37.8 works as written")
    imp.add_argument("--boundaries", type=Path,
                     help="GeoJSON of police-station (or grid) polygons in longitude/latitude")
    imp.add_argument("--code", help="6-digit administrative division heading grid codes (default 000000: none)")
    imp.add_argument("--grid-cells", type=int,
                     help="side of a comprehensive grid, in cells (default: about 500 m, as a generated city's)")
    imp.add_argument("--station-grids", type=int, default=4,
                     help="side of a station area, in grids (without --boundaries)")
    imp.add_argument("--district-stations", type=int, default=2,
                     help="side of a district, in station areas (without --boundaries)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    add_memory_argument(imp)
    return p


def _options(args: argparse.Namespace):
    from polsim.cities.build import NO_DIVISION, ImportOptions
    from polsim.cities.projection import parse_bbox

    args.code = NO_DIVISION if args.code is None else args.code
    if not (len(args.code) == 6 and args.code.isdigit()):
        raise UsageError(f"--code must be 6 digits, got {args.code!r}")
    if args.grid_cells is None:
        args.grid_cells = min(max(1, round(GRID_M / args.cell_m)), 1000) if args.cell_m > 0 else 1
    for flag in ("grid_cells", "station_grids", "district_stations"):
        if not 1 <= getattr(args, flag) <= 1000:
            raise UsageError(f"--{flag.replace('_', '-')} must be 1..1000, got {getattr(args, flag)}")
    return ImportOptions(cell_m=args.cell_m, bbox=parse_bbox(args.bbox) if args.bbox else None,
                         boundaries=args.boundaries, code=args.code, grid_cells=args.grid_cells,
                         station_grids=args.station_grids, district_stations=args.district_stations)


def run(args: argparse.Namespace) -> int:
    """Import the extract and say what the city holds."""
    from polsim.cities.build import import_city
    from polsim.cities.cityfile import META_FILE, PREVIEW_FILE, read_meta
    from polsim.cli.common import check_out_dir

    apply_memory_limit(args)
    options = _options(args)
    check_out_dir(args.out)
    out = import_city(args.osm, args.out, options, progress=not args.quiet)
    meta = read_meta(out)
    geo, counts = meta["geo"], meta["counts"]
    print(f"{out}/: {geo['rows']} x {geo['cols']} cells of {geo['cell_m']:g} m in {geo['crs']}, "
          f"{counts['drivable_cells']} drivable, {counts['police_stations']} police stations, "
          f"{counts['cameras']} cameras, {len(meta['grid_codes'])} grids; source dated {meta['source']['date']}")
    for warning in meta["warnings"]:
        print(f"note: {warning}")
    print(f"see {out / PREVIEW_FILE}; a scenario uses it with [city] source = \"{out}\" ({META_FILE} says more)")
    return 0
