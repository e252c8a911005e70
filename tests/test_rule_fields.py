"""The rules' flat argument tuples (Numba takes no tuple inside a tuple) and the owners of the
arrays they carry: each field list is written once, and these tests fail when two of them part.
"""

from __future__ import annotations

import typing

from polsim.engine.offenders import RULE_ROWS, Offenders
from polsim.engine.units import MOVED_ROWS, Units
from polsim.rules.movement import UnitMoveArgs
from polsim.rules.offender import OffenderArgs, OffenderParams
from tests.conftest import small_model

OFFENDER_RASTERS = ("a0", "b", "weight", "deterrence", "capture", "passable", "type_label", "type_cdf",
                    "type_flees", "draws")
"""What the model hands the offender rule besides the offenders' rows and the parameters."""
UNIT_STEP_INPUTS = ("rate", "w_drive", "w_walk", "cols", "dt")
"""What the model hands the movement rule besides the units' rows."""


def test_offender_args_are_the_rows_then_the_rasters_then_the_params():
    rows, params = len(RULE_ROWS), len(OffenderParams._fields)
    assert OffenderArgs._fields[:rows] == RULE_ROWS  # a renamed Offenders field leaves a hole here
    assert OffenderArgs._fields[rows:-params] == OFFENDER_RASTERS
    assert OffenderArgs._fields[-params:] == OffenderParams._fields
    hints, param_hints = typing.get_type_hints(OffenderArgs), typing.get_type_hints(OffenderParams)
    assert {f: hints[f] for f in OffenderParams._fields} == param_hints
    assert set(RULE_ROWS) <= set(Offenders.__dataclass_fields__)


def test_unit_move_args_are_the_rows_and_the_steps_inputs():
    assert set(UnitMoveArgs._fields) == set(MOVED_ROWS) | set(UNIT_STEP_INPUTS)
    assert not set(UNIT_STEP_INPUTS) & set(Units.__dataclass_fields__)
    assert {"r", "c", "credit", "moving", "arrive_frac", "path_at"} <= set(MOVED_ROWS)


def test_the_rules_get_the_owners_arrays_themselves():
    """The rules write in place: the tuples hold the very arrays of ``Offenders`` and ``Units``."""
    m = small_model(1)
    m.step()
    offenders, units = m.step_args.offenders, m.step_args.units
    assert all(getattr(offenders, f) is getattr(m.offenders, f) for f in RULE_ROWS)
    assert all(getattr(units, f) is getattr(m.units, f) for f in MOVED_ROWS)
