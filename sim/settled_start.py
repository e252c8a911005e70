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
  no police and no guardians, in blocks of a quarter of ``B``'s decay time 1/omega, until the
  crimes of a block differ from those two blocks before by no more than ``SETTLED_CHANGE`` (or
  one Poisson standard error): at least ``MIN_BLOCKS`` (two decay times), at most ``MAX_BLOCKS``.
  Where repeat victimisation runs away (the crimes ``B`` attracts raise ``B`` without bound)
  there is no long-run state: the burn-in stops at ``MAX_BLOCKS`` and says so (``converged``
  false). Nothing of the burn-in is counted; its length is reported.

The offenders' cells and the burn-in's draws come from the model's own ``settling`` stream, so
both backends start from the same state. Their homes are drawn as before (a jailed offender
returns home), and so is everything else: a "homes" run is unchanged by this module.

What the start leaves out, and why it matters little: police units start at their bases and
reach their patrol pattern within an hour or two of a run; offenders are all walking (the
fleeing and jailed shares of a long run are below a percent at the default rates); Short et
al.'s hotspots in the supercritical regime form from noise around this mean-field state, which
is then not where a long run ends up (the start removes the drift to it, not the instability).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.field import decay_factor, update_field
from polsim.rules.offender import OffenderParams, offenders_loop, offenders_loop_serial, walk_weights

if TYPE_CHECKING:
    from polsim.offenders import Offenders
    from polsim.scenario.schema import FieldSpec

STARTS = ("homes", "settled")
"""Where a run's offenders start: at their homes, or in the rules' long-run state."""

SETTLED_CHANGE = 0.02
"""Relative change of a block's crimes from those two blocks before, below which the burn-in has
settled (or, where counts are small, one Poisson standard error of the difference)."""
MIN_BLOCKS = 8
"""Blocks of the burn-in at least: two decay times of ``B`` (offenders who flee after a crime
spread out from the walk's occupancy and take about that long to gather again)."""
MAX_BLOCKS = 40
"""Blocks of the burn-in at most: ten decay times of ``B``."""
DAY_MIN = 1440.0
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
    scale = 1.0 - decay + decay * eta
    if scale <= 0.0:
        return None
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


def block_steps(omega_per_min: float, dt: float) -> int:
    """Steps of a burn-in block: a quarter of ``B``'s decay time (a day when nothing decays)."""
    decay_min = 1.0 / omega_per_min if omega_per_min > 0 else 4 * DAY_MIN
    return max(1, round(decay_min / 4 / dt))


def settled(block_crimes: list[int]) -> bool:
    """Whether the last block's crimes are within ``SETTLED_CHANGE`` (or one Poisson standard
    error) of those two blocks before, after at least ``MIN_BLOCKS``: two blocks apart, so
    that a slow drift is not hidden in the noise of neighbouring blocks.
    """
    if len(block_crimes) < MIN_BLOCKS:
        return False
    last, before = block_crimes[-1], block_crimes[-3]
    return abs(last - before) <= max(SETTLED_CHANGE * max(last, before), float(np.sqrt(last + before)))


@dataclass(frozen=True)
class CrimeTables:
    """What the offender rule needs to draw a crime's type (:class:`polsim.field.CrimeMix`'s arrays)."""

    type_label: np.ndarray
    type_cdf: np.ndarray
    flees: np.ndarray


PARALLEL_MIN_OFFENDERS = 20_000
"""From this many offenders the burn-in's offender loop runs on every core (as the engine's does;
any visiting order gives the same result)."""


def settle(offenders: Offenders, a0: np.ndarray, b: np.ndarray, passable: np.ndarray, field: FieldSpec,
           tables: CrimeTables, params: OffenderParams, rng: np.random.Generator) -> SettledReport:
    """Move ``offenders`` and the field ``b`` (in place) to the settled start (module docstring).

    ``params`` are the offender rule's; the burn-in runs at the daily mean hour factor.
    """
    dt, periodic = params.dt, field.periodic
    hour = float(np.mean(field.crime_by_hour))
    params = params._replace(hour_factor=hour)
    decay = decay_factor(field.omega_per_min, dt)
    n = len(offenders)
    start = a0 * hour * passable
    offenders.r[:], offenders.c[:] = draw_cells(walk_stationary(start, periodic), n, rng)
    balance = field_balance(field.theta * walk_crimes(start, passable, n, dt, periodic), passable, field.eta,
                            decay, periodic)
    b[...] = 0.0 if balance is None else balance
    steps = block_steps(field.omega_per_min, dt)
    crimes: list[int] = []
    state = _BurnIn(offenders, a0, b.copy(), passable, field, tables, params, decay)
    while len(crimes) < MAX_BLOCKS and not settled(crimes):
        crimes.append(sum(state.step(rng) for _ in range(steps)))
    b[...] = state.b
    offenders.crime[:] = -1
    offenders.arrested[:] = False
    open_b = b[passable.astype(bool)]
    return SettledReport("settled", steps * len(crimes), steps * len(crimes) * dt / DAY_MIN, steps,
                         settled(crimes), crimes, float(open_b.mean()) if open_b.size else 0.0,
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
        self.loop = offenders_loop if len(offenders) >= PARALLEL_MIN_OFFENDERS else offenders_loop_serial

    def step(self, rng: np.random.Generator) -> int:
        """One step of the offenders and the field; the number of crimes in it."""
        o, f, t = self.offenders, self.field, self.tables
        walk_weights(self.weight, self.a0, self.b, self.params.hour_factor, self.no_risk, 0.0, self.passable)
        args = o.rule_args(a0=self.a0, b=self.b, weight=self.weight, deterrence=self.no_deterrence,
                           capture=self.no_risk, passable=self.passable, type_label=t.type_label,
                           type_cdf=t.type_cdf, type_flees=t.flees, params=self.params,
                           draws=rng.random(out=self.draws))
        self.loop(self.rows, args, 0)
        who = np.flatnonzero(o.crime >= 0)
        update_field(self.b, self._b_next, o.r[who], o.c[who], self.passable, f.eta, self.decay, f.theta,
                     f.periodic)
        self.b, self._b_next = self._b_next, self.b
        return int(who.size)
