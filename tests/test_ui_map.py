"""The UI map: streets as centre lines, and stations, HQs, workstations and checkpoints marked (issue 27, part 2)."""

from __future__ import annotations

import numpy as np

from polsim.cities.preview import network_links
from polsim.reports.city_map import centre_lines
from polsim.viz.ui import raster
from polsim.viz.ui.session import Settings, build_model


def test_a_street_three_cells_wide_is_one_line_and_a_crossing_stays_connected():
    band = np.zeros((9, 20), bool)
    band[3:6, 2:18] = True
    line = centre_lines(band)
    assert line.sum() >= 12 and set(np.nonzero(line)[0].tolist()) == {4}  # the middle row only
    links = network_links(line)
    assert len(links) == line.sum() - 1 and (links[:, 0, 1] == links[:, 1, 1]).all()  # no rungs
    cross = np.zeros((21, 21), bool)
    cross[9:12, :] = True
    cross[:, 9:12] = True
    thin = centre_lines(cross)
    from scipy import ndimage

    assert ndimage.label(thin, structure=np.ones((3, 3)))[1] == 1  # one connected network
    # every arm reaches its end (thinning rounds a band's square end off by a cell or two)
    assert thin[9:12, :3].any() and thin[9:12, -3:].any() and thin[:3, 9:12].any() and thin[-3:, 9:12].any()
    assert thin.sum() < cross.sum() / 2


def test_the_map_marks_stations_hqs_workstations_and_checkpoints():
    model = build_model(Settings())
    city = model.city
    px = raster.cell_pixels(city.rows, city.cols)
    img = np.asarray(raster.render_map(model))
    for kind, (_, rgb, _) in raster.PLACE_STYLE.items():
        r, c = city.bases[kind][-1]
        box = img[r * px:(r + 1) * px, c * px:(c + 1) * px].reshape(-1, 3)
        # the white square with its outline, unless a unit stands on it
        assert ((box == 255).all(1).any() and (box == rgb).all(1).any()) or kind == "station", kind
    r, c = np.argwhere(city.checkpoints)[0]
    box = img[r * px:(r + 1) * px, c * px:(c + 1) * px].reshape(-1, 3)
    assert (box == raster.CHECKPOINT_RGB).all(1).any()
