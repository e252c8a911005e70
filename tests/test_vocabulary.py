"""One vocabulary of metrics: summary.json's dotted names in compare, sweeps, reports and the UI panel."""

from __future__ import annotations

import pytest

from polsim.experiments.compare.report import HEADLINE
from polsim.experiments.compare.tables import compare_metrics
from polsim.experiments.sweep.spec import DEFAULT_METRICS
from polsim.measures.vocabulary import (
    BY_TYPE,
    COMPARED,
    LABELS,
    compared,
    flatten,
    is_share,
    label,
    number_names,
    summary_names,
)
from polsim.model import PolicingModel
from polsim.viz.ui.compare import HEADLINES


@pytest.fixture(scope="module")
def summary():
    """A real run's summary, with crimes of several types."""
    return PolicingModel("default", seed=3, overrides={"time.days": 0.25}).run().summary()


def test_flatten_names_every_value_by_its_dotted_path():
    flat = flatten({"a": {"b": 1, "c": {"d": None}}, "e": "x", "f": {}})
    assert flat == {"a.b": 1, "a.c.d": None, "e": "x"}


def test_every_name_used_anywhere_is_a_number_of_a_real_summary(summary):
    numbers, open_tables = number_names(summary)
    named = [m for m in COMPARED if m != BY_TYPE] + list(HEADLINE) + list(HEADLINES) + DEFAULT_METRICS + list(LABELS)
    assert sorted(set(named) - numbers) == []
    assert "detected_by" not in open_tables  # crimes were detected: the table filled
    known, tables = summary_names(summary["crimes"]["by_type"])
    assert known <= numbers and all(n.split(".")[0] in tables for n in numbers - known)


def test_a_model_not_yet_run_names_its_empty_tables():
    model = PolicingModel("default", seed=0)
    numbers, open_tables = number_names(model.summary())
    assert (numbers, open_tables) == summary_names(model.crime_names)  # the vocabulary knows them unbuilt
    assert open_tables == ["detected_by"]  # filled by who detects the first crimes
    assert {"crimes.total", "crimes.by_type.robbery", "response_time_min.mean"} <= numbers
    assert "scenario" not in numbers and "policy" not in numbers  # words, not metrics


def test_compared_metrics_follow_the_table_order_with_each_crime_type(summary):
    values = compared(summary)
    types = [f"{BY_TYPE}.{t}" for t in summary["crimes"]["by_type"]]
    assert len(types) >= 2
    names = list(values)
    at = names.index("crimes.total") + 1
    assert names[at:at + len(types)] == types and names[at + len(types)] == "arrests"
    flat = flatten(summary)
    assert all(values[m] == flat[m] for m in names)
    assert names[0] == "response_time_min.mean" and names[-1] == "disputes_escalated"


def test_compare_tables_are_keyed_by_the_summary_names(summary):
    table = compare_metrics({"a": [summary, summary], "b": [summary, summary]}, "a")
    assert list(table["b"]) == list(compared(summary))
    assert table["b"]["response_time_min.within_3"]["diff"]["mean"] == 0.0


def test_labels_and_shares():
    assert label("response_time_min.within_3") == "calls reached within 3 min (share)"
    assert label(f"{BY_TYPE}.ebike_theft") == "crimes, ebike theft"
    assert label("detected_by.victim") == "detected_by.victim"  # no label: the name itself
    assert is_share("utilisation") and is_share("response_time_min.within_1")
    assert not is_share("response_time_min.mean") and not is_share("crimes.total")
