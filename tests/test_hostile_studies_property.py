"""Property: whatever numbers a hostile user gives the study commands, they end in exit 0 or in
exit 2 with one line on stderr, never a traceback, and write nothing when they refuse.

Each case is refused at its last step on purpose (an optimisation spec under ``--max-hours
1e-12``, a calibration of a period without records), so every check before it meets the drawn
values and no case runs a simulation.
"""

from __future__ import annotations

import os
import tomllib

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polsim.cli import main
from tests.hostile.studies import prepare_studies

pytest.importorskip("pymoo")

HUGE = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, 1, 2, 10**4, 10**6, 2**63, -1]))
"""Integers from the edges and far beyond them."""
NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 1e12, 1e-300]))
SPEC_INTEGERS = ("population", "generations", "replications", "final_replications", "max_replications",
                 "offspring", "seed_base", "search_seed")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studies_property")
    prepare_studies(folder)
    return folder


def _clean_refusal(code: int, err: str) -> None:
    assert "Traceback" not in err, err
    said = err.strip()
    assert code == 2 and said.splitlines() == [said], err


def _listing(folder) -> set[str]:
    return {os.path.join(d, f) for d, _, files in os.walk(folder) for f in files}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(SPEC_INTEGERS), HUGE, min_size=1, max_size=4))
def test_optimise_spec_numbers_end_in_one_line(prepared, capfd, values):
    spec = tomllib.loads((prepared / "spec.toml").read_text())  # the prepared spec, with the drawn values
    for key, value in values.items():
        spec[key] = value if -(2**63) <= value < 2**63 else str(value)  # TOML's integers are 64-bit
    path = prepared / "drawn.toml"
    path.write_text(tomli_w.dumps(spec))
    before = _listing(prepared)
    code = main(["optimise", str(path), "--out", str(prepared / "o"), "--max-hours", "1e-12", "--no-progress"])
    _clean_refusal(code, capfd.readouterr().err)
    assert _listing(prepared) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--days", "--warmup-days", "--bandwidth-m", "--block-m", "--alpha", "--damping",
                               "--max-outside", "--replications", "--rounds", "--workers"]),
       number=st.one_of(NUMBER, HUGE))
def test_calibrate_numbers_end_in_one_line(prepared, capfd, option, number):
    integer = option in ("--replications", "--rounds", "--workers")
    text = str(int(number)) if integer and isinstance(number, int) else repr(number)
    before = _listing(prepared)
    code = main(["calibrate", str(prepared / "tiny.toml"), "--data", str(prepared / "calls.parquet"),
                 "--period", "2019-05", "--out", str(prepared / "o" / "x.toml"), "--no-progress", option, text,
                 *([] if option == "--workers" else ["--workers", "0"])])
    _clean_refusal(code, capfd.readouterr().err)
    assert _listing(prepared) == before
