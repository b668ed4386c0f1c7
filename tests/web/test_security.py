"""No file outside what the page serves can be read through the web app."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.web.conftest import Launch, MakeAssistant

pytestmark = pytest.mark.integration
SECRET = "TOP-SECRET-7f3a91"


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def test_file_routes_refuse_paths_outside_the_app(
    tmp_path: Path, make_assistant: MakeAssistant, launch: Launch
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    assistant = make_assistant()
    corpus_file = next(assistant.settings.corpus_dir.rglob("*.txt"))
    manifest = assistant.view.generation.manifest_path
    server = launch(assistant)
    targets = [str(secret), "/etc/passwd", str(manifest), str(corpus_file), str(Path.cwd() / "pyproject.toml")]
    tried = 0
    for target in targets:
        for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            for form in (target, urllib.parse.quote(target), "../../../../../../.." + target):
                status, body = fetch(server.url.rstrip("/") + route + form)
                tried += 1
                assert SECRET not in body and "root:x:0:0" not in body and '"format": 1' not in body, (route, form)
                assert "[tool.pytest" not in body, (route, form)
                assert status != 200 or len(body) < 5000 and "<html" in body.lower(), (route, form, status)
    assert tried == len(targets) * 9
