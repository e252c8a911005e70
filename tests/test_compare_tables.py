"""Intervals and the comparison table on hand-made numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from polsim.compare.tables import compare_metrics, csv_rows, metric_label
from polsim.stats import paired_interval, t_interval
from polsim.viz.report import metrics_table


def test_t_interval_matches_scipy():
    x = [3.1, 2.4, 5.0, 4.2, 3.3]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    got = t_interval(x)
    assert (got.mean, got.low, got.high, got.n) == pytest.approx((np.mean(x), lo, hi, 5))
    assert got.half_width == pytest.approx((hi - lo) / 2)
    wider = t_interval(x, confidence=0.99)
    assert wider.low < got.low and wider.high > got.high


def test_missing_values_are_dropped_and_one_value_has_no_interval():
    assert t_interval([None, 2.0, float("nan"), 4.0]).as_dict() == pytest.approx(
        {"mean": 3.0, "ci_low": 3.0 - 12.706204736 * 1.0, "ci_high": 3.0 + 12.706204736, "n": 2})
    one = t_interval([None, 7.0])
    assert (one.mean, one.low, one.high, one.n) == (7.0, None, None, 1)
    assert not one.excludes_zero()
    assert t_interval([]).as_dict() == {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=1.0)


def test_paired_interval_is_the_interval_of_differences():
    a, b = [10.0, 11.25, 11.5, None], [9.0, 10.0, 10.5, 3.0]
    got = paired_interval(a, b)
    want = t_interval([1.0, 1.25, 1.0])
    assert (got.mean, got.low, got.high, got.n) == (want.mean, want.low, want.high, 3)
    assert got.excludes_zero()  # a consistent gain: decisive even with three pairs
    # pairing cancels the shared run-to-run variation: narrower than either sample's interval
    assert got.half_width < t_interval(a).half_width
    with pytest.raises(ValueError, match="differ in length"):
        paired_interval([1.0], [1.0, 2.0])


def summary(response, crimes, capture):
    return {"response_time_min": {"mean": response, "median": response, "p90": response + 1,
                                  "within_1": 0.1, "within_3": 0.5, "within_5": 0.9, "calls": 10},
            "crimes": {"total": sum(crimes.values()), "by_type": crimes}, "arrests": 2,
            "time_to_capture_min": {"mean": capture}, "utilisation": 0.2, "visibility": 0.3,
            "disputes_escalated": 0}


def test_compare_metrics_pairs_by_replication():
    runs = {"base": [summary(4.0, {"robbery": 10}, 5.0), summary(5.0, {"robbery": 12}, None),
                     summary(6.0, {"robbery": 8}, 7.0)],
            "new": [summary(3.0, {"robbery": 9}, 4.0), summary(4.5, {"robbery": 10}, 6.0),
                    summary(5.0, {"robbery": 8}, 6.0)]}
    table = compare_metrics(runs, "base")
    assert table["base"]["response_mean"]["diff"] is None
    diff = table["new"]["response_mean"]["diff"]
    want = t_interval([-1.0, -0.5, -1.0])
    assert (diff["mean"], diff["ci_low"], diff["ci_high"]) == pytest.approx((want.mean, want.low, want.high))
    assert diff["pct"] == pytest.approx(100 * (12.5 / 15 - 1))
    # the baseline's second run had no arrest: that pair is left out, the other two count
    capture = table["new"]["capture_mean"]
    assert capture["n"] == 3 and capture["diff"]["n"] == 2
    assert capture["diff"]["mean"] == pytest.approx(-1.0)
    assert table["new"]["crimes_robbery"]["mean"] == pytest.approx(9.0)
    rows = csv_rows(table)
    assert len(rows) == 2 * len(table["base"])
    assert metric_label("crimes_ebike_theft") == "crimes, ebike theft"


def test_report_table_highlights_decisive_differences_and_gives_shares_in_points():
    runs = {"base": [summary(4.0, {"robbery": 10}, 5.0), summary(5.0, {"robbery": 12}, 6.0),
                     summary(6.0, {"robbery": 8}, 7.0)],
            "new": [summary(3.0, {"robbery": 11}, 4.0), summary(4.5, {"robbery": 10}, 6.0),
                    summary(5.0, {"robbery": 8}, 6.0)]}
    page = metrics_table({"metrics": compare_metrics(runs, "base"), "settings": {"baseline": "base"}})
    rows = {r.split("</th>")[0].removeprefix("<th>"): r for r in page.split("<tr>")[2:]}
    response = rows["response time, mean (min)"]
    assert '<td class="decisive">-0.83 (-16.7%)' in response  # differences -1, -0.5, -1: CI below 0
    assert 'class="decisive"' not in rows["crimes, robbery"]  # +1, -2, 0: CI spans 0
    assert "<td>0.0 pp<br>" in rows["calls reached within 3 min (share)"]
    assert "<td>50.0%" in rows["calls reached within 3 min (share)"]
