"""A sweep's results on disk: readers see finished runs only (whole parts, renamed into place)."""

from __future__ import annotations

import numpy as np

from polsim.experiments.sweep import store


def test_readers_see_only_parts_renamed_into_place(tmp_path):
    store.write_part(tmp_path, {"run_id": "r000001", "status": "ok", "crimes.total": 3})
    store.write_part(tmp_path, {"run_id": "r000000", "status": "failed", "error": "x"})
    parts = tmp_path / store.PARTS
    (parts / ".r000002.parquet.tmp").write_bytes(b"PAR1 half a file")  # a write killed mid-way
    assert [p.name for p in store.part_files(tmp_path)] == ["r000000.parquet", "r000001.parquet"]
    assert store.finished_ids(tmp_path) == {"r000000", "r000001"}
    rows = store.load_rows(tmp_path)
    assert rows["run_id"].tolist() == ["r000000", "r000001"] and rows["crimes.total"].isna().tolist() == [True, False]
    assert store.remove_temporaries(tmp_path) == 1 and not list(parts.glob(".*"))
    # writing a part again replaces it: a run never appears twice
    store.write_part(tmp_path, {"run_id": "r000001", "status": "ok", "crimes.total": 4})
    assert store.load_rows(tmp_path)["crimes.total"].tolist()[1] == 4 and len(store.part_files(tmp_path)) == 2


def test_maps_round_trip(tmp_path):
    crimes, share, passable = np.arange(12).reshape(3, 2, 2), np.full((2, 2), 0.5), np.ones((2, 2), bool)
    store.write_map(tmp_path, "r000003", crimes, share, passable, 100.0)
    back = store.read_map(tmp_path, "r000003")
    np.testing.assert_array_equal(back["crimes"], crimes)
    np.testing.assert_array_equal(back["treated_share"], share)
    np.testing.assert_array_equal(back["passable"], passable)
    assert store.part_files(tmp_path / "nothing") == [] and store.load_rows(tmp_path / "nothing").empty
