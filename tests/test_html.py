"""The HTML pieces both reports are built from: escaping, tables, interval cells, figures, the page."""

from __future__ import annotations

from polsim.reports.html import MISSING, STYLE, figure_list, interval_cell, page, table, write_page


def test_text_is_escaped_and_html_cells_are_kept():
    t = table(["<policy>", "a & b"], ["<th>x</th><td>1</td>"])
    assert t == "<table><tr><th>&lt;policy&gt;</th><th>a &amp; b</th></tr><tr><th>x</th><td>1</td></tr></table>"
    assert page("<evil> & co", "<p>body</p>").count("<title>&lt;evil&gt; &amp; co</title>") == 1


def test_interval_cells():
    assert interval_cell("3.0") == "<td>3.0</td>"
    want = "<td>3.0<br><small>[2.0, 4.0]</small><br><small>n=5</small></td>"
    assert interval_cell("3.0", "2.0", "4.0", note="n=5") == want
    assert interval_cell("-1", "-2", "-0.5", decisive=True).startswith('<td class="decisive">-1')
    assert MISSING == "–"


def test_figures_are_linked_with_their_captions(tmp_path):
    html = figure_list(["a.png", 'b"c.png'], {"a.png": "Crime <maps>"})
    assert '<img src="a.png" alt="a.png"><figcaption>Crime &lt;maps&gt;</figcaption>' in html
    assert 'src="b&quot;c.png"' in html and "<figcaption>b&quot;c.png</figcaption>" in html
    path = write_page(tmp_path / "report.html", page("t", html))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and STYLE in text and not list(tmp_path.glob(".*"))
