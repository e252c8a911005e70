"""The compiled disk drawing is clipped to the city: a radius far beyond it stamps the whole city,
exactly, and costs no more than the city (a sight of 1e12 m once froze a step, and the UI server)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from polsim.rules.presence import move_disks, stamp_disks

HUGE = 3_037_000_500
"""Cells (a radius of 3e11 m on 100 m cells), whose square does not fit in an int64."""


def test_a_disk_far_wider_than_the_city_covers_it_exactly_once():
    raster = np.zeros((30, 40), np.int32)
    ones = np.ones(1, np.int64)
    stamp_disks(raster, np.array([3]), np.array([35]), np.array([HUGE]), ones, np.ones(1, bool))
    assert (raster == 1).all()


def test_moving_huge_disks_keeps_exact_counts():
    rows, cols, n = 30, 40, 5
    planes = np.zeros((3, rows, cols), np.int32)
    was_r, was_c, was_on = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, bool)
    radius = np.array([[HUGE, 2, -1]] * n, np.int64)
    rng = np.random.default_rng(1)
    r, c = rng.integers(0, rows, n), rng.integers(0, cols, n)
    for step in range(6):
        on = np.ones(n, bool)
        on[step % n] = False
        move_disks(planes, was_r, was_c, was_on, r, c, radius, on)
        assert (planes[0] == on.sum()).all()  # every on-duty agent sees every cell
        fresh = np.zeros((rows, cols), np.int32)
        stamp_disks(fresh, r, c, radius[:, 1], np.ones(n, np.int64), on)
        assert (planes[1] == fresh).all() and (planes[2] == 0).all()
        r = (r + 2 + step) % rows  # jumps (a one-cell step is the next test's, in a process of its own)
        c = (c + 3) % cols


def test_one_cell_moves_of_a_huge_disk_take_no_longer_than_the_city():
    """Unclipped, one step of such a disk walks 2e10 lines (hours); run it where it can be stopped."""
    code = ("import numpy as np; from polsim.rules.presence import move_disks\n"
            f"p = np.zeros((1, 50, 50), np.int32); rad = np.array([[{HUGE}]])\n"
            "wr, wc, wo = np.array([10]), np.array([10]), np.array([False])\n"
            "for k in range(200):\n"
            "    move_disks(p, wr, wc, wo, np.array([10 + k % 2]), np.array([10]), rad, np.array([True]))\n"
            "assert (p == 1).all()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
