"""`make run` starts the Procfile through honcho: every process comes up, and Ctrl-C stops every one of them."""

import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.system import READY_LINE, REPO, alive, serving

pytestmark = [pytest.mark.integration, pytest.mark.one_database]


def test_honcho_starts_every_procfile_process_and_ctrl_c_stops_them_all(system, tmp_path):
    # Given the Procfile run by honcho as `make run` does (the virtualenv first on PATH, a free PORT)
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    honcho_start = [str(Path(sys.executable).with_name("honcho")), "start", "-f", str(REPO / "Procfile")]
    path = f"{Path(sys.executable).parent}:{system.env['PATH']}"

    def start(port):
        argv = [*honcho_start, "-e", str(empty_env_file)]
        return system.start_program("honcho", argv, env={"PORT": str(port), "PATH": path})

    # When the site answers and the worker is ready
    honcho, _ = serving(start, "/")
    honcho.wait_for_log(READY_LINE)
    started = honcho.descendants()
    assert len(started) >= 4  # at least: honcho's two readers, the web server and the worker
    # And Ctrl-C reaches honcho's process group, as a terminal sends it
    honcho.signal(signal.SIGINT)
    # Then honcho exits, and so does every process it had started
    honcho.popen.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started if alive(pid)] == [], honcho.log()[-3000:]
    assert "SIGINT received" in honcho.log()
