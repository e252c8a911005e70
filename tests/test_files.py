"""The file helpers every writer shares."""

from __future__ import annotations

import os
import subprocess

from polsim.files import process_alive


def test_a_scratch_folders_process_is_alive_while_it_runs_and_not_after():
    """A killed run's folder may go (its process is gone); a running one's stays."""
    done = subprocess.Popen(["true"])
    done.wait()
    assert process_alive(os.getpid())
    assert not process_alive(done.pid)
    assert process_alive(1)  # init: running, whoever owns it
