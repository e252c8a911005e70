"""Count how the hostile corpus ends: ``python -m tests.hostile.tally [--timeout S] [--json FILE]``.

Every scenario file of :data:`tests.hostile.corpus.FILES` goes through ``polsim validate`` and
a short ``polsim run``, and every command line of :data:`~tests.hostile.corpus.COMMANDS` is run
as it is, each in a fresh process with its address space capped (``RLIMIT_AS``) and a time
limit. Each outcome is one of:

- ``refused``: exit 2, one line on stderr, no traceback, nothing written;
- ``ran``: exit 0 (a run wrote its ``summary.json``);
- ``crashed``: anything else (a traceback, another exit code, a kill, files left behind);
- ``ran away``: still going at the time limit (then killed).

``--python`` picks the interpreter (and ``PYTHONPATH`` the package) to count with, so the same
corpus counts main before and a branch after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.hostile.corpus import COMMANDS, FILES, prepare
from tests.hostile.imports import IMPORT_COMMANDS, prepare_imports

RUN_ARGS = ["--days", "0.05", "--no-progress"]
"""A file's run: 72 one-minute steps (enough to see a step cost or a kernel run away)."""


def _limit(max_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    return apply


def _peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_case(python: str, args: list[str], cwd: Path, out: Path | None, timeout: float,
             max_bytes: int) -> dict:
    """Run ``polsim ARGS`` and classify how it ended."""
    started = time.monotonic()
    existed = out is not None and out.exists()  # /dev/null, or a file given as --out
    proc = subprocess.Popen([python, "-m", "polsim", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_limit(max_bytes), start_new_session=True)
    peak = 0.0
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        peak = _peak_rss_mib(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"outcome": "ran away", "seconds": round(time.monotonic() - started, 1), "peak_mib": peak,
                "stderr": ""}
    err = stderr.decode("utf-8", "replace")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    wrote = out is not None and out.exists() and not existed
    if proc.returncode == 2 and len(lines) == 1 and "Traceback" not in err and not wrote:
        outcome = "refused"
    elif proc.returncode == 0 and "Traceback" not in err and _finished(out):
        outcome = "ran"
    else:
        outcome = "crashed"
    return {"outcome": outcome, "rc": proc.returncode, "seconds": round(time.monotonic() - started, 1),
            "stderr": err[-400:]}


def _finished(out: Path | None) -> bool:
    """A run's summary, an imported city's city.json or an imported table is there."""
    return out is None or (out / "summary.json").exists() or (out / "city.json").exists() or out.is_file()


def tally(python: str, timeout: float, max_gib: float, only: str = "") -> dict:
    """Run the whole corpus; returns every case's result."""
    results: dict[str, dict] = {}
    max_bytes = int(max_gib * 2**30)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare(work)
        for name, text in FILES.items():
            if only and only not in name:
                continue
            path = work / f"{name}.toml"
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            out = work / f"out-{name}"
            results[f"validate {name}"] = run_case(python, ["validate", str(path)], work, None, timeout, max_bytes)
            results[f"run {name}"] = run_case(python, ["run", str(path), "--out", str(out), *RUN_ARGS], work, out,
                                              timeout, max_bytes)
            shutil.rmtree(out, ignore_errors=True)
            _print(name, results[f"validate {name}"], results[f"run {name}"])
        for name, argv in COMMANDS.items():
            if only and only not in name:
                continue
            args = [a.replace("{dir}", str(work)) for a in argv]
            out = Path(args[args.index("--out") + 1]) if "--out" in args else None
            results[f"cli {name}"] = run_case(python, args, work, out, timeout, max_bytes)
            if out is not None and out.is_dir() and work in out.parents:
                shutil.rmtree(out, ignore_errors=True)
            _print(name, results[f"cli {name}"])
        os.chmod(work / "readonly", 0o755)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare_imports(work)
        for name, argv in IMPORT_COMMANDS.items():
            if only and only not in name:
                continue
            args = [a.replace("{dir}", str(work)) for a in argv]
            out = Path(args[args.index("--out") + 1]) if "--out" in args else None
            results[f"cli {name}"] = run_case(python, args, work, out, timeout, max_bytes)
            for leftover in (work / "o", work / "o.parquet", work / "o.meta.json"):
                shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
            _print(name, results[f"cli {name}"])
    return results


def _print(name: str, *outcomes: dict) -> None:
    text = " / ".join(f"{o['outcome']} ({o['seconds']} s)" for o in outcomes)
    print(f"{name:<32} {text}", flush=True)


def counts(results: dict) -> dict[str, Counter]:
    """Outcomes counted by kind: validate of a file, run of a file, command line."""
    out: dict[str, Counter] = {"validate": Counter(), "run": Counter(), "cli": Counter()}
    for key, r in results.items():
        out[key.split()[0]][r["outcome"]] += 1
    out["validate OK, run not"] = Counter(
        r["outcome"] for key, r in results.items() if key.startswith("run ")
        and r["outcome"] != "ran" and results[key.replace("run ", "validate ", 1)]["outcome"] == "ran")
    return out


def main() -> int:
    """Count, print the table, optionally save every result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as ran away")
    parser.add_argument("--max-gib", type=float, default=8.0, help="address space of each case (RLIMIT_AS)")
    parser.add_argument("--only", default="", help="only the cases whose name holds this")
    parser.add_argument("--json", type=Path, help="write every case's result here")
    args = parser.parse_args()
    results = tally(args.python, args.timeout, args.max_gib, args.only)
    for kind, c in counts(results).items():
        print(f"{kind:<22} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
