"""The coverage row of polsim bench: registered, and printed with its targets."""

from __future__ import annotations

from polsim.benchmarks.table import ROWS, TARGETS, format_table


def test_the_coverage_row_prints_its_figures_and_targets():
    assert "coverage" in ROWS
    row = {"build_s": 24.0, "cells": 921600,
           "patrol_car": {"fields_s": 2.3, "with_tables_s": 4.35, "units": 800},
           "all_units": {"fields_s": 2.23, "with_tables_s": 2.85, "units": 2000},
           "siting": {"seconds": 0.69, "candidates": 500, "sites": 10, "gap": 0.0, "share_before": 0.08,
                      "share_after": 0.09, "demand_cells": 659613}}
    text = format_table({"quick": False, "cpus": 2, "load_before": 1.0, "load_after": 1.0, "coverage": row})
    assert "patrol cars (800 units) 2.30 s" in text and "all 2000 units 2.23 s" in text
    assert f"target < {TARGETS['coverage_hour_s']:.0f} s" in text
    assert "10 among 500 candidates" in text and f"target < {TARGETS['coverage_siting_s']:.0f} s" in text
