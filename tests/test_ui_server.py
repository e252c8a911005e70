"""``polsim ui`` as a service: it stops with its server (SIGTERM or a kill), the server's statistics
page is closed, and the page loads users' policy modules only where it is safe to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from polsim.scenario import ScenarioError
from polsim.viz.ui.serve import free_port
from polsim.viz.ui.server import CUSTOM_POLICIES_ENV, is_local
from polsim.viz.ui.session import CUSTOM, Settings, build_model, page_policy_problem

START_S = 120


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` (binding it as a server would, SO_REUSEADDR, succeeds)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux's /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split() if (task / "children").exists() else []
        found += [int(c) for c in text]
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def start_ui(port: int, *extra: str) -> subprocess.Popen:
    """``polsim ui`` as a service manager starts it; returns once the page itself answers (not only
    the liveness probe: a server can be up and fail every page)."""
    proc = subprocess.Popen([sys.executable, "-m", "polsim", "ui", "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise TimeoutError("polsim ui did not answer")


def test_sigterm_stops_the_server_and_frees_the_port():
    port = free_port()
    proc = start_ui(port)
    try:
        servers = children(proc.pid)
        assert len(servers) == 1 and not port_free(port)
        with pytest.raises(urllib.error.HTTPError) as info:  # Solara's statistics: closed
            urllib.request.urlopen(f"http://127.0.0.1:{port}/resourcez", timeout=10)
        assert info.value.code == 404
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        deadline = time.monotonic() + 10
        while alive(servers[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(servers[0]), "the Solara server outlived polsim ui"
        assert port_free(port)
        assert "polsim ui: stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow  # a second server start
def test_a_killed_polsim_ui_takes_its_server_with_it():
    port = free_port()
    proc = start_ui(port)
    servers = children(proc.pid)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while (alive(servers[0]) or not port_free(port)) and time.monotonic() < deadline:
        time.sleep(0.2)
    holders = [line for line in Path("/proc/net/tcp").read_text().splitlines() if f":{port:04X} " in line]
    assert not alive(servers[0]) and port_free(port), holders


def test_serving_beyond_this_machine_warns():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "polsim", "ui", "--host", "0.0.0.0", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert first.startswith("polsim ui: warning: --host 0.0.0.0 serves the UI to other machines")
    assert "refuses package.module:Class policies" in first
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost") and not is_local("0.0.0.0")


# -- what the page accepts ----------------------------------------------------------------------
@pytest.fixture
def in_project(tmp_path, monkeypatch):
    """A project folder with a policy module of its own, as the server's working directory."""
    (tmp_path / "mypols").mkdir()
    (tmp_path / "mypols" / "__init__.py").write_text("")
    (tmp_path / "mypols" / "home.py").write_text(
        "from polsim.policies import RandomPatrol\n\nclass Home(RandomPatrol):\n    name = 'home'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv(CUSTOM_POLICIES_ENV, "1")
    yield tmp_path
    for name in [m for m in sys.modules if m == "mypols" or m.startswith("mypols.")]:
        del sys.modules[name]  # the next test's project has a mypols of its own


@pytest.mark.parametrize("policy", ["this:X", "antigravity:X", "polsim.__main__:X", "polsim.cli:main",
                                    "polsim.cli.run:run", "os:sep", "nothere.mod:X", "polsim.viz.app:Page"])
def test_the_page_imports_no_module_outside_the_project_or_polsim_policies(in_project, policy):
    problem = page_policy_problem(policy)
    assert problem and "working directory" in problem
    with pytest.raises(ValueError, match="working directory"):
        build_model(Settings(policy=policy))
    assert "antigravity" not in sys.modules and "polsim.__main__" not in sys.modules


def test_the_page_loads_the_projects_own_policy_and_polsims(in_project):
    assert page_policy_problem("mypols.home:Home+cordon") is None
    assert build_model(Settings(policy="mypols.home:Home")).policy.name == "home"
    assert build_model(Settings(policy="polsim.policies.beat:BeatPatrol")).policy.name == "beat"


def test_beyond_localhost_the_page_refuses_custom_policies(in_project, monkeypatch):
    monkeypatch.setenv(CUSTOM_POLICIES_ENV, "0")
    with pytest.raises(ValueError, match="allow-custom-policies"):
        build_model(Settings(policy="mypols.home:Home"))
    assert build_model(Settings(policy="hotspot+cordon")).policy.label == "hotspot+cordon"
    monkeypatch.delenv(CUSTOM_POLICIES_ENV)
    monkeypatch.setenv("SERVER_NAME", "0.0.0.0")  # solara run --host 0.0.0.0, not polsim ui
    assert "allow-custom-policies" in page_policy_problem("mypols.home:Home")
    monkeypatch.setenv("SERVER_NAME", "127.0.0.1")
    assert page_policy_problem("mypols.home:Home") is None


def test_a_pasted_scenario_meets_the_clis_bounds_and_estimate(monkeypatch):
    with pytest.raises(ScenarioError) as info:
        build_model(Settings(scenario=CUSTOM, toml_text="[guardians]\nsight_m = 1e12\n"))
    assert str(info.value) == "pasted.toml: guardians.sight_m: must be <= 1000, got 1000000000000.0"
    monkeypatch.setenv("POLSIM_MAX_MEMORY_GIB", "0.001")
    with pytest.raises(ScenarioError, match=r"^pasted.toml: the model would take about .* but --max-memory is"):
        build_model(Settings(scenario=CUSTOM, toml_text="[city]\nrows = 400\ncols = 400\n"))
    assert os.environ["POLSIM_MAX_MEMORY_GIB"] == "0.001"
