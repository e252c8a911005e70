"""Comparison figures: what each draws (read back from the artists) and how it is saved."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from polsim.reports import figures


def test_response_cdf_divides_by_all_calls_and_marks_the_targets():
    fig = figures.response_cdf({"a": (np.array([2.0, 0.5, 4.0]), 4), "b": (np.array([]), 0)})
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert line.get_label() == "a (4 calls)"
    x, y = line.get_xdata(), line.get_ydata()
    assert list(x[:4]) == [0.0, 0.5, 2.0, 4.0]
    # three of four calls reached: the curve levels off at 0.75, never 1
    assert list(y) == [0.0, 0.25, 0.5, 0.75, 0.75]
    vertical = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--")
    assert vertical == [1, 3, 5]
    assert "b (no calls)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_crime_maps_share_one_colour_scale():
    fig = figures.crime_maps({"a": np.ones((4, 4)), "b": np.full((4, 4), 3.0)})
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    assert len(images) == 2
    assert {im.get_clim() for im in images} == {(0.0, 3.0)}
    # square-root colours: a cell with a ninth of the most crime is a third of the way up the scale
    assert images[0].norm(3.0 / 9) == pytest.approx(1 / 3)
    plt.close(fig)


def test_difference_map_is_centred_on_zero_and_outlines_the_areas():
    diff = np.zeros((20, 20))
    diff[8, 8], diff[2, 2] = -2.0, 0.5
    treated = np.zeros((20, 20), bool)
    treated[8:12, 8:12] = True
    buffer = np.zeros((20, 20), bool)
    buffer[5:15, 5:15] = True
    buffer &= ~treated
    fig = figures.difference_maps({"p": diff}, {"p": (treated, buffer)}, baseline="random")
    ax = fig.axes[0]
    im = ax.get_images()[0]
    assert im.norm.vcenter == 0.0 and im.norm.vmin == -2.0 and im.norm.vmax == 2.0
    assert ax.get_title() == "p - random: -1.5 crimes"
    boxes = []
    for lines in ax.collections:
        verts = np.concatenate(lines.get_segments())
        boxes.append((verts.min(0).tolist(), verts.max(0).tolist(), len(lines.get_segments())))
    # outlines run along cell borders: treated cells 8..11 (16 unit edges), buffer's outer edge 5..14
    assert ([7.5, 7.5], [11.5, 11.5], 16) in boxes
    assert ([4.5, 4.5], [14.5, 14.5], 40) in boxes
    plt.close(fig)


def test_cell_edges_trace_the_border_of_a_mask():
    one = np.zeros((3, 3), bool)
    one[1, 1] = True
    edges = sorted(figures.cell_edges(one))
    assert edges == sorted([((0.5, 0.5), (0.5, 1.5)), ((1.5, 0.5), (1.5, 1.5)),
                            ((0.5, 0.5), (1.5, 0.5)), ((0.5, 1.5), (1.5, 1.5))])
    # an L of three cells has a perimeter of 8 unit edges; the whole grid its outer border
    ell = np.zeros((3, 3), bool)
    ell[0, 0] = ell[1, 0] = ell[1, 1] = True
    assert len(figures.cell_edges(ell)) == 8
    assert len(figures.cell_edges(np.ones((2, 3), bool))) == 10


def test_difference_map_without_treated_cells_draws_no_outline():
    empty = np.zeros((6, 6), bool)
    fig = figures.difference_maps({"p": np.ones((6, 6))}, {"p": (empty, empty)})
    assert not fig.axes[0].collections
    plt.close(fig)


def test_crimes_by_type_bars_are_the_means():
    fig = figures.crimes_by_type({"a": [3.0, 5.0], "b": [1.0, 2.0]}, {"a": [1.0, 1.0], "b": [0.5, 0.5]},
                                 ["pickpocketing", "ebike_theft"])
    ax = fig.axes[0]
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [3.0, 5.0, 1.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["pickpocketing", "ebike theft"]
    assert ax.get_ylim()[0] == 0
    plt.close(fig)


def test_save_writes_a_png_atomically(tmp_path):
    path = figures.save(figures.crime_maps({"a": np.eye(5)}), tmp_path / "m.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png"]
    img = plt.imread(path)
    assert img[..., :3].std() > 0.05


@pytest.mark.parametrize("n", [1, 4])
def test_panel_grid_hides_unused_axes(n):
    fig = figures.crime_maps({f"p{i}": np.ones((3, 3)) for i in range(n)})
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.get_images()]
    assert len(shown) == n
    plt.close(fig)
