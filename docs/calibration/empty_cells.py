"""How much of a calibrated model's ranking of blocks its crime on cells without records costs.

Run from the repository root after an in-sample calibration (docs/calibration.md, the back-test
section's "Why"); it reads only the training and the held-out month it is given::

    python docs/calibration/empty_cells.py SCENARIO DATA TRAIN HELD_OUT [REPLICATIONS DAYS]
"""

from __future__ import annotations

import sys

import numpy as np

from polsim.cities.source import city_for
from polsim.data.agreement import block_sums, pai, spearman
from polsim.data.observed import observe
from polsim.data.period import parse_period
from polsim.data.runs import simulate
from polsim.data.store import read_records
from polsim.scenario import load_scenario


def measures(forecast: np.ndarray, observed: np.ndarray, passable: np.ndarray, block: int) -> tuple[float, float]:
    """Spearman and PAI of ``forecast`` against ``observed`` over ``block``-cell blocks."""
    valid = block_sums(passable.astype(int), block) > 0
    f, o = block_sums(forecast, block).astype(float), block_sums(observed, block).astype(float)
    f[~valid], o[~valid] = np.nan, np.nan
    return round(spearman(f, o), 3), round(pai(f, o), 2)


def main(scenario: str, data: str, train: str, held_out: str, replications: int = 8, days: float = 16.0) -> None:
    """Print the share of simulated crime on empty cells and the measures with it and without it."""
    spec = load_scenario(scenario).spec
    city = city_for(spec.city)
    records = read_records(data)
    counts = {p: observe(records, city, list(spec.crimes), parse_period(p), data).counts.sum(axis=0)
              for p in (train, held_out)}
    runs = simulate(scenario, {}, list(range(1001, 1001 + replications)), days, 3.0)
    mean = np.mean([r.crimes.sum(axis=0) for r in runs], axis=0)
    empty = city.passable & (counts[train] == 0)
    print(f"simulated crime on cells without records: {mean[empty].sum() / mean[city.passable].sum():.1%}, "
          f"on {int((empty & (mean > 0)).sum())} of {int(empty.sum())} such cells")
    forced = np.where(empty, 0.0, mean)
    for block in (1, 2):
        print(f"{block * city.cell_m:.0f} m: naive {measures(counts[train], counts[held_out], city.passable, block)}, "
              f"simulated mean {measures(mean, counts[held_out], city.passable, block)}, "
              f"without the empty cells' crime {measures(forced, counts[held_out], city.passable, block)}")


if __name__ == "__main__":
    main(*sys.argv[1:5], *[f(v) for f, v in zip((int, float), sys.argv[5:7], strict=False)])
