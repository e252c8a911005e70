"""The sections of a scenario file: every field, its type, bounds and default.

One frozen dataclass per TOML table. Field metadata carries the bounds that
:mod:`polsim.scenario.validate` checks; the defaults are the small default city. Units are
minutes, metres and km/h throughout; probabilities are 0..1.

Every field is bounded by what a real city could need and no more (the reason is given next
to the bounds where it is not obvious), so that no value, however large, makes a run crash or
run away: counts by the largest forces and cities in the reports and beyond, rates and
strengths by the point past which they change nothing (a crime probability of 1 - exp(-20)
is already certain), radii by a few kilometres, durations by a month or ten years. What a
combination of fields costs (a big city and many offenders) is :mod:`polsim.scenario.budget`'s to
estimate; ``docs/scenarios.md`` lists every field with its range (:func:`field_table`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from polsim.scenario.validate import bounded

LAND_USES = ("residential", "commercial", "market", "school", "park", "transit", "blocked")
"""Land-use classes, in the order of their integer codes in ``City.land_use``."""

BUILTIN_KINDS = ("patrol_car", "strike_vehicle", "motorcycle_squad", "community_officer",
                 "fixed_post", "drone")
BASES = ("station", "district", "workstation", "centre", "grid")
PATROL_STYLES = ("roam", "zone", "grid", "stay")

MAX_STEPS = 10_000_000
"""Steps of a run: ten years at 30-second steps, or a week at the 0.01-minute steps of the
Short et al. (2008) validation runs, is about this many."""

MAX_CELLS = 10_000_000
"""Cells of a city: Chongqing, the largest city proper (82,400 km2), is 8.2 million cells of
100 m."""

MAX_GRIDS = 50_000
"""Comprehensive grids of a city (Nantong has 9,162; ordering their bases costs grids squared)."""

MAX_TYPES = 32
"""Crime types, and unit types, in one scenario."""

FILE_FIELDS = (("city", "source"), ("field", "baseline"))
"""Fields that name a file (or a city folder), relative to the scenario file: (table, key)."""
POLICY_NAME = re.compile(r"^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$")
"""What a scenario's ``policy.name`` may be: shipped policy names, joined by ``+``."""
MAX_RADIUS_M = 5_000.0
"""Sight, deterrence and arrest radii of a unit: a drone's camera sees a few hundred metres."""

MAX_DURATION_MIN = 43_200.0
"""Delays and durations of one incident: 30 days."""

MAX_STRENGTH = 20.0
"""Deterrence exponents: a rate times exp(-20) is two in a billion, no crime at all."""

BLOCK_SIDES = {"blocked": 6, "park": 4, "school": 3, "market": 2, "transit": 1}
"""The largest side of the rectangles of each land use the city generator scatters
(``polsim.cities.city._land_use``): a city must be at least that wide for a use it places."""

MAX_MULTIPLIER = 1_000.0
"""Relative weights and hourly multipliers (only their ratios matter)."""


@dataclass(frozen=True)
class TimeSpec:
    """Clock: step length, run length and the hour the run starts."""

    step_minutes: float = bounded(1.0, "minutes per step (0.01 = the Short et al. validation runs)",
                                  ge=0.01, le=60)
    days: float = bounded(7.0, "simulated days of a run (ten years at most; at least one step)", gt=0, le=3660)
    start_hour: int = bounded(0, "hour of day at the start", ge=0, le=23)

    def __post_init__(self) -> None:
        steps = self.days * 1440 / self.step_minutes
        if round(steps) < 1:
            raise ValueError(f"time.days: {self.days:g} days is {steps:.3g} steps of {self.step_minutes:g} min; "
                             "allowed: at least one step")
        if steps > MAX_STEPS:
            raise ValueError(f"time: {self.days:g} days of {self.step_minutes:g}-minute steps is {steps:,.0f} "
                             f"steps; allowed: at most {MAX_STEPS:,}")


@dataclass(frozen=True)
class CitySpec:
    """A synthetic city generated from a seed: lattice, land use, admin grids; or, with
    ``source``, a city read from a file (``polsim city import``, docs/cities.md).
    """

    source: str = bounded(
        "", "a city file folder made by `polsim city import`, or an OpenStreetMap extract "
        "(.osm.pbf, .osm) imported on first use; a path relative to the scenario file, or "
        "package:NAME/PATH for a file inside an installed Python package (empty: generate the city)",
    )
    rows: int = bounded(60, "cells north-south (rows x cols at most 10 million; at least the side of the "
                        "largest block of land use the shares place, 6 for blocked land)", ge=4, le=5000)
    cols: int = bounded(60, "cells east-west", ge=4, le=5000)
    cell_m: float = bounded(100.0, "side of a cell in metres (a building to a 2 km block)", ge=10, le=2000)
    seed: int = bounded(7, "seed of the city generator (the run seed does not change the city)", ge=0,
                        le=2**63 - 1)
    code: str = bounded("320600", "6-digit administrative code heading every grid code", digits=6)
    grid_cells: int = bounded(5, "side of a comprehensive grid, in cells (50,000 grids at most)", ge=1, le=1000)
    station_grids: int = bounded(4, "side of a police-station area, in grids", ge=1, le=1000)
    district_stations: int = bounded(2, "side of a district, in station areas", ge=1, le=1000)
    land_use: dict[str, float] = bounded(
        {
            "residential": 0.55,
            "commercial": 0.15,
            "market": 0.04,
            "school": 0.04,
            "park": 0.07,
            "transit": 0.05,
            "blocked": 0.10,
        },
        "share of cells by land use",
        keys=LAND_USES,
        ge=0,
        le=1,
    )
    centres: int = bounded(2, "commercial centres the commercial land clusters around", ge=1, le=50)
    residents_per_cell: float = bounded(
        150.0, "mean residents of a residential cell (the densest blocks hold ~2,000 a hectare)", ge=0, le=1e6)
    arterial_every: int = bounded(10, "an arterial road every this many rows and columns", ge=2, le=5000)
    arterial_kmh: float = bounded(50.0, "free-flow speed of arterial roads (km/h)", gt=0, le=130)
    street_kmh: float = bounded(30.0, "free-flow speed of other streets (km/h)", gt=0, le=130)
    cameras: int = bounded(150, "public video cameras (the largest networks have about a million)", ge=0,
                           le=1_000_000)
    camera_radius_m: float = bounded(100.0, "radius a camera covers", ge=0, le=1000)
    workstations: int = bounded(4, "police workstations / mobile pods (Nanning: 10 open, 28 planned)", ge=0,
                                le=1000)
    footfall_by_hour: list[float] = bounded(
        [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.1,
         1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.4, 1.3, 1.1, 0.9, 0.6, 0.4],
        "city-wide footfall multiplier by hour (not all zero)", length=24, ge=0, le=MAX_MULTIPLIER,
    )
    origin: list[float] = bounded(
        [], "[longitude, latitude] of the city's centre, placing the lattice on the map in the UTM "
        "zone of that point (empty: a city with no place)", ge=-180, le=180, maxlen=2,
    )
    congestion_by_hour: list[float] = bounded(
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.6, 0.5, 0.7, 0.8, 0.8,
         0.8, 0.8, 0.8, 0.8, 0.7, 0.5, 0.5, 0.7, 0.9, 1.0, 1.0, 1.0],
        "speed factor of road traffic by hour (1 = free flow)", length=24, gt=0, le=2,
    )

    def __post_init__(self) -> None:
        if self.rows * self.cols > MAX_CELLS:
            raise ValueError(f"city: {self.rows} x {self.cols} = {self.rows * self.cols:,} cells; "
                             f"allowed: at most {MAX_CELLS:,}")
        grids = -(-self.rows // self.grid_cells) * -(-self.cols // self.grid_cells)
        if grids > MAX_GRIDS:
            raise ValueError(f"city: {grids:,} comprehensive grids of {self.grid_cells} x {self.grid_cells} cells; "
                             f"allowed: at most {MAX_GRIDS:,} (raise grid_cells)")
        n = self.rows * self.cols
        placed = [use for use, side in BLOCK_SIDES.items() if int(self.land_use.get(use, 0.0) * n) > 0]
        widest = max((BLOCK_SIDES[use] for use in placed), default=1)
        if min(self.rows, self.cols) < widest:
            use = next(u for u in placed if BLOCK_SIDES[u] == widest)
            raise ValueError(f"city: {self.rows} x {self.cols} cells cannot hold the {widest}-cell blocks of "
                             f"{use} land; allowed: rows and cols of at least {widest}, or no {use} share")
        if not any(self.footfall_by_hour):
            raise ValueError("city.footfall_by_hour: all zero, a city where nobody ever walks; "
                             "allowed: at least one hour above 0")
        total = sum(self.land_use.values())
        if self.land_use and abs(total - 1.0) > 1e-6 and total > 1.0:
            raise ValueError(f"city.land_use: shares add up to {total:.3f}; allowed: at most 1")
        others = total - self.land_use.get("residential", 0.0)
        if "residential" in self.land_use and abs(self.land_use["residential"] - (1.0 - others)) > 1e-6:
            # residential land is what the other uses leave; a share that says otherwise (all
            # shares 0: "no land at all") would be silently replaced by 1 - the others
            raise ValueError(f"city.land_use.residential: residential land is what the other uses leave, "
                             f"{1.0 - others:.3f} here, not {self.land_use['residential']:g}; "
                             "allowed: 1 minus the other shares, or leave it out")
        if self.origin and (len(self.origin) != 2 or not -80 <= self.origin[1] <= 84):
            raise ValueError("city.origin: must be [longitude, latitude] with latitude in -80..84, "
                             f"got {self.origin}")
        if self.land_use.get("blocked", 0.0) > 0.5:
            raise ValueError("city.land_use.blocked: must be <= 0.5 so the city stays connected")


@dataclass(frozen=True)
class OffenderSpec:
    """Motivated offenders: how many, how they walk, flee and are jailed."""

    count: int = bounded(300, "motivated offenders (ten million: more than a city of 30 million holds)", ge=0,
                         le=10_000_000)
    model: str = bounded(
        "persistent", "persistent offenders, or the paper's short2008 form", allowed=("persistent", "short2008")
    )
    risk_aversion: float = bounded(1.0, "how strongly the walk avoids cells police can see", ge=0,
                                   le=MAX_STRENGTH)
    flee_steps: int = bounded(10, "steps an offender flees after a crime", ge=0, le=100_000)
    flee_cells_per_step: int = bounded(2, "cells covered per step while fleeing", ge=1, le=50)
    capture_probability: float = bounded(0.5, "chance per step that a unit in range arrests", ge=0, le=1)
    jail_days: float = bounded(30.0, "days an arrested offender is out of the city (the longest run: 3660)",
                               ge=0, le=3660)
    short2008_birth_rate: float = bounded(
        0.0, "short2008 mode: new offenders per cell per minute (Gamma; 100 fills every cell every step)",
        ge=0, le=100,
    )
    # "settled": the rules' long-run state (polsim.engine.settled_start), so a run on a large lattice is
    # not measured in the days offenders take to gather; "homes" keeps every earlier seeded run
    start: str = bounded("homes", "where offenders start: at their homes, or settled on the walk's "
                         "long-run occupancy with the field B at its long-run level (persistent model only)",
                         allowed=("homes", "settled"))

    def __post_init__(self) -> None:
        if self.start == "settled" and self.model != "persistent":
            raise ValueError("start: 'settled' is the long-run state of persistent offenders; "
                             "allowed: 'homes' with model short2008")


@dataclass(frozen=True)
class FieldSpec:
    """Attractiveness A = A0 * hour factor + B, with B after Short et al. (2008)."""

    a0_per_min: float = bounded(1.2e-4, "baseline attractiveness (crimes per offender-minute; 20 is a crime "
                                "every step)", ge=0, le=MAX_STRENGTH)
    land_use_weight: dict[str, float] = bounded(
        {"residential": 0.8, "commercial": 1.5, "market": 2.0, "school": 0.6,
         "park": 1.0, "transit": 1.8, "blocked": 0.0},
        "multiplier of A0 by land use", keys=LAND_USES, ge=0, le=MAX_MULTIPLIER,
    )
    crime_by_hour: list[float] = bounded(
        [0.8, 0.6, 0.5, 0.4, 0.4, 0.4, 0.5, 0.7, 0.9, 1.0, 1.0, 1.1,
         1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.6, 1.4, 1.2, 1.0],
        "multiplier of A0 by hour", length=24, ge=0, le=MAX_MULTIPLIER,
    )
    theta: float = bounded(4e-5, "jump of B at a cell per crime there (repeat victimisation; the paper's "
                           "largest is 5.6)", ge=0, le=MAX_STRENGTH)
    omega_per_min: float = bounded(1.0 / (5 * 1440), "decay rate of B per minute (60: gone within a second)",
                                   ge=0, le=60)
    eta: float = bounded(3e-4, "share of B that diffuses to neighbours each step (near repeat)", ge=0, le=1)
    periodic: bool = bounded(False, "wrap the lattice (as in the paper) instead of hard edges")
    baseline: str = bounded(
        "", "file of a0[type, row, col] in crimes per offender-minute (a .npz from `polsim calibrate`, "
        "relative to the scenario file); replaces a0_per_min and land_use_weight (empty: land use)"
    )


@dataclass(frozen=True)
class CrimeType:
    """A crime type: where it happens, how it is reported and how long it takes to handle."""

    weight: float = bounded(1.0, "relative frequency among crimes", ge=0, le=MAX_MULTIPLIER)
    affinity: dict[str, float] = bounded({}, "relative likelihood by land use (missing = 1)", keys=LAND_USES, ge=0,
                                         le=MAX_MULTIPLIER)
    report_probability: float = bounded(0.8, "chance the victim reports it", ge=0, le=1)
    report_delay_min: float = bounded(10.0, "mean minutes from crime to the victim's call", ge=0,
                                      le=MAX_DURATION_MIN)
    priority: int = bounded(2, "1 = most urgent", ge=1, le=5)
    on_scene_min: float = bounded(30.0, "mean minutes a unit spends on scene", gt=0, le=MAX_DURATION_MIN)
    serious: bool = bounded(False, "serious incidents get backup (and a cordon with the cordon policy)")
    flees: bool = bounded(True, "the offender flees and can be caught")


def _crime_types() -> dict[str, CrimeType]:
    return {
        "pickpocketing": CrimeType(1.0, {"market": 3, "transit": 3, "commercial": 2, "residential": 0.3},
                                   0.6, 30.0, 3, 25.0),
        "robbery": CrimeType(0.25, {"commercial": 1.5, "park": 2, "residential": 0.8, "school": 0.5},
                             0.95, 3.0, 1, 60.0, True),
        "ebike_theft": CrimeType(0.8, {"residential": 1.5, "school": 2, "transit": 2, "market": 1.5},
                                 0.7, 60.0, 3, 20.0),
        "burglary": CrimeType(0.6, {"residential": 3, "commercial": 1, "market": 0.5, "park": 0.05,
                                    "transit": 0.05}, 0.9, 120.0, 2, 45.0, False, False),
        "assault": CrimeType(0.2, {"commercial": 1.5, "market": 1.5, "park": 1, "transit": 1},
                             0.9, 2.0, 1, 45.0, True),
    }


@dataclass(frozen=True)
class DisputeSpec:
    """Disputes that escalate to assault unless mediated in time."""

    per_day: float = bounded(12.0, "disputes a day across the city (a megacity's police take ~100,000 calls "
                             "a day)", ge=0, le=100_000)
    escalate_after_min: float = bounded(45.0, "mean minutes before an unmediated dispute turns violent "
                                        "(1e12: never, as the queueing validation has it)", gt=0, le=1e12)
    report_delay_min: float = bounded(8.0, "mean minutes before a party calls the police", ge=0,
                                      le=MAX_DURATION_MIN)
    grid_worker_mediates: float = bounded(0.7, "chance a grid worker in sight mediates", ge=0, le=1)
    mediation_min: float = bounded(15.0, "minutes a grid worker needs to mediate", ge=0, le=MAX_DURATION_MIN)
    on_scene_min: float = bounded(20.0, "mean minutes police spend mediating", gt=0, le=MAX_DURATION_MIN)
    priority: int = bounded(2, "dispatch priority of a reported dispute", ge=1, le=5)


@dataclass(frozen=True)
class GuardianSpec:
    """Capable guardians who are never dispatched: grid workers, volunteers, cameras."""

    grid_workers_per_grid: int = bounded(1, "full-time grid workers in each grid (\"one grid, many workers\")",
                                         ge=0, le=100)
    volunteers: int = bounded(300, "volunteers across the city (Nantong: 63,000; Beijing claims 850,000)",
                              ge=0, le=2_000_000)
    sight_m: float = bounded(100.0, "radius a grid worker or volunteer sees", ge=0, le=1000)
    grid_worker_deterrence: float = bounded(0.5, "deterrence of a grid worker in sight", ge=0, le=MAX_STRENGTH)
    volunteer_deterrence: float = bounded(0.15, "deterrence of a volunteer in sight", ge=0, le=MAX_STRENGTH)
    grid_worker_detects: float = bounded(0.6, "chance a grid worker in sight detects a crime", ge=0, le=1)
    volunteer_detects: float = bounded(0.3, "chance a volunteer in sight detects a crime", ge=0, le=1)
    grid_worker_delay_min: float = bounded(1.0, "mean minutes from crime to a grid worker's report", ge=0,
                                           le=MAX_DURATION_MIN)
    volunteer_delay_min: float = bounded(3.0, "mean minutes from crime to a volunteer's report", ge=0,
                                         le=MAX_DURATION_MIN)
    # Welsh & Farrington (2009), CCTV meta-analysis: crime down ~16% where cameras watch;
    # exp(-0.15) = 0.86 lowers the rate by 14%
    camera_deterrence: float = bounded(0.15, "deterrence of camera coverage on a cell", ge=0, le=MAX_STRENGTH)
    camera_detects: float = bounded(0.3, "chance a camera's operators catch a crime in view", ge=0, le=1)
    camera_delay_min: float = bounded(2.0, "mean minutes from crime to a camera alert", ge=0, le=MAX_DURATION_MIN)
    witness_rate: float = bounded(0.3, "chance of a witness call per unit of footfall", ge=0, le=MAX_STRENGTH)
    witness_delay_min: float = bounded(5.0, "mean minutes from crime to a witness call", ge=0,
                                       le=MAX_DURATION_MIN)


@dataclass(frozen=True)
class UnitType:
    """A kind of police unit. Built-in kinds supply the defaults; a scenario overrides fields."""

    kind: str = bounded("patrol_car", "built-in kind whose defaults apply")
    count: int = bounded(0, "units of this type (Nanning: 759 patrol cars; a force of 50,000 is beyond any city's)",
                         ge=0, le=50_000)
    speed_kmh: float = bounded(30.0, "speed on an ordinary urban road (40 km/h): faster on faster roads, "
                               "in proportion", gt=0, le=400)
    crew: int = bounded(2, "officers in the unit", ge=0, le=100)
    sight_m: float = bounded(150.0, "radius the unit sees (on-view detection, visibility)", ge=0, le=MAX_RADIUS_M)
    deter_m: float = bounded(150.0, "radius the unit deters crime in", ge=0, le=MAX_RADIUS_M)
    capture_m: float = bounded(100.0, "radius the unit can arrest a fleeing offender in", ge=0, le=MAX_RADIUS_M)
    can_arrest: bool = bounded(True, "can arrest fleeing offenders")
    responds: bool = bounded(True, "is dispatched to calls")
    response_radius_m: float = bounded(0.0, "only takes calls within this radius of its base (0 = any)", ge=0,
                                       le=100_000)
    congestion_sensitivity: float = bounded(1.0, "1 = slowed fully by traffic, 0 = not at all", ge=0, le=1)
    flies: bool = bounded(False, "flies straight over blocked cells instead of following streets")
    base: str = bounded("station", "where units of this type are based", allowed=BASES)
    patrol: str = bounded("roam", "idle area: whole city, own zone, own grid, or stay at base",
                          allowed=PATROL_STYLES)
    shift: list[int] = bounded([0, 24], "on-duty hours [start, end) (end may pass 24)", length=2, ge=0, le=48)
    base_cells: list[list[int]] = bounded([], "explicit base cells [row, col] (default: generated bases)",
                                          ge=0, le=4999, maxlen=50_000)
    on_foot: bool = bounded(False, "walks: crosses any passable cell at its own speed, whatever the road "
                            "(drivers follow the road network; flying units fly)")
    base_lonlat: list[list[float]] = bounded(
        [], "explicit bases as [longitude, latitude] (a city on the map: an imported city, or one given "
        "city.origin), on the cell each falls in; with base_cells and base_xy", ge=-180, le=180, maxlen=50_000)
    base_xy: list[list[float]] = bounded(
        [], "explicit bases as [x, y] metres in the city's CRS (city.json's geo.crs; a city with no place: "
        "east and north of its south-west corner)", ge=-1e8, le=1e8, maxlen=50_000)

    @property
    def has_explicit_bases(self) -> bool:
        """Whether the scenario places this type's bases itself (as cells, longitude/latitude or x/y)."""
        return bool(self.base_cells or self.base_lonlat or self.base_xy)

    def __post_init__(self) -> None:
        if self.kind not in BUILTIN_KINDS:
            raise ValueError(f"kind: unknown unit kind {self.kind!r}; allowed: {', '.join(BUILTIN_KINDS)}")
        if self.shift[1] <= self.shift[0]:
            raise ValueError(f"shift: end must be after start, got {self.shift}")
        if self.flies and self.on_foot:
            raise ValueError("on_foot: a unit that flies cannot go on foot; allowed: one of flies, on_foot")
        for cell in self.base_cells:
            if len(cell) != 2:
                raise ValueError(f"base_cells: each entry must be [row, col], got {cell}")
        for i, place in enumerate(self.base_lonlat):
            if len(place) != 2 or not -90 <= place[1] <= 90:
                raise ValueError(f"base_lonlat[{i}]: must be [longitude, latitude] with latitude in -90..90, "
                                 f"got {place}")
        for i, place in enumerate(self.base_xy):
            if len(place) != 2:
                raise ValueError(f"base_xy[{i}]: must be [x, y] in metres, got {place}")


BUILTIN_UNITS: dict[str, UnitType] = {
    "patrol_car": UnitType("patrol_car", 0, 30.0, 2, 150.0, 150.0, 100.0, True, True, 0.0, 1.0,
                           False, "station", "zone"),
    "strike_vehicle": UnitType("strike_vehicle", 0, 40.0, 4, 150.0, 200.0, 150.0, True, True, 0.0,
                               0.9, False, "district", "roam"),
    "motorcycle_squad": UnitType("motorcycle_squad", 0, 35.0, 4, 150.0, 150.0, 150.0, True, True,
                                 0.0, 0.25, False, "workstation", "zone"),
    "community_officer": UnitType("community_officer", 0, 5.0, 1, 100.0, 100.0, 50.0, True, True,
                                  0.0, 0.0, False, "station", "zone", on_foot=True),
    "fixed_post": UnitType("fixed_post", 0, 5.0, 2, 100.0, 150.0, 50.0, True, True, 200.0, 0.0,
                           False, "workstation", "stay", on_foot=True),
    "drone": UnitType("drone", 0, 60.0, 0, 300.0, 50.0, 0.0, False, False, 0.0, 0.0, True,
                      "district", "roam"),
}
"""Built-in unit kinds. Drones fly straight and track but cannot arrest or take calls; community
officers and fixed posts go on foot."""


@dataclass(frozen=True)
class DispatchSpec:
    """The dispatch centre: which unit goes, and backup for serious incidents."""

    rule: str = bounded("avl", "nearest available unit by travel time, or the zone's units first",
                        allowed=("avl", "zone"))
    backup_units: int = bounded(1, "extra units sent to serious incidents", ge=0, le=10)
    relay_min: float = bounded(0.5, "minutes for a guardian or camera report to reach dispatch", ge=0,
                               le=MAX_DURATION_MIN)
    instant_travel: bool = bounded(
        False, "idealised: a dispatched unit is on scene at once (zero travel; queueing validation)"
    )
    return_to_base: bool = bounded(
        False, "a unit drives back to its base after each job and takes calls again only once there"
    )


@dataclass(frozen=True)
class DeterrenceSpec:
    """How much police presence lowers the crime rate in a cell they can see."""

    police: float = bounded(1.5, "exponent per unit deterring a cell: rate x exp(-police x n)", ge=0,
                            le=MAX_STRENGTH)
    enabled: bool = bounded(True, "switch all deterrence off (police and guardians)")


@dataclass(frozen=True)
class PolicySpec:
    """The scenario's deployment policy and its options (the policies read what concerns them)."""

    name: str = bounded("", "the scenario's policy: a shipped policy's name or a+b of them (empty: random); "
                        "--policy overrides it, and a policy of your own (package.module:Class) is given there",
                        maxlen=200)
    # daily by default: the reports analyse hotspots "daily, weekly and monthly", and a weekly
    # default never re-planned within the presets' 7-day runs (only the land-use prior was used)
    replan_days: float = bounded(1.0, "hotspot policies: days between re-planning from recent crime",
                                 ge=1 / 1440, le=3660)
    hotspots: int = bounded(10, "hotspot policies: number of hotspot cells patrolled", ge=1, le=10_000)
    # in metres, so that the default means the same ring on any cell size (3 cells of 100 m was
    # 75 m on Helsinki's 25 m cells); ``policy.buffer_cells`` is refused with the migration
    buffer_m: float = bounded(300.0, "displacement: width of the buffer ring around treated cells, in metres",
                              gt=0, le=MAX_RADIUS_M)
    hotspot_method: str = bounded("counts", "hotspot policies: rank cells by crime counts or a kernel "
                                  "density estimate", allowed=("counts", "kde"))
    kde_bandwidth_m: float = bounded(200.0, "hotspot policies: bandwidth of the Gaussian kernel", gt=0,
                                     le=MAX_RADIUS_M)
    dwell_min: float = bounded(15.0, "hotspot policies: minutes a unit dwells at a hotspot (Koper curve)",
                               ge=0, le=1440)
    layer_zones: list[int] = bounded([2, 4, 16], "layered policy: zones of the rapid-response, "
                                     "sub-bureau and station-district layers (Nanning: 11, 31, 148)",
                                     length=3, ge=1, le=10_000)
    cordon_crimes: list[str] = bounded(["robbery", "assault"], "cordon policy: crime types that "
                                       "trigger a cordon", maxlen=MAX_TYPES)
    cordon_radius_m: float = bounded(1500.0, "cordon policy: radius of the interception ring", gt=0, le=20_000)
    cordon_units: int = bounded(4, "cordon policy: units sent to interception cells", ge=1, le=8)
    cordon_min: float = bounded(20.0, "cordon policy: minutes a cordon and the checkpoints stay closed",
                                gt=0, le=1440)

    def __post_init__(self) -> None:
        # a scenario file travels (pasted into the UI, shared): it may name shipped policies only,
        # never a module to import
        if self.name and not POLICY_NAME.match(self.name):
            raise ValueError(f"name: must be a shipped policy's name or a+b of them, got {self.name!r} "
                             "(a policy of your own is given with --policy package.module:Class)")


@dataclass(frozen=True)
class CallsSpec:
    """A force's recorded calls replayed as the run's demand (docs/replay.md).

    With ``source`` set the run replays the records of ``period`` through dispatch: the period
    sets the run's length and start (``time.days`` and ``time.start_hour`` give way to it).
    """

    source: str = bounded("", "a table written by `polsim data import --scenario` (.parquet; a path relative "
                          "to the scenario file; empty: simulate crime, no replay)", maxlen=1000)
    period: str = bounded("", "the records replayed: YYYY-MM, YYYY-MM..YYYY-MM or YYYY-MM-DD..YYYY-MM-DD "
                          "(one span; required with source)", maxlen=40)
    draw_times: bool = bounded(False, "records with months only (data.police.uk): draw each call's minute "
                               "within its month from field.crime_by_hour (every output says so)")
    keep_crime: bool = bounded(False, "keep simulated crime (and disputes) of the types the record lacks "
                               "(default: the record is the whole demand)")

    def __post_init__(self) -> None:
        if self.source and not self.period:
            raise ValueError("calls.period: required with calls.source; allowed: YYYY-MM, YYYY-MM..YYYY-MM "
                             "or YYYY-MM-DD..YYYY-MM-DD")
        if self.period and not self.source:
            raise ValueError("calls.source: a period without a source replays nothing; allowed: the table "
                             "to replay (polsim data import's output)")


@dataclass(frozen=True)
class OutputSpec:
    """What a run records as it goes."""

    collect_every: int = bounded(1, "steps between DataCollector rows", ge=1, le=MAX_STEPS)


@dataclass(frozen=True)
class ScenarioSpec:
    """A whole scenario file."""

    name: str = bounded("default", "scenario name (a label: the output folder is a safe form of it)",
                        maxlen=100)
    description: str = bounded("", "one line shown by `polsim scenarios`", maxlen=500)
    time: TimeSpec = dataclasses.field(default_factory=TimeSpec)
    city: CitySpec = dataclasses.field(default_factory=CitySpec)
    offenders: OffenderSpec = dataclasses.field(default_factory=OffenderSpec)
    field: FieldSpec = dataclasses.field(default_factory=FieldSpec)
    crimes: dict[str, CrimeType] = dataclasses.field(
        default_factory=_crime_types,
        metadata={"doc": "crime types by name", "max_items": MAX_TYPES, "names": True})
    disputes: DisputeSpec = dataclasses.field(default_factory=DisputeSpec)
    guardians: GuardianSpec = dataclasses.field(default_factory=GuardianSpec)
    units: dict[str, UnitType] = dataclasses.field(
        default_factory=dict, metadata={"doc": "police unit types by name", "max_items": MAX_TYPES, "names": True})
    dispatch: DispatchSpec = dataclasses.field(default_factory=DispatchSpec)
    deterrence: DeterrenceSpec = dataclasses.field(default_factory=DeterrenceSpec)
    policy: PolicySpec = dataclasses.field(default_factory=PolicySpec)
    output: OutputSpec = dataclasses.field(default_factory=OutputSpec)
    calls: CallsSpec = dataclasses.field(default_factory=CallsSpec)

    def __post_init__(self) -> None:
        if not self.crimes:
            raise ValueError("crimes: at least one crime type is required")
        if not any(ct.weight for ct in self.crimes.values()):
            # a crime would still happen, and be counted as the last type: say what is meant
            raise ValueError("crimes: every crime type has weight 0; allowed: at least one above 0 "
                             "(for a city without crime, set offenders.count = 0)")
        if "assault" not in self.crimes and self.disputes.per_day > 0:
            raise ValueError("crimes: disputes escalate to 'assault', so an assault type is required")
        unknown = [c for c in self.policy.cordon_crimes if c not in self.crimes]
        if unknown:
            raise ValueError(f"policy.cordon_crimes: unknown crime type {unknown[0]!r}; "
                             f"allowed: {', '.join(self.crimes)}")
