"""No file outside what the page serves can be read through the web app."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import requests

from tests.web.conftest import Launch, MakeAssistant

SECRET = "TOP-SECRET-7f3a91"
# Gradio's file routes, old and new spellings; /file= is gone from this Gradio and must stay gone.
ROUTES = ("/gradio_api/file=", "/file=", "/gradio_api/file/")


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
    base = server.url.rstrip("/")
    # The routes do serve a file the app holds (an upload, in Gradio's own cache), so every
    # refusal below is the access rule at work, not a route that answers nothing.
    [uploaded] = requests.post(
        f"{base}/gradio_api/upload", files={"files": ("note.txt", b"a harmless upload")}, timeout=60
    ).json()
    assert [fetch(base + route + uploaded) for route in ROUTES if route != "/file="] == [(200, "a harmless upload")] * 2

    targets = [str(secret), "/etc/passwd", str(manifest), str(corpus_file), str(Path.cwd() / "pyproject.toml")]
    for target in targets:
        for route in ROUTES:
            for form in (target, urllib.parse.quote(target), "../../../../../../.." + target):
                status, body = fetch(base + route + form)
                assert 400 <= status < 500, (route, form, status)  # refused, not served and not an error page
                assert SECRET not in body and "root:x:0:0" not in body and '"format": 1' not in body, (route, form)
                assert "[tool.pytest" not in body and "Tickets cost" not in body, (route, form)
