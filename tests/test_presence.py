"""Presence rasters: who sees, deters and can arrest where; kept up to date by moving disks."""

from __future__ import annotations

import numpy as np

from tests.conftest import small_model


def _fresh_presence(model, on_duty, checkpoints):
    """The presence rasters cleared and stamped from scratch (the rule before delta stamping)."""
    from polsim.rules.presence import stamp_disks

    u, g = model.units, model.guardians
    shape = model.b.shape
    guardian_sight = np.full(len(g), model.city.cells(model.spec.guardians.sight_m))
    out = {}
    for name, radius, who, r, c in (("police_deter", u.deter_cells, on_duty, u.r, u.c),
                                    ("police_sight", u.sight_cells, on_duty, u.r, u.c),
                                    ("capture", u.capture_cells, on_duty, u.r, u.c),
                                    ("grid_workers", guardian_sight, g.grid_worker, g.r, g.c),
                                    ("volunteers", guardian_sight, ~g.grid_worker, g.r, g.c)):
        out[name] = np.zeros(shape)
        stamp_disks(out[name], r, c, radius, np.ones(len(r)), who)
    out["capture"] += checkpoints
    spec = model.spec
    out["deterrence"] = out["police_deter"] * spec.deterrence.police
    out["deterrence"] += spec.guardians.grid_worker_deterrence * out["grid_workers"]
    out["deterrence"] += spec.guardians.volunteer_deterrence * out["volunteers"]
    out["deterrence"] += spec.guardians.camera_deterrence * model.city.camera
    return out


def test_presence_moved_disks_equal_a_fresh_stamp():
    from polsim import PolicingModel

    model = PolicingModel("default", seed=4, overrides={"time.days": 0.1})
    rng = np.random.default_rng(8)
    u, g, rows = model.units, model.guardians, model.city.rows
    cordon = (rng.random(model.b.shape) < 0.01).astype(np.int32)
    edges = [0, 1, rows - 2, rows - 1]
    for step in range(18):
        # every third step units jump anywhere (half of them onto the rows and columns at the
        # city's edge, where disks are cut), the steps between they and the guardians take one
        # step along a row or column; units go on and off duty; a cordon comes and goes
        if step % 3 == 0:
            u.r[:], u.c[:] = rng.integers(0, rows, len(u)), rng.integers(0, rows, len(u))
            u.r[::4], u.c[1::4] = rng.choice(edges, u.r[::4].size), rng.choice(edges, u.c[1::4].size)
            g.r[::3] = rng.integers(0, rows, g.r[::3].size)
        else:
            for r, c in ((u.r, u.c), (g.r, g.c)):
                along_rows = rng.random(len(r)) < 0.5
                step_by = rng.choice([-1, 1], len(r))
                r[:] = np.clip(r + along_rows * step_by, 0, rows - 1)
                c[:] = np.clip(c + ~along_rows * step_by, 0, rows - 1)
        on_duty = rng.random(len(u)) < 0.7
        checkpoints = cordon if step % 4 == 1 else 0
        model.presence.stamp(on_duty, checkpoints)
        fresh = _fresh_presence(model, on_duty, checkpoints)
        for name, raster in fresh.items():
            np.testing.assert_array_equal(getattr(model.presence, name), raster, err_msg=name)
    assert model.presence.police_deter.sum() > 0 and model.presence.capture.max() > 0


def test_cameras_deter_where_they_cover():
    """The deterrence raster adds ``guardians.camera_deterrence`` on covered cells, and only there."""
    m = small_model(3, extra={"city.cameras": 20, "guardians.camera_deterrence": 0.7,
                              "guardians.volunteers": 0, "guardians.grid_workers_per_grid": 0,
                              "units": {}})
    m.step()
    camera = m.city.camera
    assert camera.any() and not camera.all()
    np.testing.assert_array_equal(m.presence.deterrence[camera], 0.7)
    np.testing.assert_array_equal(m.presence.deterrence[~camera], 0.0)


def test_the_unit_seeing_a_cell_is_the_nearest_on_duty_one_in_sight():
    m = small_model(5)
    u = m.units
    u.r[:], u.c[:] = 0, 0
    sight = u.sight_cells
    a, b = (int(j) for j in np.flatnonzero(sight >= 1)[:2])
    u.r[a], u.c[a] = 10, 10 + sight[a]  # at the edge of its sight
    u.r[b], u.c[b] = 10, 11  # next to the cell
    m.presence.stamp(np.ones(len(u), bool))
    assert m.presence.unit_seeing(10, 10) == b
    from polsim.engine.units import OFF_SHIFT

    u.state[b] = OFF_SHIFT
    assert m.presence.unit_seeing(10, 10) == a  # an off-duty unit sees nothing
    assert m.presence.unit_seeing(25, 25) == -1 or m.presence.police_sight[25, 25] > 0
