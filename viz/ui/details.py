"""What a click on the map shows: the unit under the pointer, or else the cell."""

from __future__ import annotations

import numpy as np

from polsim.engine.units import UNIT_STATES
from polsim.model import PolicingModel
from polsim.scenario.schema import LAND_USES

UNIT_PICK_CELLS = 1.0
"""A click picks a unit when one stands within this many cells (markers overhang their cell)."""


def unit_near(model: PolicingModel, r: int, c: int, radius: float = UNIT_PICK_CELLS) -> int:
    """The unit nearest to cell (r, c) within ``radius`` cells, or -1."""
    u = model.units
    if len(u) == 0:
        return -1
    d2 = (u.r - r) ** 2 + (u.c - c) ** 2
    j = int(np.argmin(d2))
    return j if d2[j] <= radius * radius else -1


def unit_details(model: PolicingModel, j: int) -> dict[str, str]:
    """Type, kind, state, position and incident of unit ``j``."""
    u = model.units
    out = {"unit": f"#{j}", "type": u.type_names[u.type_idx[j]], "kind": u.types[u.type_idx[j]].kind,
           "state": UNIT_STATES[u.state[j]], "cell": f"({u.r[j]}, {u.c[j]})",
           "grid code": model.city.grid_code(int(u.r[j]), int(u.c[j]))}
    if u.incident[j] >= 0:
        inc = model.incidents.get(int(u.incident[j]))
        if inc is not None:
            out["incident"] = f"#{inc.id} {inc.kind} at ({inc.r}, {inc.c})"
    return out


def cell_details(model: PolicingModel, r: int, c: int) -> dict[str, str]:
    """Grid code, land use and the crimes of cell (r, c) so far, by type."""
    counts = model.metrics.crimes_by_cell[:, r, c]
    by_type = ", ".join(f"{name} {int(n)}" for name, n in zip(model.crime_names, counts, strict=True) if n)
    return {"cell": f"({r}, {c})", "grid code": model.city.grid_code(r, c),
            "land use": LAND_USES[model.city.land_use[r, c]],
            "crimes": f"{int(counts.sum())}" + (f" ({by_type})" if by_type else "")}


def click_details(model: PolicingModel, r: int, c: int) -> dict[str, str]:
    """A unit near the click if there is one, else the cell."""
    j = unit_near(model, r, c)
    return unit_details(model, j) if j >= 0 else cell_details(model, r, c)
