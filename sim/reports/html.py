"""The HTML of polsim's reports: one page style, tables, interval cells and figures.

Both ``report.html`` files, the comparison's (:mod:`polsim.experiments.compare.report`) and the sweep's
(:mod:`polsim.experiments.sweep.report`), are built from these pieces, so they look alike and
escape every text the same way. Figures are linked by file name: they sit beside the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path

from polsim.files import write_atomically

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:90%}th,td{border:1px solid #ccc;padding:4px 8px;
text-align:right;vertical-align:top}th{background:#f4f4f4}td.decisive{background:#fff3c4}
figure{margin:1.5em 0}img{max-width:100%}figcaption{color:#555;font-size:90%}small{color:#666}"""

MISSING = "–"
"""What a cell shows for a value that does not exist (no run, no interval)."""


def esc(text: object) -> str:
    """``text`` as HTML-escaped text."""
    return html.escape(str(text))


def page(title: str, body: str) -> str:
    """A whole page: ``title`` (plain text) in the head, ``body`` (HTML) as it is."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{STYLE}</style></head><body>
{body}
</body></html>
"""


def table(head: Iterable[str], rows: Iterable[str]) -> str:
    """A table: ``head`` as plain-text column names, ``rows`` as each row's cells in HTML."""
    heads = "".join(f"<th>{esc(h)}</th>" for h in head)
    return f"<table><tr>{heads}</tr>{''.join(f'<tr>{r}</tr>' for r in rows)}</table>"


def interval_cell(mean: str, low: str | None = None, high: str | None = None, note: str = "",
                  decisive: bool = False) -> str:
    """A cell with a value, its interval ``[low, high]`` below when there is one, and a note below that."""
    ci = "" if low is None else f"<br><small>[{low}, {high}]</small>"
    note = f"<br><small>{note}</small>" if note else ""
    cls = ' class="decisive"' if decisive else ""
    return f"<td{cls}>{mean}{ci}{note}</td>"


def figure_list(files: Iterable[str], captions: Mapping[str, str] | None = None) -> str:
    """Each figure file as an image with its caption (the file name where none is given)."""
    captions = captions or {}
    return "".join(f'<figure><img src="{esc(f)}" alt="{esc(f)}"><figcaption>{esc(captions.get(f, f))}'
                   "</figcaption></figure>" for f in files)


def write_page(path: Path, text: str) -> Path:
    """Write a page atomically (temporary name, then rename); returns its path."""
    write_atomically(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
    return Path(path)
