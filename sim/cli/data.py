"""``polsim data import``: a force's records (CSV) into polsim's normalised Parquet table."""

from __future__ import annotations

import argparse
from pathlib import Path

from polsim.cli import UsageError
from polsim.data.errors import DataError
from polsim.data.read import MAX_OUTSIDE, Records, combine, normalise, read_csv
from polsim.data.schemas import SCHEMA_NAMES, schema_named
from polsim.data.store import sidecar_path, write_records
from polsim.data.typemap import DISPUTE, type_map_for


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``data`` and its ``import`` subcommand."""
    p = subparsers.add_parser("data", help="import a force's incident records",
                              description="Read crime or calls-for-service records into polsim's table.")
    sub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    imp = sub.add_parser("import", help="CSV records -> normalised Parquet table",
                         description="Read a CSV of records into one normalised Parquet table "
                                     "(with a .meta.json sidecar of counts).")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE",
                     help="the source CSV (several files of one schema make one table)")
    imp.add_argument("--schema", required=True, choices=SCHEMA_NAMES, help="the source's column layout")
    imp.add_argument("--map", dest="column_map", metavar="ROLE=COLUMN,...",
                     help="columns by role (generic schema; renames a built-in schema's columns), "
                          "e.g. time=Date,lon=Lng,lat=Lat,type=Offence[,crs=EPSG:27700]")
    imp.add_argument("--types", type=Path, help="TOML [types] table: source type = scenario type "
                                               "(default: the schema's built-in table)")
    imp.add_argument("--scenario", help="place records on this scenario's city (adds row/col) and check "
                                        "the types against its crime types")
    imp.add_argument("--max-outside", type=float, default=MAX_OUTSIDE,
                     help=f"largest share of placed rows allowed off the city (default {MAX_OUTSIDE})")
    imp.add_argument("--out", type=Path, required=True, help="the Parquet file to write")
    return p


def run(args: argparse.Namespace) -> int:
    """Import, write the table and its sidecar, print the counts."""
    from polsim.cli.common import check_out_dir

    if args.out.exists() and not args.out.is_file():
        raise UsageError(f"--out {args.out}: exists and is not a file")
    check_out_dir(args.out.parent)
    try:
        records = import_records(args)
        write_records(args.out, records)
    except DataError as err:
        raise UsageError(str(err)) from None
    print(describe(records))
    print(f"wrote {args.out} and {sidecar_path(args.out)}")
    return 0


def import_records(args: argparse.Namespace) -> Records:
    """Check the options, then read and normalise the file (nothing is written)."""
    if not 0 <= args.max_outside <= 1:
        raise DataError("--max-outside", str(args.max_outside), "must be a share in 0..1")
    if args.out.suffix != ".parquet":
        raise DataError("--out", str(args.out), "must end in .parquet")
    schema = schema_named(args.schema, args.column_map)
    types = type_map_for(schema.name, args.types)
    geo = passable = None
    if args.scenario:
        from polsim.cities.source import city_for
        from polsim.data.place import frame_of
        from polsim.scenario import load_scenario

        spec = load_scenario(args.scenario).spec
        types.check_targets([*spec.crimes, DISPUTE], "types")
        city = city_for(spec.city)
        geo, passable = frame_of(city), city.passable
    files, repeated = once_each(args.files)
    records = combine([normalise(read_csv(f), schema, types, str(f), geo, args.max_outside, passable)
                       for f in files])
    records.meta["files_given_again"] = [str(f) for f in repeated]
    return records


def once_each(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The files in order, each once (the same file named twice, by any path, is read once),
    and the names given again.
    """
    seen: set[tuple[int, int] | str] = set()
    kept, again = [], []
    for f in files:
        try:
            st = f.stat()
            key: tuple[int, int] | str = (st.st_dev, st.st_ino)
        except OSError:
            key = str(f)  # missing: read_csv says so
        (again if key in seen else kept).append(f)
        seen.add(key)
    return kept, again


def describe(records: Records) -> str:
    """Counts of an import, a line each."""
    m = records.meta
    source = m["source_file"] if isinstance(m["source_file"], str) else f"{len(m['source_file'])} files"
    lines = [f"{m['rows']} rows from {source} ({m['schema']}, {m['types']}, x/y in {m['crs']})",
             "status: " + ", ".join(f"{k} {v}" for k, v in m["status"].items() if v),
             "by type: " + (", ".join(f"{k} {v}" for k, v in m["by_type"].items()) or "none")]
    if m["status"].get("duplicate"):
        lines.append(f"duplicates: {m['status']['duplicate']} rows repeat the id of an earlier row (kept once: "
                     "the first; the others have status duplicate)")
    if m.get("files_given_again"):
        lines.append(f"given again and read once: {', '.join(m['files_given_again'])}")
    if m["ignored_types"]:
        lines.append("ignored types: " + ", ".join(f"{k} {v}" for k, v in m["ignored_types"].items()))
    lines.append("months: " + (", ".join(m["months"]) if len(m["months"]) <= 6
                               else f"{m['months'][0]} .. {m['months'][-1]} ({len(m['months'])})"))
    return "\n".join(lines)
