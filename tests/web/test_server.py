"""Serving: address and login rules, the command line, and what importing the web code costs."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from qa.config import Settings
from qa.errors import ConfigError
from qa.web import access, server
from tests.conftest import ROOT
from tests.web.conftest import MakeAssistant, free_port


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True), ("0.0.0.0", False)]
    + [("192.168.1.5", False), ("::", False), ("myhost.lan", False)],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert access.is_loopback(host) is loopback


def test_warns_only_when_reachable_from_elsewhere_without_a_password() -> None:
    assert access.exposure_warning(Settings(host="127.0.0.1")) is None
    assert access.exposure_warning(Settings(host="0.0.0.0", auth="ann:secret")) is None
    warning = access.exposure_warning(Settings(host="0.0.0.0"))
    assert warning and "QA_AUTH=user:password" in warning and "0.0.0.0:7860" in warning


def test_serve_logs_the_warning(
    make_assistant: MakeAssistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    launched: list[Settings] = []
    monkeypatch.setattr(server, "launch", lambda page, settings: launched.append(settings) or "http://x")
    bot = make_assistant()
    with caplog.at_level(logging.WARNING, logger="qa.web"):
        server.serve(replace(bot.settings, host="0.0.0.0", port=8123), bot)
    assert "QA_AUTH" in caplog.text and launched[0].host == "0.0.0.0"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qa.web"):
        server.serve(replace(bot.settings, host="127.0.0.1"), bot)
    assert caplog.text == ""


def test_url_to_open_on_this_machine() -> None:
    assert server.url_of(Settings(host="0.0.0.0", port=8080)) == "http://127.0.0.1:8080"
    assert server.url_of(Settings(host="::1")) == "http://[::1]:7860"
    assert server.url_of(Settings(host="192.168.1.5")) == "http://192.168.1.5:7860"


def test_credentials_split_at_the_first_colon() -> None:
    assert access.credentials("ann:pa:ss") == ("ann", "pa:ss")
    assert access.credentials(None) is None


def test_a_busy_port_is_a_clear_error(make_assistant: MakeAssistant) -> None:
    bot = make_assistant()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as err:
            server.serve(replace(bot.settings, host="127.0.0.1", port=port), bot)
    text = str(err.value)  # names the flag, the variable and the address, not Gradio's internals
    assert f"127.0.0.1:{port}" in err.value.message and "QA_PORT" in (err.value.hint or "") and "--port" in text
    assert "launch()" not in text and "GRADIO_SERVER_PORT" not in text


def run(code: str, **env: str) -> str:
    """Run ``code`` in a fresh Python whose environment has no Gradio or Hugging Face switches."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_", "HF_", "TRANSFORMERS_"))}
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**clean, **env}, timeout=120
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_importing_the_command_and_the_web_package_does_not_import_gradio() -> None:
    code = "import sys, qa.cli.serve, qa.web, qa.cli; qa.cli.parser(); print(sorted(m for m in sys.modules if m.startswith(('gradio', 'torch'))))"
    assert run(code) == "[]"


# What the page module promises: by the time gradio or huggingface_hub is first imported (they
# read these switches then), analytics and telemetry are off, whatever the environment said. The
# child stops the import there, which saves the seconds importing gradio takes; the test below
# (slow) imports it for real and asks gradio itself.
ENV_AT_IMPORT = """
import os, sys
class Stop(Exception): pass
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("gradio", "huggingface_hub"):
            print(name, os.environ.get("GRADIO_ANALYTICS_ENABLED"), os.environ.get("HF_HUB_DISABLE_TELEMETRY"))
            raise Stop
sys.meta_path.insert(0, Watch())
try:
    import qa.web.page
except Stop:
    pass
"""


def test_analytics_and_telemetry_are_off_before_gradio_is_imported() -> None:
    assert run(ENV_AT_IMPORT, GRADIO_ANALYTICS_ENABLED="True") in (
        "gradio False 1",
        "huggingface_hub False 1",
    )


@pytest.mark.slow
def test_gradio_analytics_and_hub_telemetry_are_off_even_if_the_environment_says_otherwise() -> None:
    code = (
        "import qa.web.page, gradio.analytics as a, huggingface_hub.constants as h; "
        "print(a.analytics_enabled(), h.HF_HUB_DISABLE_TELEMETRY)"
    )
    env = {"GRADIO_ANALYTICS_ENABLED": "True"}
    assert run(code, **env) == "False True"


def test_page_has_analytics_disabled(make_assistant: MakeAssistant) -> None:
    from qa.web.page import build_page

    assert build_page(make_assistant()).analytics_enabled is False


def test_serve_command_is_registered_with_its_options() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "qa", "serve", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert res.returncode == 0 and "--host" in res.stdout and "--port" in res.stdout and "--corpus" in res.stdout


def test_app_and_serve_report_a_missing_corpus_in_one_line(tmp_path: Any) -> None:
    env = {**os.environ, "QA_CORPUS_DIR": str(tmp_path / "nowhere"), "QA_PORT": str(free_port())}
    res = subprocess.run([sys.executable, "app.py"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert res.returncode == 3
    assert "error: there is no index" in res.stderr and "Traceback" not in res.stderr
