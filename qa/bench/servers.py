"""Servers in child processes, for ``qa bench`` and the tests: a free loopback port, start and wait, stop.

    with chroma_server(tmp / "chroma") as url:   # ``chroma run`` on a free port
        build_index(replace(settings, chroma_url=url), embedder)

``serving`` is the one way this repository starts a server process (the web app for
``qa bench``, ``chroma run`` and ``llama_cpp.server`` for the integration tests): it waits until
the server answers, reports the end of its log if it exits or does not answer in time (a bound
on waiting, not a claim about speed), and always stops it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def free_port() -> int:
    """Return a loopback TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback ``port``."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    """Whether a GET of ``url`` returns 200."""
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def serving(
    command: Sequence[str],
    ready: Callable[[], bool],
    name: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    kill: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command``, wait until ``ready()``, yield the process; stop it on the way out.

    ``kill``: SIGKILL at once instead of SIGTERM first, for a server that ignores SIGTERM
    (``chroma run`` does) and whose data survives a crash.

    Raises RuntimeError, with the end of the server's output, if it exits or is not ready
    within ``timeout`` seconds.
    """
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=None if env is None else dict(env)
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-800:]
                    raise RuntimeError(f"{name} did not start (exit code {proc.poll()}): {tail}")
                time.sleep(0.2)
            yield proc
        finally:
            if kill:
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def chroma_command() -> Path | None:
    """The ``chroma`` command of the chromadb package beside this Python, if installed."""
    exe = Path(sys.executable).parent / "chroma"
    return exe if exe.exists() else None


@contextmanager
def chroma_server(path: Path, timeout: float = 60.0, port: int | None = None) -> Iterator[str]:
    """Run ``chroma run`` on ``path`` and ``port`` (a free loopback one by default); yield its URL.

    Stopped with SIGKILL on the way out: chroma run ignores SIGTERM, and its SQLite data is
    written durably, so the same folder serves again (as the outage test checks).
    """
    exe = chroma_command()
    if exe is None:
        raise FileNotFoundError("the chroma command (from the chromadb package) is not installed")
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with serving(command, lambda: answers(f"{url}/api/v2/heartbeat"), "chroma run", env, timeout, kill=True):
        yield url
