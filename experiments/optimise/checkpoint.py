"""A study folder read back safely: the checkpoint as JSON, and every file's damage as one line.

A study folder is data that people copy and share, so nothing in it may run code: the search's
checkpoint is ``state.json`` (how many generations are done, and their history rows), never a
pickle. Resume rebuilds pymoo's algorithm by replaying those generations from the search seed on
the runs already kept in ``parts/`` (:func:`polsim.experiments.optimise.search.run_search`):
pymoo's choices depend only on its seed and on the scores it is told, and the scores of
generation ``g`` are rebuilt from the runs on the seeds of generations ``0..g`` only, so the
replay asks for the same candidates and reaches the same population; each replayed
generation's history row is checked against the recorded one.

A file that is not what the study wrote (truncated, edited, of another version) raises
:class:`polsim.scenario.ScenarioError` naming it: the CLI's one-line error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polsim.files import write_atomically
from polsim.scenario import ScenarioError

STATE_FILE = "state.json"
"""The checkpoint: ``{"generation": N, "history": [row, ...]}`` after each generation."""
OLD_STATE_FILE = "state.pkl"
"""The checkpoint of studies before JSON: never read (a pickle can run code); replayed instead."""
HISTORY_KEYS = ("generation", "new_runs", "runs", "front_size", "population")
MEMBER_KEYS = ("key", "objectives", "cv", "runs", "front")


def damaged(path: Path, what: str) -> ScenarioError:
    """The one-line error of a damaged study file."""
    return ScenarioError(str(path), "", f"{what}; the study folder is damaged (start again with another --out)")


def save_checkpoint(out: Path, generation: int, history: list[dict[str, Any]]) -> None:
    """``state.json``, atomically."""
    text = json.dumps({"generation": generation, "history": history}, allow_nan=False) + "\n"
    write_atomically(Path(out) / STATE_FILE, lambda p: p.write_text(text, encoding="utf-8"))


def load_checkpoint(out: Path) -> list[dict[str, Any]]:
    """The recorded history rows (one per finished generation); empty when there is no checkpoint."""
    data = read_json(Path(out) / STATE_FILE, missing={"generation": 0, "history": []})
    history = data.get("history") if isinstance(data, dict) else None
    generation = data.get("generation") if isinstance(data, dict) else None
    if not isinstance(history, list) or not isinstance(generation, int) or generation != len(history):
        raise damaged(Path(out) / STATE_FILE, "not a checkpoint of polsim optimise")
    for g, row in enumerate(history):
        if not is_history_row(row) or row["generation"] != g:
            raise damaged(Path(out) / STATE_FILE, f"history row {g} is not one polsim optimise wrote")
    return history


def is_history_row(row: Any) -> bool:
    """Whether ``row`` has the shape :func:`polsim.experiments.optimise.search.history_row` gives."""
    return (isinstance(row, dict) and all(k in row for k in HISTORY_KEYS) and isinstance(row["population"], list)
            and all(isinstance(m, dict) and all(k in m for k in MEMBER_KEYS) for m in row["population"]))


def read_json(path: Path, missing: Any = None) -> Any:
    """A study's JSON file (``missing`` when absent); damage is the one-line error."""
    path = Path(path)
    if not path.exists():
        if missing is None:
            raise damaged(path, "missing")
        return missing
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise damaged(path, f"cannot be read as JSON ({type(err).__name__})") from None


def same_row(replayed: dict[str, Any], recorded: dict[str, Any]) -> bool:
    """Whether a replayed generation reached the recorded population (new runs aside: none ran)."""
    strip = ("new_runs",)
    plain = json.loads(json.dumps({k: v for k, v in replayed.items() if k not in strip}))
    return plain == {k: v for k, v in recorded.items() if k not in strip}


def check_front(path: Path, front: Any) -> dict[str, Any]:
    """``front`` as read from ``front.json``, when it has the shape the study wrote."""
    ok = (isinstance(front, dict) and isinstance(front.get("points"), list)
          and isinstance(front.get("shipped"), dict) and isinstance(front.get("objectives"), list)
          and isinstance(front.get("constraints"), list) and isinstance(front.get("history"), list)
          and isinstance(front.get("seeds"), list) and front["seeds"]
          and all(isinstance(p, dict) and isinstance(p.get("point"), int) and not isinstance(p["point"], bool)
                  and isinstance(p.get("metrics"), dict) and isinstance(p.get("plan"), dict)
                  and "decision" in p and isinstance(p.get("policy"), str) and isinstance(p.get("describe"), str)
                  for p in [*front["points"], front["shipped"]]))
    if not ok:
        raise damaged(path, "not a front written by polsim optimise")
    return front
