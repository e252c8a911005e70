"""``polsim coverage``: the 1-, 3- and 5-minute circles of a deployment, and ``polsim coverage
site``: where k new sites would cover most (docs/coverage.md).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from polsim.cli import UsageError
from polsim.cli.common import check_out_dir, check_seed, load_checked, out_path

DEMANDS = ("residents", "footfall", "crime", "calls")
"""What siting may cover."""
MAX_BANDS = 8
"""The most bands a study draws (the maps have colours for five; more nest too finely to read)."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``coverage`` (``coverage SCENARIO`` and ``coverage site SCENARIO``)."""
    p = subparsers.add_parser(
        "coverage", help="1-3-5 minute service areas by hour and unit type; `coverage site`: where to add sites",
        description="polsim coverage SCENARIO --out DIR: minutes from the nearest unit to every cell by the "
                    "engine's travel rule, the share of area, residents, footfall, crime and calls inside "
                    "each band (city-wide, by district, station and grid), the gaps, maps, GIS files and "
                    "report.html. polsim coverage site SCENARIO --add K: the K sites that cover most demand "
                    "within --within minutes (maximal covering), or --share S: the fewest sites covering "
                    "that share (set covering), solved by HiGHS, with a scenario that runs them.")
    p.add_argument("scenario", help="scenario file or shipped name; or the word `site` followed by the scenario")
    p.add_argument("site_scenario", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override any scenario field (repeatable)")
    p.add_argument("--out", type=out_path, required=True, help="output folder")
    p.add_argument("--from", dest="source", default="bases", choices=("bases", "posts", "patrol"),
                   help="where units stand: their bases, only standing posts, or where a run has them at the hour")
    p.add_argument("--unit-type", help="comma-separated unit types (default: every responding type)")
    p.add_argument("--together", action="store_true",
                   help="only the field of the unit types together (not one for each type as well)")
    p.add_argument("--hours", help="comma-separated hours of the day (default: the quietest and busiest)")
    p.add_argument("--minutes", default="1,3,5", help="band limits in minutes (default 1,3,5)")
    p.add_argument("--data", type=Path, help="records imported by `polsim data import`: the crime to count")
    p.add_argument("--run", type=Path, help="a `polsim run` folder on the scenario's city: simulated crime and "
                                            "calls, and static coverage against the run's within-N")
    p.add_argument("--vector", choices=("gpkg", "geojson"), default="gpkg", help="band polygons' format")
    p.add_argument("--seed", type=int, default=1, help="run seed for --from patrol (default 1)")
    site = p.add_argument_group("coverage site")
    site.add_argument("--add", type=int, help="sites to add (maximal covering)")
    site.add_argument("--share", type=float, help="share of demand to cover with the fewest sites (set covering)")
    site.add_argument("--kind", choices=("workstation", "post"), default="workstation",
                      help="what the new sites are (sets the default --unit-type)")
    site.add_argument("--within", type=float, default=3.0, help="minutes a site must reach demand in (default 3)")
    site.add_argument("--demand", choices=DEMANDS, default="residents", help="what to cover (default residents)")
    site.add_argument("--candidates", default="roads:10",
                      help="bases:KIND (the city's bases of a kind), stations (mapped police stations), "
                           "roads:N (a road cell every N cells), or cells:R,C;R,C... (default roads:10)")
    site.add_argument("--hour", type=int, help="hour of the day for siting (default: the busiest)")
    return p


def _numbers(text: str, option: str, kind=float) -> list:
    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a comma-separated list of numbers") from None
    return values


def hours_from(text: str | None, spec) -> tuple[int, ...]:
    """--hours as hours of the day; default the quietest and the busiest footfall hours."""
    if text is None:
        by_hour = np.asarray(spec.city.footfall_by_hour)
        return tuple(sorted({int(np.argmin(by_hour)), int(np.argmax(by_hour))}))
    hours = _numbers(text, "--hours", int)
    for h in hours:
        if not 0 <= h <= 23:
            raise UsageError(f"--hours: {h} is not an hour of the day; allowed: 0..23")
    return tuple(dict.fromkeys(hours))


def bands_from(text: str) -> tuple[float, ...]:
    """--minutes as increasing band limits, each finite and > 0."""
    bands = _numbers(text, "--minutes")
    for b in bands:
        if not (math.isfinite(b) and 0 < b <= 1440):
            raise UsageError(f"--minutes: {b:g} is not a band; allowed: minutes in (0, 1440]")
    if len(set(bands)) > MAX_BANDS:
        raise UsageError(f"--minutes: {len(set(bands))} bands; allowed: at most {MAX_BANDS}")
    return tuple(sorted(set(bands)))


def unit_types_from(text: str | None, spec) -> tuple[str, ...]:
    """--unit-type as the scenario's unit types that have units; default every responding one."""
    present = [n for n, ut in spec.units.items() if ut.count > 0]
    if text is None:
        chosen = [n for n in present if spec.units[n].responds] or present
    else:
        chosen = [t.strip() for t in text.split(",")]
        for t in chosen:
            if t not in present:
                raise UsageError(f"--unit-type: the scenario has no units of type {t!r}; allowed: "
                                 f"{', '.join(present) or 'none'}")
    if not chosen:
        raise UsageError("--unit-type: the scenario has no units")
    return tuple(dict.fromkeys(chosen))


def run(args: argparse.Namespace) -> int:
    """``coverage`` or ``coverage site``: check everything, compute, write."""
    if args.scenario == "site":
        if not args.site_scenario:
            raise UsageError("coverage site: give the scenario (polsim coverage site SCENARIO --add K --out DIR)")
        args.scenario = args.site_scenario
        return _site(args)
    if args.site_scenario:
        raise UsageError(f"coverage: unexpected {args.site_scenario!r} (did you mean polsim coverage site?)")
    if args.add is not None or args.share is not None:
        raise UsageError("--add/--share: siting options; use polsim coverage site SCENARIO")
    return _coverage(args)


def _common(args: argparse.Namespace):
    from polsim.cities.source import city_for

    check_seed(args.seed, "--seed")
    scenario = load_checked(argparse.Namespace(**{**vars(args), "policy": "random"}))
    spec = scenario.spec
    check_out_dir(args.out)
    city = city_for(spec.city)
    extra, incidents = {}, None
    if args.data is not None:
        extra["crime"] = _recorded(args.data, city)
    if args.run is not None:
        crime, calls, incidents = _simulated(args.run, spec, city)
        extra.setdefault("crime", crime)
        extra["calls"] = calls
    return scenario, city, extra, incidents


def _coverage(args: argparse.Namespace) -> int:
    from polsim.coverage import report
    from polsim.coverage.dynamic import static_dynamic
    from polsim.coverage.study import ALL, Request, compute, labels, study_tables

    scenario, city, extra, incidents = _common(args)  # every option is checked before anything is written
    spec = scenario.spec
    request = Request(hours_from(args.hours, spec), bands_from(args.minutes), unit_types_from(args.unit_type, spec),
                      args.source, args.seed, per_type=not args.together)
    started = time.perf_counter()
    study = compute(scenario, city, request)
    rank_by = "calls" if "calls" in extra else "crime" if "crime" in extra else "residents"
    frames = study_tables(study, city, extra, rank_by)
    label = ALL if ALL in labels(request) else request.unit_types[0]
    compared = static_dynamic(study, incidents, spec.time.start_hour, label) if incidents is not None else None
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / report.DONE).unlink(missing_ok=True)
    files = report.write_tables(out, frames)
    files += report.write_gis(out, study, city, f".{args.vector}")
    maps = report.write_maps(out, study, city, label)
    attribution = city.info.get("attribution")
    report.html_report(out, f"Coverage: {spec.name}", frames, maps, [f for f in files if not f.endswith(".csv")],
                       compared, attribution)
    summary = {"scenario": spec.name, "scenario_file": scenario.source, "hours": list(request.hours),
               "bands_min": list(request.bands), "unit_types": list(request.unit_types), "source": request.source,
               "seconds": round(time.perf_counter() - started, 3), "files": [*files, *maps, "report.html"],
               "citywide": frames["citywide"].to_dict(orient="records"), "static_dynamic": compared,
               "attribution": attribution}
    report.write_done(out, _finite(summary))
    for row in frames["citywide"].itertuples():
        print(f"{row.hour:02d}:00 {row.unit_type:<18} within {row.band_min:g} min: area {row.area_km2_share:.1%}, "
              f"residents {row.residents_share:.1%}")
    print(f"results in {out}/ (report.html)")
    return 0


def _finite(value):
    """JSON has no NaN: a missing share is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _recorded(path: Path, city) -> np.ndarray:
    """Recorded crime per cell from a ``polsim data import`` table; records that mostly fall
    off the city (a file of another city) are the one-line error.
    """
    from polsim.data.errors import DataError
    from polsim.data.place import frame_of, place_records
    from polsim.data.read import MAX_OUTSIDE
    from polsim.data.store import read_records

    try:
        records = read_records(path)
        table = records.table[records.table["status"] == "ok"]
        if table.empty:
            raise DataError(path, "", "has no usable records (status ok)")
        placed = place_records(table, records.meta.get("crs", "unknown"), frame_of(city), str(path))
    except DataError as err:
        raise UsageError(f"--data {err}") from None
    on = placed.row >= 0
    located = int(placed.located.sum())
    if located == 0 or (located - int(on.sum())) > MAX_OUTSIDE * located:
        raise UsageError(f"--data {path}: {located - int(on.sum())} of {located} records fall outside the "
                         "scenario's city: a file of another city? (give records of this city)")
    counts = np.zeros((city.rows, city.cols))
    np.add.at(counts, (placed.row[on], placed.col[on]), 1.0)
    return counts


def _simulated(folder: Path, spec, city):
    """Simulated crime and calls per cell, and the incidents, from a finished run on the scenario's city."""
    import pandas as pd

    from polsim.output import is_complete

    if not is_complete(folder):
        raise UsageError(f"--run {folder}: not a finished polsim run folder (no summary.json)")
    with np.load(folder / "crimes_by_cell.npz") as npz:
        counts = np.asarray(npz["counts"], float)
        land_use = np.asarray(npz["land_use"])
    # the same city, cell for cell (a sited or otherwise changed deployment of it is fine)
    if land_use.shape != city.land_use.shape or not np.array_equal(land_use, city.land_use):
        raise UsageError(f"--run {folder}: a run on another city ({land_use.shape[0]} x {land_use.shape[1]} "
                         f"cells); allowed: a run on this scenario's city ({city.rows} x {city.cols})")
    crime = counts.sum(axis=0) if counts.ndim == 3 else counts
    incidents = pd.read_parquet(folder / "incidents.parquet",
                                columns=["row", "col", "t_call", "t_first_arrival", "on_view"])
    calls = np.zeros((city.rows, city.cols))
    is_call = np.isfinite(incidents["t_call"].to_numpy()) & ~incidents["on_view"].to_numpy(bool)
    np.add.at(calls, (incidents["row"].to_numpy()[is_call], incidents["col"].to_numpy()[is_call]), 1.0)
    return crime, calls, incidents


def _site(args: argparse.Namespace) -> int:
    """``coverage site``: check, solve, write the sites, the gain and the exported scenario."""
    import json

    import pandas as pd

    from polsim.coverage import report, sites
    from polsim.files import write_atomically
    from polsim.scenario.loader import resolve_path

    if (args.add is None) == (args.share is None):
        raise UsageError("coverage site: give one of --add K (maximal covering) or --share S (set covering)")
    if args.share is not None and not (math.isfinite(args.share) and 0 < args.share <= 1):
        raise UsageError(f"--share must be in (0, 1], got {args.share}")
    if not (math.isfinite(args.within) and 0 < args.within <= 1440):
        raise UsageError(f"--within: {args.within:g} is not a band; allowed: minutes in (0, 1440]")
    if args.hour is not None and not 0 <= args.hour <= 23:
        raise UsageError(f"--hour: {args.hour} is not an hour of the day; allowed: 0..23")
    scenario, city, extra, _ = _common(args)
    spec = scenario.spec
    unit_type = _site_unit_type(args, spec)
    hour = args.hour if args.hour is not None else int(np.argmax(spec.city.footfall_by_hour))
    if args.demand in ("crime", "calls") and args.demand not in extra:
        raise UsageError(f"--demand {args.demand}: give --run (simulated) or --data (recorded crime)")
    demand = {"residents": city.residents, "footfall": city.footfall(hour)}.get(args.demand, extra.get(args.demand))
    try:
        candidates = sites.candidate_cells(args.candidates, city)
    except ValueError as err:
        raise UsageError(f"--candidates {err}") from None
    if args.add is not None and not 1 <= args.add <= len(candidates):
        raise UsageError(f"--add {args.add}: allowed: 1..{len(candidates)} (the candidates of {args.candidates})")
    try:
        result = sites.solve(scenario, city, unit_type, hour, args.within, np.asarray(demand, float), candidates,
                             args.add, args.share, args.source, args.seed)
    except ValueError as err:
        raise UsageError(f"--share {args.share}: {err}") from None
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / report.DONE).unlink(missing_ok=True)
    chosen = result.problem.candidates[result.solution.chosen]
    r, c = np.divmod(chosen, city.cols)
    alone = [float(result.problem.demand[result.problem.reach[j]].sum()) for j in result.solution.chosen]
    table = pd.DataFrame({"row": r, "col": c, "grid_code": city.grid_codes_at(r, c).astype(str),
                          f"{args.demand}_newly_covered_alone": alone})
    if city.geo is not None:
        table["lon"], table["lat"] = city.geo.lonlat_of_xy(*city.geo.xy_of_cells(r, c))
    write_atomically(out / "sites.csv", lambda p: table.to_csv(p, index=False, float_format="%.8g"))
    after = result.covered_before + result.solution.covered
    header = [f"polsim coverage site: {len(chosen)} {args.kind} sites of {unit_type} added to {spec.name}",
              f"{args.demand} within {args.within:g} min at {hour:02d}:00: {_share(result.covered_before, result)} "
              f"-> {_share(after, result)}", "run it as written: polsim run THIS_FILE"]
    text = sites.exported_scenario(resolve_path(args.scenario), _overrides(args), spec, city, result,
                                   out / "sited.toml", header)
    write_atomically(out / "sited.toml", lambda p: p.write_text(text, encoding="utf-8"))
    summary = {"scenario": spec.name, "problem": "maximal covering" if args.add is not None else "set covering",
               "unit_type": unit_type, "kind": args.kind, "hour": hour, "within_min": args.within,
               "demand": args.demand, "candidates": int(len(candidates)), "sites": int(len(chosen)),
               "demand_total": result.total, "covered_before": result.covered_before, "covered_gained":
               result.solution.covered, "covered_after": after, "share_before": _ratio(result.covered_before, result),
               "share_after": _ratio(after, result), "optimality_gap": result.solution.gap,
               "solver_bound": result.solution.bound, "solver": "HiGHS (scipy.optimize.milp)",
               "solver_message": result.solution.message, "seconds": round(result.seconds, 3),
               "files": ["sites.csv", "sited.toml"]}
    report.write_done(out, _finite(summary))
    print(json.dumps({k: summary[k] for k in ("sites", "share_before", "share_after", "optimality_gap")}))
    print(f"sites in {out}/sites.csv; scenario {out}/sited.toml")
    return 0


def _site_unit_type(args: argparse.Namespace, spec) -> str:
    """--unit-type (one), or by --kind: the first type standing at posts, or based at workstations."""
    if args.unit_type is not None:
        chosen = unit_types_from(args.unit_type, spec)
        if len(chosen) != 1:
            raise UsageError("--unit-type: siting takes one unit type")
        return chosen[0]
    for name, ut in spec.units.items():
        if ut.count > 0 and ((args.kind == "post") == (ut.patrol == "stay")) and (
                args.kind == "post" or ut.base == "workstation"):
            return name
    raise UsageError(f"--kind {args.kind}: the scenario has no unit type for it; give --unit-type")


def _overrides(args: argparse.Namespace) -> dict:
    from polsim.cli.common import overrides_from

    return overrides_from(args)


def _share(value: float, result) -> str:
    ratio = _ratio(value, result)
    return "-" if ratio is None else f"{ratio:.1%}"


def _ratio(value: float, result) -> float | None:
    return value / result.total if result.total > 0 else None
