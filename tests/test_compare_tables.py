"""The comparison table and the report's table on hand-made summaries."""

from __future__ import annotations

import pytest

from polsim.experiments.compare.report import metrics_table
from polsim.experiments.compare.tables import compare_metrics, csv_rows
from polsim.measures.stats import t_interval


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
    assert table["base"]["response_time_min.mean"]["diff"] is None
    diff = table["new"]["response_time_min.mean"]["diff"]
    want = t_interval([-1.0, -0.5, -1.0])
    assert (diff["mean"], diff["ci_low"], diff["ci_high"]) == pytest.approx((want.mean, want.low, want.high))
    assert diff["pct"] == pytest.approx(100 * (12.5 / 15 - 1))
    # the baseline's second run had no arrest: that pair is left out, the other two count
    capture = table["new"]["time_to_capture_min.mean"]
    assert capture["n"] == 3 and capture["diff"]["n"] == 2
    assert capture["diff"]["mean"] == pytest.approx(-1.0)
    assert table["new"]["crimes.by_type.robbery"]["mean"] == pytest.approx(9.0)
    rows = csv_rows(table)
    assert len(rows) == 2 * len(table["base"])
    robbery = next(r for r in rows if r["policy"] == "new" and r["metric"] == "crimes.by_type.robbery")
    assert robbery["label"] == "crimes, robbery" and robbery["mean"] == pytest.approx(9.0)


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
