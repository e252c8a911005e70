"""A coverage study: which units stand where at each hour, their fields and what the bands hold.

The units are the scenario's own (:meth:`polsim.engine.units.Units.build`), on duty at the hour:
``bases`` puts each at its base, ``posts`` keeps the units that stand still (patrol
``stay``: fixed posts, booths) at theirs, ``patrol`` runs the scenario to that hour of its
first day and takes the units on patrol where they stand then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from polsim.coverage import tables
from polsim.coverage.fields import Standing, minutes_field
from polsim.engine.router import Router
from polsim.engine.units import AVAILABLE_STATES, Units

SOURCES = ("bases", "posts", "patrol")
"""Where the units stand: at their bases, only the standing posts, or where a run has them."""
FIELD_REACH = 2.0
"""Fields are searched out to this many times the widest band (beyond: no value)."""
ALL = "all"
"""The label of the field of every unit type asked for together."""


@dataclass(frozen=True)
class Request:
    """What to compute: hours of the day, band limits in minutes, unit types (names), source."""

    hours: tuple[int, ...]
    bands: tuple[float, ...]
    unit_types: tuple[str, ...]
    source: str = "bases"
    seed: int = 1
    per_type: bool = True
    """A field for each unit type as well as for all together (False: all together only)."""


@dataclass
class Study:
    """The fields (minutes, rows x cols) by (hour, label) and the units each counted."""

    request: Request
    minutes: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    units: dict[tuple[int, str], int] = field(default_factory=dict)
    positions: dict[int, Standing] = field(default_factory=dict)


def labels(request: Request) -> list[str]:
    """The fields' labels: each unit type (unless not ``per_type``), and their union when there
    are several.
    """
    if len(request.unit_types) == 1:
        return list(request.unit_types)
    return [*request.unit_types, ALL] if request.per_type else [ALL]


def standing_at(units: Units, request: Request, hour: int, patrol: dict | None = None) -> Standing:
    """The units of the requested types on duty at ``hour``, where the source has them
    (``patrol``: :func:`patrol_positions`, for the ``patrol`` source).
    """
    types = [units.type_names.index(t) for t in request.unit_types]
    pick = np.isin(units.type_idx, types) & units.on_duty(hour)
    if request.source == "posts":
        pick &= _stays(units)
    if request.source == "patrol":
        r, c, state = patrol[hour]
        who = np.flatnonzero(pick & np.isin(state, AVAILABLE_STATES))
        return Standing(who, r[who], c[who])
    who = np.flatnonzero(pick)
    return Standing(who, units.base_r[who], units.base_c[who])


def _stays(units: Units) -> np.ndarray:
    return np.array([units.types[t].patrol == "stay" for t in units.type_idx], bool)


def patrol_positions(scenario, hours: tuple[int, ...], seed: int) -> dict[int, tuple]:
    """Where every unit stands, and its state, when one run of the scenario first reaches each
    of ``hours`` (after at least one hour, so that the units have left their bases).
    """
    from polsim.model import PolicingModel
    from polsim.scenario import PolicingScenario

    # a scenario of its own: a model binds the one it is given (its seed is set there)
    model = PolicingModel(PolicingScenario(rng=seed, spec=scenario.spec, source=scenario.source), policy="random")
    start = scenario.spec.time.start_hour
    out = {}
    for hour in sorted(hours, key=lambda h: (h - start) % 24 or 24):
        steps = int(round(((hour - start) % 24 or 24) * 60 / model.dt))
        model.run(steps=steps - model.steps)
        out[hour] = (model.units.r.copy(), model.units.c.copy(), model.units.state.copy())
    return out


def compute(scenario, city, request: Request) -> Study:
    """Every field of the request."""
    units = Units.build(scenario.spec, city)
    router = Router(city, units)
    study = Study(request)
    widest = max(request.bands)
    patrol = patrol_positions(scenario, request.hours, request.seed) if request.source == "patrol" else None
    for hour in request.hours:
        standing = standing_at(units, request, hour, patrol)
        study.positions[hour] = standing
        congestion = city.congestion(hour)
        for label in labels(request):
            if label == ALL:
                part = standing
            else:
                keep = units.type_idx[standing.units] == units.type_names.index(label)
                part = Standing(standing.units[keep], standing.r[keep], standing.c[keep])
            # up to twice the widest band: the map's and the GeoTIFF's range, at a fraction of a whole search
            study.minutes[hour, label] = minutes_field(router, part, congestion, limit_min=FIELD_REACH * widest)
            study.units[hour, label] = len(part)
    return study


def demand_layers(city, hour: int, extra: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The layers a band is measured against at ``hour``: passable area (km2), residents,
    the hour's footfall, and any extra layers (crime, calls).
    """
    area = city.passable * (city.cell_m / 1000.0) ** 2
    return {"area_km2": area, "residents": city.residents.astype(float),
            "footfall": city.footfall(hour).astype(float), **extra}


def study_tables(study: Study, city, extra: dict[str, np.ndarray], rank_by: str):
    """The city-wide table, the tables by level and the gaps, as pandas frames."""
    import pandas as pd

    areas = tables.area_labels(city)
    bands = list(study.request.bands)
    city_rows, by_level, gap_parts = [], {level: [] for level in tables.LEVELS}, []
    for (hour, label), minutes in study.minutes.items():
        demand = demand_layers(city, hour, extra)
        head = {"hour": hour, "unit_type": label, "units": study.units[hour, label]}
        city_rows += [{**head, **row} for row in tables.band_totals(minutes, bands, demand)]
        for level in tables.LEVELS:
            part = tables.band_by_area(minutes, bands, demand, *areas[level])
            by_level[level].append(part.assign(hour=hour, unit_type=label))
        gap = tables.gaps(minutes, max(bands), demand, rank_by if rank_by in demand else "residents", city)
        gap_parts.append(gap.assign(hour=hour, unit_type=label))
    out = {"citywide": pd.DataFrame(city_rows)}
    for level, parts in by_level.items():
        frame = pd.concat(parts, ignore_index=True)
        out[level] = frame[["hour", "unit_type", *[c for c in frame.columns if c not in ("hour", "unit_type")]]]
    gaps = pd.concat(gap_parts, ignore_index=True)
    out["gaps"] = gaps[["hour", "unit_type", *[c for c in gaps.columns if c not in ("hour", "unit_type")]]]
    return out


def live_minutes(model, limit_min: float) -> np.ndarray:
    """Minutes from the nearest unit free to take a call now (on duty, responding, on patrol or
    driving home), from where it stands, to every cell, at the traffic of the model's hour;
    searched to ``limit_min`` (the UI's map layer: the circles as the run has them now).
    """
    units = model.units
    free = units.available(model.spec.dispatch.return_to_base) & model.on_duty()
    who = np.flatnonzero(free)
    return minutes_field(model.router, Standing(who, units.r[who], units.c[who]),
                         model.city.congestion(model.hour), limit_min=limit_min)
