"""Headless Chromium for the browser tests: the ``browser`` fixture (marks its tests ``browser``) and a recording tab."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from tests import tiers
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
FINAL = "#qa-chat .qa-answer:not(.qa-streaming)"


@tiers.fixture("browser", scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium on PATH: install Debian's package (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Tab:
    """A browser tab on the chat that records every request it makes."""

    def __init__(self, browser: Any, url: str, width: int = 1280, ready: str = "#qa-question textarea") -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector(ready)

    def ask(self, question: str) -> None:
        answers = self.page.locator(FINAL).count() + self.page.locator("#qa-chat .qa-error").count()
        self.page.fill("#qa-question textarea", question)
        self.page.keyboard.press("Enter")
        self.wait_answers(answers + 1)

    def wait_answers(self, n: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('#qa-chat .qa-answer:not(.qa-streaming)').length >= n", arg=n
        )

    def last_answer(self) -> Any:
        return self.page.locator(FINAL).last

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def outside_requests(self) -> list[str]:
        return [
            u
            for u in self.requests
            if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname != "127.0.0.1"
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Callable[..., Tab]]:
    tabs: list[Tab] = []

    def open_tab(url: str, **kw: Any) -> Tab:
        tabs.append(Tab(browser, url, **kw))
        return tabs[-1]

    yield open_tab
    for t in tabs:
        t.close()
