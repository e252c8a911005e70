"""Before allocating: what a scenario will cost in memory and time, and whether it fits here.

A scenario's bounds (``polsim.scenario.schema``) keep every field sane on its own; this module
prices the combination. :func:`estimate` turns a spec into a peak memory and a duration from
what drives them (cells times the per-cell layers, offenders, guardians, units, incidents a
day times days, steps), with costs per item measured on this code (``python -m
tests.calibrate_budget`` measures them again and prints how close the estimate comes).
:func:`check` refuses, with the one-line error and the estimate, a scenario whose memory would
not fit: the memory available now (``/proc/meminfo``), the process's address-space limit
(``RLIMIT_AS``) and its cgroup's limit, whichever is tightest. ``--max-memory GIB`` on the
command line (the ``POLSIM_MAX_MEMORY_GIB`` environment variable, which worker processes
inherit) sets the limit instead, for a machine whose free memory understates what it has.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass
from pathlib import Path

from polsim.rules.routing import TRIP_THREADS
from polsim.scenario.schema import ScenarioSpec
from polsim.scenario.validate import ScenarioError

GIB = 2**30
LIMIT_ENV = "POLSIM_MAX_MEMORY_GIB"
"""Environment variable holding the memory limit in GiB (set by ``--max-memory``)."""

# -- memory, resident bytes (measured with python -m tests.calibrate_budget; docs/scenarios.md) ---
BASE_BYTES = 280 * 2**20
"""A process that has imported polsim and run the default scenario: Python, NumPy, Numba, Mesa."""
CELL_BYTES = 170
"""Per cell while running: the city's layers, the field (A0, B and its next step, walk weights),
the presence rasters, the policy's area rasters, the footfall raster and its CDF (measured
143-169 B on 1-4 million cells)."""
TRIP_SCRATCH_BYTES = 16
"""Per cell and helper thread searching patrol trips (``polsim.engine.trip_search``: one a core beyond
the first, up to ``TRIP_THREADS - 1``), made when a step starts enough trips."""
CELL_TYPE_BYTES = 8
"""Per cell and crime type: the crimes-by-cell counts (untouched pages cost nothing at first,
but a long run touches them; counted whole)."""
GENERATE_CELL_BYTES = 120
"""Per cell while the city is generated (indices, distances, labels: freed before the run)."""
CENTRE_CELL_BYTES = 13
"""Per cell and commercial centre while the city is generated (a distance raster each, and
their stack: 50 centres on a million cells took 790 MB)."""
OFFENDER_BYTES = 140
"""Per offender: a dozen columns, this step's draws, the sort's copies (measured 138 B)."""
GUARDIAN_BYTES = 100
"""Per grid worker or volunteer: position, grid rectangle, disks, draws (measured 99 B)."""
UNIT_BYTES = 400
"""Per police unit: two dozen columns, the per-type lists built on the way (measured 350 B)."""
GRID_BYTES = 200
"""Per comprehensive grid: its 15-digit code and its bases."""
INCIDENT_BYTES = 160
"""Per incident of the run: its archived row (85 B) and the summary's and table's columns."""
CALL_RECORD_BYTES = 200
"""Per recorded call of a replay: its row of the time-sorted table (times, cell, type, its
recorded durations and its id as a Python string)."""
ROW_BYTES = 400
"""Per DataCollector row (one every ``output.collect_every`` steps)."""
ADDRESS_SPACE_FACTOR = 1.6
"""Address space mapped per byte of resident memory a model adds (zeroed arrays are mapped
whole and touched later; measured 1.5 on 4 million cells): what ``ulimit -v`` is held to."""

# -- time, seconds on a free 2-core machine ------------------------------------------------------
# Relative costs measured with python -m tests.calibrate_budget on the shared machine, scaled to
# the figures docs/performance.md gives for a free one (the default city's week in about 12 s,
# citywide's in 128-133 s before travel on the network and 245 s on it, the difference
# mostly the dispatch search, SEARCH_*; the offender kernel at 60 M offender-steps a second).
# Rough: within a factor of two or three, to tell minutes from hours.
STEP_SECONDS = 1e-3
"""A step's fixed cost: Python between the kernels, the SimPy environment, the collector."""
CELL_STEP_SECONDS = 1e-8
"""Per cell and step: the field update, walk weights, deterrence, visibility."""
OFFENDER_STEP_SECONDS = 1.6e-8
"""Per offender and step: the compiled offender rule."""
UNIT_STEP_SECONDS = 1.3e-7
"""Per police unit and step: its move, its patrol target, dispatch's scan."""
GUARDIAN_STEP_SECONDS = 3e-8
"""Per grid worker or volunteer and step: its move within its grid."""
DISK_CELL_SECONDS = 3e-9
"""Per cell of a moving agent's disk edge and step (a disk is cut at the city's edge)."""
INCIDENT_SECONDS = 2e-4
"""Per incident: its SimPy processes, detection and dispatch."""
SEARCH_CELL_SECONDS = 3.5e-8
"""Per cell the dispatch centre's nearest-unit search settles (a bucket queue; citywide, measured)."""
SEARCH_CELLS_PER_UNIT_AREA = 40.0
"""Cells a search settles, in units of the city's cells per responding unit: the search covers
a disk out to the nearest free unit, which under load is far (fitted on citywide's loaded week,
whose decisions settle about 40 x its 461 cells a unit; docs/performance.md)."""
QUEUE_SCAN_SECONDS = 1e-5
"""Per waiting call each time dispatch looks for a unit: when calls come faster than the units
can serve them the queue grows, and every new call and freed unit scans it."""
BUSY_MINUTES = 40.0
"""Minutes a unit is taken by a call (travel and time on scene), for the queue's growth."""
CELL_SETUP_SECONDS = 3e-6
"""Per cell when the city is generated."""
GRID_PAIR_SECONDS = 1e-9
"""Per pair of grids when the grids' bases are spread over the city."""
CAMERA_SECONDS = 2e-5
"""Per camera placed."""
AGENT_SETUP_SECONDS = 5e-6
"""Per guardian or unit placed."""
OFFENDER_SETUP_SECONDS = 2e-7
"""Per offender placed."""

FEEDBACK = 1.0
"""Crimes a minute over the baseline rate offenders x A0 x weights: deterrence, flight and jail
take off about what the near-repeat field (B) adds (citywide: ~16,000 incidents a day against
17,000 by this rate; the default city: 56 a day against 58)."""


@dataclass(frozen=True)
class Estimate:
    """What a run of a scenario is expected to cost."""

    peak_bytes: int
    """Peak resident memory of the process running it."""
    setup_seconds: float
    """Building the city and the model."""
    step_seconds: float
    """One step, on average."""
    steps: int
    """Steps of the run."""
    incidents: int
    """Incidents expected over the run (crimes and disputes)."""

    @property
    def seconds(self) -> float:
        """The whole run, setup included."""
        return self.seconds_for(self.steps)

    def seconds_for(self, steps: int) -> float:
        """A run of ``steps`` steps, setup included."""
        return self.setup_seconds + self.step_seconds * steps

    def describe(self) -> str:
        """``peak memory about 0.35 GiB, about 12 s for 10,080 steps``."""
        return (f"peak memory about {self.peak_bytes / GIB:.2f} GiB, about {duration(self.seconds)} "
                f"for {self.steps:,} steps")


def duration(seconds: float) -> str:
    """Seconds as a short human duration: ``12 s``, ``4.5 min``, ``3.2 h``, ``2.0 days``."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def estimate(spec: ScenarioSpec, steps: int | None = None, calls: int = 0) -> Estimate:
    """The expected peak memory and duration of a run of ``spec`` (``steps``: default the
    scenario's own length; ``calls``: the recorded calls a replay feeds, on top of its crime).
    """
    c = spec.city
    cells = c.rows * c.cols
    grids = -(-c.rows // c.grid_cells) * -(-c.cols // c.grid_cells)
    dt = spec.time.step_minutes
    steps = int(round(spec.time.days * 1440 / dt)) if steps is None else steps
    offenders = _offender_rows(spec, cells, steps)
    guardians = grids * spec.guardians.grid_workers_per_grid + spec.guardians.volunteers
    units = sum(u.count for u in spec.units.values())
    incidents = int(_incidents_per_minute(spec, offenders) * steps * dt) + calls
    rows = steps // spec.output.collect_every + 1
    helpers = min(os.cpu_count() or 1, TRIP_THREADS) - 1
    running = (cells * (CELL_BYTES + CELL_TYPE_BYTES * len(spec.crimes) + TRIP_SCRATCH_BYTES * helpers)
               + offenders * OFFENDER_BYTES
               + guardians * GUARDIAN_BYTES + units * UNIT_BYTES + incidents * INCIDENT_BYTES
               + rows * ROW_BYTES + calls * CALL_RECORD_BYTES)
    generating = cells * (GENERATE_CELL_BYTES + CENTRE_CELL_BYTES * c.centres)
    peak = BASE_BYTES + grids * GRID_BYTES + max(running, generating)
    return Estimate(int(peak), _setup_seconds(spec, cells, grids, guardians, units),
                    _step_seconds(spec, cells, offenders, guardians, units, incidents / max(steps, 1), steps),
                    steps, incidents)


def _offender_rows(spec: ScenarioSpec, cells: int, steps: int) -> int:
    """Offender rows: the count, and in the short2008 model the births waiting for their crime."""
    o = spec.offenders
    if o.model != "short2008" or o.short2008_birth_rate <= 0:
        return o.count
    dt = spec.time.step_minutes
    births = cells * min(1.0, o.short2008_birth_rate * dt)
    crime = min(1.0, _peak_rate(spec) * dt)
    waiting = min(steps, 1.0 / crime) if crime > 0 else steps
    return int(o.count + 1.5 * births * waiting)  # the rows grow by half again when full


def _peak_rate(spec: ScenarioSpec) -> float:
    f = spec.field
    return f.a0_per_min * max(f.land_use_weight.values(), default=1.0) * max(f.crime_by_hour)


def _incidents_per_minute(spec: ScenarioSpec, offenders: int) -> float:
    """Crimes and disputes a minute: the baseline rate times :data:`FEEDBACK`, at most one
    crime per offender per flight (an offender fleeing commits none).
    """
    f, c = spec.field, spec.city
    shares = {k: v for k, v in c.land_use.items() if k != "residential"}
    shares["residential"] = max(0.0, 1.0 - sum(shares.values()))
    weight = sum(share * f.land_use_weight.get(use, 1.0) for use, share in shares.items())
    rate = offenders * f.a0_per_min * weight * (sum(f.crime_by_hour) / 24) * FEEDBACK
    cap = offenders / (spec.time.step_minutes * (1 + spec.offenders.flee_steps))
    return min(rate, cap) + spec.disputes.per_day / 1440


def _setup_seconds(spec: ScenarioSpec, cells: int, grids: int, guardians: int, units: int) -> float:
    c = spec.city
    busiest = (c.workstations + c.centres) * cells * 2e-9  # an argmax over the city per base
    return (cells * CELL_SETUP_SECONDS + grids * grids * GRID_PAIR_SECONDS + busiest
            + min(c.cameras, cells) * CAMERA_SECONDS + (guardians + units) * AGENT_SETUP_SECONDS
            + spec.offenders.count * OFFENDER_SETUP_SECONDS)


def _step_seconds(spec: ScenarioSpec, cells: int, offenders: int, guardians: int, units: int,
                  incidents: float, steps: int) -> float:
    c = spec.city
    reach = c.rows + c.cols  # a disk wider than the city costs no more than the city
    edge = min(2 * _cells(spec.guardians.sight_m, c.cell_m) + 1, reach)
    unit_edges = sum(u.count * sum(min(2 * _cells(r, c.cell_m) + 1, reach) for r in (u.sight_m, u.deter_m,
                                                                                  u.capture_m))
                     for u in spec.units.values())
    return (STEP_SECONDS + cells * CELL_STEP_SECONDS + offenders * OFFENDER_STEP_SECONDS
            + units * UNIT_STEP_SECONDS + guardians * GUARDIAN_STEP_SECONDS
            + (guardians * edge + unit_edges) * DISK_CELL_SECONDS + incidents * INCIDENT_SECONDS
            + incidents * _search_seconds(spec, cells) + _queue_seconds(spec, incidents, steps))


def _search_seconds(spec: ScenarioSpec, cells: int) -> float:
    """A dispatch decision's search on the network (at most the whole city)."""
    responding = max(1, sum(u.count for u in spec.units.values() if u.responds))
    return min(cells, SEARCH_CELLS_PER_UNIT_AREA * cells / responding) * SEARCH_CELL_SECONDS


def _queue_seconds(spec: ScenarioSpec, incidents: float, steps: int) -> float:
    """A step's share of scanning a queue that grows because calls outrun the units."""
    dt = spec.time.step_minutes
    responding = sum(u.count for u in spec.units.values() if u.responds)
    served = responding / BUSY_MINUTES * dt  # calls the units can take a step
    growth = max(0.0, incidents - served)
    mean_waiting = growth * steps / 2
    return (incidents + served) * mean_waiting * QUEUE_SCAN_SECONDS


def _cells(metres: float, cell_m: float) -> int:
    return int(round(metres / cell_m))


# -- the limit ----------------------------------------------------------------------------------
def limit_bytes() -> tuple[int, str]:
    """The memory a new model may take, and where that figure comes from (for the error)."""
    given = os.environ.get(LIMIT_ENV)
    if given:
        return int(float(given) * GIB), f"--max-memory is {float(given):g} GiB"
    found = [(n, why) for n, why in (_meminfo_available(), _cgroup_room(), _address_space_room()) if n is not None]
    n, why = min(found, key=lambda item: item[0])
    return n, why


def _meminfo_available() -> tuple[int | None, str]:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                n = int(line.split()[1]) * 1024
                return n, f"this machine has {n / GIB:.1f} GiB available"
    except (OSError, ValueError, IndexError):
        pass
    try:  # not Linux: the physical memory
        n = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return n, f"this machine has {n / GIB:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        return None, ""


def _cgroup_room() -> tuple[int | None, str]:
    try:
        most = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if most == "max":
            return None, ""
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
        n = max(int(most) - used, 0)
        return n, f"this container has {n / GIB:.1f} GiB left"
    except (OSError, ValueError):
        return None, ""


def _address_space_room() -> tuple[int | None, str]:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None, ""
    used = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    room = max(soft - used, 0)
    # a model maps more than it touches: the room, in the resident bytes the estimate counts
    return int(room / ADDRESS_SPACE_FACTOR), f"this process may map {room / GIB:.1f} GiB more (ulimit -v)"


def check(spec: ScenarioSpec, source: str, steps: int | None = None, calls: int = 0) -> Estimate:
    """The estimate of ``spec``; raises the one-line :class:`ScenarioError` if it would not fit.

    The model's own memory (the estimate less what the running process already holds, which a
    fresh ``polsim run`` reaches on import) must fit the limit.
    """
    guess = estimate(spec, steps, calls)
    limit, why = limit_bytes()
    needed = guess.peak_bytes - BASE_BYTES
    if needed > limit:
        raise ScenarioError(source, "", f"the model would take about {needed / GIB:.2f} GiB ({guess.describe()}) "
                            f"but {why}; allowed: a smaller scenario, or --max-memory GIB to raise the limit")
    return guess


def parse_gib(text: str) -> float:
    """A ``--max-memory`` value: a positive, finite number of GiB."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--max-memory must be a number of GiB, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"--max-memory must be a positive number of GiB, got {text}")
    return value


# -- compiling --------------------------------------------------------------------------------
COMPILE_SECONDS = 15.0
"""Compiling the kernels on a machine whose cache is cold (13 s measured on 2 cores)."""

_KERNELS = (("polsim.rules.presence", "move_disks"), ("polsim.rules.movement", "units_loop"),
            ("polsim.rules.movement", "guardians_loop"), ("polsim.rules.field", "_update_serial"))
"""Kernels every run calls in its first step: if any is missing from Numba's cache, the first
step compiles them all."""


def kernels_cold() -> bool:
    """Whether the first step will compile the kernels (Numba's on-disk cache lacks them, or holds
    them for an older source). Reads Numba's cache index, a private interface: if it changes,
    the answer is ``False`` (no message), never an error.
    """
    import importlib

    try:
        for module, name in _KERNELS:
            kernel = getattr(importlib.import_module(module), name, None)
            cache = getattr(kernel, "_cache", None)
            if cache is not None and not cache._cache_file._load_index():
                return True
    except Exception:  # noqa: BLE001 - a private interface: no answer rather than a failure
        return False
    return False
