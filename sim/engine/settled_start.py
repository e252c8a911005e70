"""A run that starts settled: offenders and the field ``B`` drawn from the rules' long-run state.

Offenders placed at their homes take days to weeks to gather on attractive cells of a large
lattice (a walk mixes over a lattice of side L in about L^2 steps), and ``B`` builds up from
zero over its decay time 1/omega, so a run that starts at the homes is measured in a transient:
crime rises through it. ``offenders.start = "settled"`` starts from the mean-field long-run
state of the rules instead:

- **the walk.** An offender steps to a neighbour with probability proportional to its weight
  ``w`` (the attractiveness ``A = A0 * hour factor + B`` of a passable cell). Detailed balance
  holds with ``pi_i P(i->j) = w_i w_j`` (symmetric), so the walk's stationary distribution is
  ``pi_i ~ w_i W_i``, ``W_i`` the summed weight of the neighbours (docs/calibration.md derives
  the same). The hour factor is taken at its daily mean; police risk, absent at the start, is
  left out.
- **the field.** In the long run ``B`` balances its crimes: ``B = d [(1 - eta) B + eta M B] +
  theta E``, ``d = 1 - omega dt`` the decay of a step, ``M`` the mean over passable neighbours
  and ``E = N pi (1 - exp(-A dt))`` the expected crimes a step of ``N`` offenders on the walk.
  Written as ``(1 - d + d eta) (I - eps M) B = theta E`` with ``eps = d eta / (1 - d + d eta)
  < 1`` it is the Neumann series ``B = sum_k eps^k M^k theta E / (1 - d + d eta)`` (``M`` is an
  average, so the terms shrink by ``eps``).
- **the burn-in.** ``E`` depends on ``B`` (through ``A`` and ``pi``), and offenders who offend
  flee, which no closed form of the walk holds; so the start takes ``B`` as the balance of the
  crimes of the walk at ``B = 0``, then runs the offender and field rules themselves
  (:func:`polsim.rules.offender.offender_step`, :func:`polsim.rules.field.update_field`), with
  no police and no guardians, through the scenario's hours in blocks of a day: for at least
  ``MIN_DECAY_TIMES`` decay times of ``B`` (1/omega), and until the crimes of the last two days
  differ from those of two days a decay time earlier by no more than ``SETTLED_CHANGE`` (or one
  Poisson standard error); at most ``MAX_DAYS``. Where repeat victimisation runs away (the
  crimes ``B`` attracts raise ``B`` without bound) there is no long-run state: the burn-in
  stops at ``MAX_DAYS`` and says so (``converged`` false). Nothing of the burn-in is counted;
  its length is reported.

The offenders' cells and the burn-in's draws come from the model's own ``settling`` stream, so
both backends start from the same state. Their homes are drawn as before (a jailed offender
returns home), and so is everything else: a "homes" run is unchanged by this module.

What the start leaves out: police and guardians. Units start at their bases and reach their
patrol pattern within an hour or two; but where they deter and arrest, the run's long-run state
differs from the burn-in's (offenders avoid police cells, and an arrest takes an offender out
for ``jail_days``, so a run with many arrests loses offenders for weeks whatever its start).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.engine.backends import PARALLEL_MIN_OFFENDERS
from polsim.rules.field import decay_factor, update_field
from polsim.rules.offender import OffenderParams, offenders_loop, offenders_loop_serial, walk_weights

if TYPE_CHECKING:
    from polsim.engine.offenders import Offenders
    from polsim.scenario.schema import FieldSpec

SETTLED_CHANGE = 0.02
"""Relative change of the crimes of the last two blocks from two blocks a decay time of ``B``
earlier, below which the burn-in has settled (or one Poisson standard error, where counts are small)."""
MIN_BLOCKS = 4
"""Blocks of the burn-in at least, beyond the decay time that the comparison spans."""
MIN_DECAY_TIMES = 3
"""Decay times of ``B`` the burn-in runs at least: the start's crime falls to its level with about
that time constant (offenders who flee after a crime spread out from the walk's occupancy), so
after three a twentieth of the first gap is left, too little for a run's halves to show."""
MAX_DAYS = 60.0
"""Days of burn-in at most: twelve decay times of ``B`` at the default decay."""
DAY_MIN = 1440.0
"""Minutes in a day."""
SERIES_TOLERANCE = 1e-13
"""Relative size of the Neumann series' last term at which it stops."""


@dataclass(frozen=True)
class SettledReport:
    """How the settled start was reached (``summary.json``'s ``start``)."""

    start: str
    burn_in_steps: int
    burn_in_days: float
    block_steps: int
    converged: bool
    block_crimes: list[int]
    """Crimes in each block of the burn-in (not counted in the run)."""
    b_mean: float
    b_max: float

    def as_dict(self) -> dict:
        """Plain JSON-ready values."""
        return asdict(self)


def neighbour_sum(x: np.ndarray, periodic: bool) -> np.ndarray:
    """The sum of ``x`` over each cell's four neighbours (off a hard edge counts nothing)."""
    if periodic:
        return np.roll(x, 1, 0) + np.roll(x, -1, 0) + np.roll(x, 1, 1) + np.roll(x, -1, 1)
    out = np.zeros_like(x)
    out[1:] += x[:-1]
    out[:-1] += x[1:]
    out[:, 1:] += x[:, :-1]
    out[:, :-1] += x[:, 1:]
    return out


def walk_stationary(weight: np.ndarray, periodic: bool) -> np.ndarray:
    """Stationary distribution of the walk that steps to a neighbour in proportion to its
    ``weight`` (zero on cells it cannot enter): ``pi_i ~ w_i W_i``, normalised to sum to 1.

    All zeros when no cell has a neighbour with weight (a walk that never moves).
    """
    pi = weight * neighbour_sum(weight, periodic)
    total = pi.sum()
    return pi / total if total > 0 else pi


def neighbour_mean(b: np.ndarray, passable: np.ndarray, periodic: bool) -> np.ndarray:
    """Mean of ``b`` over each cell's passable neighbours (its own value when it has none),
    as the field rule diffuses ``B`` (:func:`polsim.rules.field.neighbour_mean`).
    """
    open_ = passable.astype(float)
    z = neighbour_sum(open_, periodic)
    total = neighbour_sum(b * open_, periodic)
    return np.where(z > 0, total / np.maximum(z, 1.0), b)


def field_balance(source: np.ndarray, passable: np.ndarray, eta: float, decay: float,
                  periodic: bool) -> np.ndarray | None:
    """``B`` with ``B = decay [(1 - eta) B + eta M B] + source`` (the long-run field of a
    constant ``source`` a step); None when it has none (``decay`` 1: nothing decays).
    """
    if decay >= 1.0:  # nothing decays: a constant source raises B for ever
        return None
    scale = 1.0 - decay + decay * eta
    eps = decay * eta / scale
    term = source * passable / scale
    b = term.copy()
    peak = float(np.abs(term).max()) if term.size else 0.0
    while peak > 0 and eps > 0:
        term = eps * neighbour_mean(term, passable, periodic) * passable
        b += term
        if float(np.abs(term).max()) <= SERIES_TOLERANCE * float(np.abs(b).max()):
            break
    return b


def walk_crimes(a: np.ndarray, passable: np.ndarray, offenders: int, dt: float, periodic: bool) -> np.ndarray:
    """Expected crimes a step at each cell of ``offenders`` on the walk at attractiveness ``a``."""
    pi = walk_stationary(a * passable, periodic)
    return offenders * pi * -np.expm1(-a * dt)


def block_steps(dt: float) -> int:
    """Steps of a burn-in block: one day, so that every block sees every hour of the day once and
    the burn-in ends at the hour the run starts.
    """
    return max(1, round(DAY_MIN / dt))


def lag_blocks(omega_per_min: float) -> int:
    """Blocks (days) of ``B``'s decay time, at least 1: the span the stopping rule compares across."""
    decay_days = 1.0 / omega_per_min / DAY_MIN if omega_per_min > 0 else MAX_DAYS
    return max(1, min(round(decay_days), int(MAX_DAYS) // 2))


def settled(block_crimes: list[int], lag: int) -> bool:
    """Whether the crimes of the last two blocks are within ``SETTLED_CHANGE`` (or one Poisson
    standard error) of the two blocks ``lag`` blocks earlier, after ``lag + MIN_BLOCKS`` blocks and
    ``MIN_DECAY_TIMES`` decay times:
    a decay time apart, so that a slow drift is not hidden in the noise of neighbouring blocks.
    """
    if len(block_crimes) < max(lag + MIN_BLOCKS, MIN_DECAY_TIMES * lag):
        return False
    last = block_crimes[-1] + block_crimes[-2]
    before = block_crimes[-1 - lag] + block_crimes[-2 - lag]
    return abs(last - before) <= max(SETTLED_CHANGE * max(last, before), float(np.sqrt(last + before)))


@dataclass(frozen=True)
class CrimeTables:
    """What the offender rule needs to draw a crime's type (:class:`polsim.engine.field.CrimeMix`'s arrays)."""

    type_label: np.ndarray
    type_cdf: np.ndarray
    flees: np.ndarray


def settle(offenders: Offenders, a0: np.ndarray, b: np.ndarray, passable: np.ndarray, field: FieldSpec,
           tables: CrimeTables, params: OffenderParams, start_hour: int, rng: np.random.Generator) -> SettledReport:
    """Move ``offenders`` and the field ``b`` (in place) to the settled start (module docstring).

    ``params`` are the offender rule's; the burn-in follows the scenario's hours from
    ``start_hour`` in whole days, so that it ends at the hour the run starts.
    """
    dt, periodic = params.dt, field.periodic
    decay = decay_factor(field.omega_per_min, dt)
    n = len(offenders)
    start = a0 * float(np.mean(field.crime_by_hour)) * passable
    offenders.start_at(*draw_cells(walk_stationary(start, periodic), n, rng))
    balance = field_balance(field.theta * walk_crimes(start, passable, n, dt, periodic), passable, field.eta,
                            decay, periodic)
    b[...] = 0.0 if balance is None else balance
    steps, lag = block_steps(dt), lag_blocks(field.omega_per_min)
    hours = [field.crime_by_hour[int(start_hour + k * dt / 60.0) % 24] for k in range(steps)]
    crimes: list[int] = []
    state = _BurnIn(offenders, a0, b.copy(), passable, field, tables, params, decay)
    while len(crimes) < int(MAX_DAYS) and not settled(crimes, lag):
        crimes.append(sum(state.step(rng, hour) for hour in hours))
    b[...] = state.b
    offenders.forget_burn_in()
    open_b = b[passable.astype(bool)]
    return SettledReport("settled", steps * len(crimes), steps * len(crimes) * dt / DAY_MIN, steps,
                         settled(crimes, lag), crimes, float(open_b.mean()) if open_b.size else 0.0,
                         float(b.max()) if b.size else 0.0)


class _BurnIn:
    """The offender and field rules stepped with no police and no guardians."""

    def __init__(self, offenders: Offenders, a0: np.ndarray, b: np.ndarray, passable: np.ndarray,
                 field: FieldSpec, tables: CrimeTables, params: OffenderParams, decay: float) -> None:
        self.offenders, self.a0, self.b, self.passable = offenders, a0, b, passable
        self.field, self.tables, self.params, self.decay = field, tables, params, decay
        self._b_next = np.zeros_like(b)
        self.weight = np.zeros_like(b)
        # the engine's raster types (counts are 32-bit), so the compiled rules are the engine's
        self.no_risk = np.zeros(b.shape, np.int32)
        self.no_deterrence = np.zeros(b.shape)
        self.rows = np.arange(len(offenders), dtype=np.int64)
        self.draws = np.empty((len(offenders), 4))
        # the engine's choice of loop (any visiting order gives the same result)
        self.loop = offenders_loop if len(offenders) >= PARALLEL_MIN_OFFENDERS else offenders_loop_serial

    def step(self, rng: np.random.Generator, hour_factor: float) -> int:
        """One step of the offenders and the field at ``hour_factor``; the number of crimes in it."""
        o, f, t = self.offenders, self.field, self.tables
        params = self.params._replace(hour_factor=hour_factor)
        walk_weights(self.weight, self.a0, self.b, hour_factor, self.no_risk, 0.0, self.passable)
        args = o.rule_args(a0=self.a0, b=self.b, weight=self.weight, deterrence=self.no_deterrence,
                           capture=self.no_risk, passable=self.passable, type_label=t.type_label,
                           type_cdf=t.type_cdf, type_flees=t.flees, params=params,
                           draws=rng.random(out=self.draws))
        self.loop(self.rows, args, 0)
        who = np.flatnonzero(o.crime >= 0)
        update_field(self.b, self._b_next, o.r[who], o.c[who], self.passable, f.eta, self.decay, f.theta,
                     f.periodic)
        self.b, self._b_next = self._b_next, self.b
        return int(who.size)


def draw_cells(pi: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` cells (rows, cols) drawn from the distribution ``pi`` over the lattice."""
    cdf = np.cumsum(pi.ravel())
    cells = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), pi.size - 1)
    cols = pi.shape[1]
    return (cells // cols).astype(np.int64), (cells % cols).astype(np.int64)
