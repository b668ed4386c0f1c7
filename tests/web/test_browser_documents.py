"""Documents from the page in headless Chromium: upload, list, ask within, remove, Stop, Copy, view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.pdf_maker import make_pdf
from tests.web.chromium import Tab
from tests.web.conftest import Launch, MakeAssistant, SlowAssistant

pytestmark = pytest.mark.slow

LIGHTHOUSE = (
    "# Lighthouse\n\nThe harbour lighthouse was built in 1874 by Jonas Vik.\n\nIts beam reaches twenty miles.\n"
)
BAKERY = "The corner bakery sells rye bread every Tuesday morning.\n"


def payload(name: str, data: bytes | str, mime: str = "text/plain") -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data.encode() if isinstance(data, str) else data}


def upload(t: Tab, *files: dict[str, Any], done: int | None = None) -> str:
    """Drop files on the page's upload box; wait until each has a final state; return the progress."""
    t.page.get_by_role("tab", name="Documents", exact=True).click()
    t.page.set_input_files("#qa-upload input[type=file]", list(files))
    n = len(files) if done is None else done
    t.page.wait_for_function(
        "n => document.querySelectorAll('#qa-progress li[data-status=indexed], #qa-progress li[data-status=refused]')"
        ".length >= n && !document.querySelector('#qa-progress li[data-status=indexing]')",
        arg=n,
    )
    t.page.wait_for_function("() => document.querySelector('#qa-upload .file-preview') === null")  # box cleared
    return str(t.page.locator("#qa-progress").inner_text())


def test_upload_ask_copy_view_scope_remove(
    tab: Callable[..., Tab], make_assistant: MakeAssistant, launch: Launch
) -> None:
    t = tab(launch(make_assistant()).url)
    t.context.grant_permissions(["clipboard-read", "clipboard-write"])
    progress = upload(t, payload("lighthouse.md", LIGHTHOUSE, "text/markdown"), payload("bakery.txt", BAKERY))
    assert "lighthouse.md: indexed" in progress and "saved as uploads/lighthouse.md" in progress
    assert "bakery.txt: indexed" in progress and "1 passage" in progress
    listing = t.page.locator("#qa-doclist")
    assert "4 documents indexed" in listing.inner_text()
    assert listing.locator("tr[data-source='uploads/lighthouse.md']").count() == 1
    assert "4 documents" in t.page.locator(".qa-header").inner_text()
    t.page.fill("#qa-doc-search textarea, #qa-doc-search input", "bakery")
    t.page.wait_for_function("() => document.querySelector('#qa-doclist').innerText.includes('1 matching')")
    t.shot("docs-1-uploaded-and-listed")

    t.ask("Who built the harbour lighthouse?")
    answer = t.last_answer()
    assert "Jonas Vik" in answer.inner_text()
    card = t.page.locator("#qa-sources details.qa-source").first
    assert "uploads/lighthouse.md" in card.locator("summary").inner_text()

    answer.locator("button.qa-copy").click()
    t.page.wait_for_function("() => document.querySelector('#qa-chat button.qa-copy').textContent === 'Copied'")
    copied = t.page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("The harbour lighthouse was built in 1874 by Jonas Vik. [1]")
    assert '[1] uploads/lighthouse.md, line 3: "The harbour lighthouse was built in 1874 by Jonas Vik."' in copied

    card.locator("a.qa-open").click()
    hit = t.page.locator("#qa-docview mark#qa-doc-hit")
    hit.wait_for()
    assert hit.inner_text() == "The harbour lighthouse was built in 1874 by Jonas Vik."
    assert "Its beam reaches twenty miles." in t.page.locator("#qa-docview .qa-doc-text").inner_text()
    t.page.wait_for_function("() => document.querySelector('#qa-docview mark#qa-doc-hit').dataset.seen === '1'")
    t.shot("docs-2-document-view")

    # Ask within one document: the museum question finds nothing in the bakery's file.
    t.page.locator("#qa-scope input").click()
    t.page.get_by_role("option", name="uploads/bakery.txt").click()
    t.page.keyboard.press("Escape")
    t.ask("When is the museum closed?")
    scoped = t.last_answer()
    assert "Searched only in: uploads/bakery.txt" in scoped.inner_text()
    assert "Mondays" not in scoped.inner_text()
    t.shot("docs-3-scoped")
    t.page.locator("#qa-scope .token-remove, #qa-scope [aria-label='Remove'], #qa-scope .remove-all").first.click()

    # Remove the lighthouse: confirm, and it is gone from answers.
    t.page.get_by_role("tab", name="Documents", exact=True).click()
    t.page.locator("#qa-remove-choice input").click()
    t.page.get_by_role("option", name="uploads/lighthouse.md").click()
    t.page.locator("#qa-remove").click()
    t.page.locator("#qa-confirm-remove").wait_for()
    assert ".trash" in t.page.locator("#qa-confirm").first.inner_text()
    t.shot("docs-4-confirm-removal")
    t.page.locator("#qa-confirm-remove").click()
    t.page.wait_for_function("() => document.querySelector('#qa-progress').innerText.includes('Removed')")
    assert "3 documents indexed" in listing.inner_text()
    t.ask("Who built the harbour lighthouse?")
    assert "Jonas Vik" not in t.last_answer().inner_text()
    t.page.get_by_role("tab", name="Sources", exact=True).click()
    assert "lighthouse" not in t.page.locator("#qa-sources").inner_text().lower().replace("harbour lighthouse", "")

    with t.page.expect_download() as download:
        t.page.locator("#qa-export").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## Who built the harbour lighthouse?" in exported and "uploads/lighthouse.md" in exported
    t.shot("docs-5-after-removal")
    assert t.outside_requests() == [] and t.errors == []


def test_stop_mid_stream_keeps_the_part_shown(
    tab: Callable[..., Tab], make_assistant: MakeAssistant, launch: Launch
) -> None:
    SlowAssistant.delay = 0.4
    try:
        t = tab(launch(make_assistant(cls=SlowAssistant)).url)
        t.page.fill("#qa-question textarea", "How much do tickets cost for adults?")
        t.page.keyboard.press("Enter")
        t.page.wait_for_function(
            "() => { const s = document.querySelector('#qa-chat .qa-streaming'); return s && s.textContent.includes('cost'); }"
        )
        t.page.locator("#qa-stop").click()
        stopped = t.page.locator("#qa-chat .qa-stopped")
        stopped.wait_for()
        t.page.wait_for_timeout(2500)  # the model would have finished by now had it not been stopped
        assert "Stopped" in stopped.inner_text() and "Tickets cost" in stopped.inner_text()
        assert "adults" not in stopped.inner_text()
        assert t.page.locator("#qa-chat .qa-streaming").count() == 0
        t.shot("docs-6-stopped")
    finally:
        SlowAssistant.delay = 0.05


def test_upload_attacks_through_the_page(
    tab: Callable[..., Tab], make_assistant: MakeAssistant, launch: Launch
) -> None:
    bot = make_assistant(max_file_mb=0.05)
    t = tab(launch(bot).url)
    before = dict(bot.view.manifest["files"])
    pdf = make_pdf([["The archive opens on Fridays."]])
    progress = upload(
        t,
        payload("../../etc/evil.md", "The evil file says nothing harmful.\n"),
        payload(".hidden.md", "A hidden file is shown after all.\n"),
        payload("report.pdf", "<html>not a pdf</html>", "application/pdf"),
        payload("broken.pdf", pdf[: len(pdf) // 3], "application/pdf"),
        payload("tool.exe", b"MZ\x90\x00" * 10, "application/octet-stream"),
        done=4,  # the page itself turns the .exe away before sending it (the server would too)
    )
    assert "Invalid file type: tool.exe" in t.page.locator(".toast-body, [data-testid=toast-body]").first.inner_text()
    assert "report.pdf: refused" in progress and "not a PDF" in progress
    assert "broken.pdf: refused" in progress
    assert "tool.exe" not in progress
    assert "saved as uploads/evil.md" in progress and "saved as uploads/hidden.md" in progress
    corpus = bot.settings.corpus_dir.resolve()
    assert all(corpus in p.resolve().parents for p in corpus.parent.rglob("evil.md"))
    files = bot.view.manifest["files"]
    assert set(files) - set(before) == {"uploads/evil.md", "uploads/hidden.md"}
    t.shot("docs-7-attacks")
    # Over the size limit: the server cuts the upload off while receiving; nothing changes.
    t.page.set_input_files("#qa-upload input[type=file]", [payload("big.txt", "word " * 40_000)])
    t.page.wait_for_timeout(2000)
    assert set(bot.view.manifest["files"]) == set(files)
    assert not (bot.settings.corpus_dir / "uploads" / "big.txt").exists()


def test_three_tabs_uploading_at_once(tab: Callable[..., Tab], make_assistant: MakeAssistant, launch: Launch) -> None:
    bot = make_assistant()
    url = launch(bot).url
    tabs = [tab(url) for _ in range(3)]
    for t in tabs:
        t.page.get_by_role("tab", name="Documents", exact=True).click()
    for i, t in enumerate(tabs):
        files = [
            payload(
                f"tab{i}-{j}.md", f"Tab {i} file {j} mentions the colour {['red', 'green', 'blue'][i]} {j} times.\n"
            )
            for j in range(2)
        ]
        t.page.set_input_files("#qa-upload input[type=file]", files)
    for t in tabs:
        t.page.wait_for_function("() => document.querySelectorAll('#qa-progress li[data-status=indexed]').length >= 2")
    assert {f"uploads/tab{i}-{j}.md" for i in range(3) for j in range(2)} <= set(bot.view.manifest["files"])
    tabs[0].shot("docs-8-three-tabs")
    tabs[2].ask("Which colour does tab 2 mention?")
    assert "blue" in tabs[2].last_answer().inner_text()
