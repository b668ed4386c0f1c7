"""The Gradio page: chat, sources panel, example questions, and the events that connect them."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.embed.model import offline_environment

# Before gradio is imported: it (and the huggingface_hub it loads) decide at import time whether
# to send usage analytics or telemetry, and whether to go online.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
offline_environment()

import gradio as gr  # noqa: E402

from qa.ingest.load import CORPUS_SUFFIXES  # noqa: E402
from qa.web import assets, corpus, documents, sources, uploads  # noqa: E402
from qa.web.render import esc  # noqa: E402
from qa.web.session import ChatSession, Update  # noqa: E402

if TYPE_CHECKING:
    from qa.assistant import Assistant

TITLE = "Ask the documents"
PLACEHOLDER = (
    "**Ask a question about the documents**, or pick an example below.\n\n"
    "Every answer marks its claims with numbers like [1]; the passages they come from are shown "
    "under *Sources*, with the quoted sentence highlighted."
)


def theme() -> gr.themes.Base:
    # System fonts: the page must not fetch web fonts (or anything else) from the internet.
    return gr.themes.Default(
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def launch_options() -> dict[str, Any]:
    """Arguments of Blocks.launch() that belong to the page's look (Gradio 6 takes them there)."""
    # No "settings" link: its dialog offers language, theme and PWA items that mean nothing here.
    return {"theme": theme(), "css": assets.CSS, "head": assets.HEAD, "footer_links": ["api"]}


class Documents:
    """What the page shows about the corpus, read from the assistant's current index."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def sources(self) -> list[str]:
        self.assistant.refresh()  # a run of qa index, or an upload in another tab, may have published
        return sorted(self.assistant.view.manifest["files"])

    def header(self) -> str:
        files, count = corpus.counts(self.assistant.view.passages)
        return corpus.header_html(files, count, str(self.assistant.settings.corpus_dir))

    def listing(self, query: str = "") -> str:
        self.assistant.refresh()
        s = self.assistant.settings
        manifest = self.assistant.view.manifest
        limit = int(s.max_file_mb * 2**20)
        return documents.list_html(
            documents.rows(manifest, s.corpus_dir), documents.skipped(manifest, s.corpus_dir, limit), query
        )

    def view(self, request: str) -> str:
        try:
            wanted = json.loads(request)
            source = str(wanted["source"])
        except (ValueError, KeyError, TypeError):
            return documents.view_intro()
        if source not in self.assistant.view.manifest["files"]:
            return documents.view_html(source, None)
        s = self.assistant.settings
        text = documents.document_text(s.corpus_dir, source, int(s.max_file_mb * 2**20))
        start, end = wanted.get("start"), wanted.get("end")
        return documents.view_html(
            source, text, int(start) if start is not None else None, int(end) if end is not None else None
        )


class Handlers:
    """The page's event handlers; one instance serves every session (sessions live in gr.State)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.docs = Documents(assistant)
        self.uploader = uploads.Uploader(assistant)
        self.can_change, self.why_not = uploads.allowed(assistant.settings)

    def session_of(self, state: ChatSession | None) -> ChatSession:
        return state if state is not None else ChatSession(self.assistant)

    @staticmethod
    def outputs(session: ChatSession, update: Update) -> tuple[Any, ...]:
        return (
            update.messages,
            gr.skip() if update.panel is None else update.panel,
            gr.skip() if update.textbox is None else update.textbox,
            session,
        )

    def ask(self, question: str, scope: list[str] | None, state: ChatSession | None) -> Iterator[tuple[Any, ...]]:
        session = self.session_of(state)
        for update in session.ask(question or "", scope or ()):
            yield self.outputs(session, update)

    def stop(self, state: ChatSession | None) -> tuple[Any, ...]:
        update = self.session_of(state).stop()
        return update.messages, gr.skip() if update.panel is None else update.panel

    def new_conversation(self, state: ChatSession | None) -> tuple[Any, ...]:
        session = self.session_of(state)
        return self.outputs(session, session.reset())

    def show_sources(self, state: ChatSession | None, event: gr.SelectData) -> Any:
        index = event.index[0] if isinstance(event.index, list | tuple) else event.index
        panel = self.session_of(state).panel_for(int(index)) if isinstance(index, int) else None
        return gr.skip() if panel is None else panel

    def export_file(self, state: ChatSession | None) -> Any:
        session = self.session_of(state)
        if not session.answers and not session.stopped:
            return gr.DownloadButton(value=None, interactive=False)
        path = Path(tempfile.mkdtemp(prefix="qa-export-")) / "conversation.md"
        path.write_text(session.export(), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    def copy_text(self, state: ChatSession | None) -> str:
        return self.session_of(state).copy_text()

    def corpus_outputs(self, query: str) -> tuple[Any, ...]:
        """The document list, both document choices and the header, after the corpus changed."""
        choices = self.docs.sources()
        return (
            self.docs.listing(query or ""),
            gr.Dropdown(choices=choices),
            gr.Dropdown(choices=choices, value=None),
            self.docs.header(),
        )

    def add_files(self, files: list[str] | None, replace: bool, query: str) -> Iterator[tuple[Any, ...]]:
        skip = (gr.skip(),) * 4
        if not self.can_change:  # the component is hidden then; this is for the API
            yield (f'<p class="qa-warning">{esc(self.why_not)}</p>', *skip, None)
            return
        paths = [str(f) for f in files or []]
        if not paths:
            yield (gr.skip(), *skip, gr.skip())
            return
        for results in self.uploader.add(paths, replace):
            yield (uploads.progress_html(results), *skip, gr.skip())
        yield (gr.skip(), *self.corpus_outputs(query), None)

    def confirm_removal(self, source: str | None) -> tuple[Any, ...]:
        if not source:
            return gr.Group(visible=False), ""
        return gr.Group(visible=True), (
            f'<p>Remove <span class="qa-file">{esc(source)}</span> from the index? The file is moved '
            "to the <code>.trash</code> folder of the corpus, from where it can be put back.</p>"
        )

    def remove(self, source: str | None, query: str) -> tuple[Any, ...]:
        hide = gr.Group(visible=False)
        if not self.can_change:
            return (f'<p class="qa-warning">{esc(self.why_not)}</p>', *(gr.skip(),) * 4, hide)
        if not source:
            return (*(gr.skip(),) * 5, hide)
        try:
            where = self.uploader.remove(source)
            note = (
                f'<p class="qa-removed">Removed <span class="qa-file">{esc(source)}</span>: '
                f'it is no longer searched. The file is in <span class="qa-file">{esc(where)}</span>.</p>'
            )
        except Exception as exc:  # shown, not raised: the page must not show a traceback
            note = f'<p class="qa-warning">Could not remove {esc(source)}: {esc(str(exc))}</p>'
        return (note, *self.corpus_outputs(query), hide)


def build_page(assistant: Assistant, examples: Sequence[str] | None = None) -> gr.Blocks:
    """Return the chat page for ``assistant`` (shared by every session; never reopened)."""
    passages = assistant.view.passages
    if examples is None:
        shown = corpus.answered_examples(corpus.SEED_EXAMPLES, passages.values())
    else:
        shown = corpus.covered_examples(examples, passages.values())
    h = Handlers(assistant)
    docs, can_change, why_not = h.docs, h.can_change, h.why_not
    choices = docs.sources()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        state = gr.State(None)  # a ChatSession, created on the session's first event
        header = gr.HTML(docs.header(), js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                chat = gr.Chatbot(
                    label="Chat",
                    show_label=False,
                    height=560,
                    elem_id="qa-chat",
                    placeholder=PLACEHOLDER,
                    latex_delimiters=[],  # "$" in a document is money, not math
                    buttons=[],  # no "share" (it uploads the chat) and no copy of raw markup
                    feedback_options=None,
                    group_consecutive_messages=False,
                )
                with gr.Row(elem_id="qa-ask-row"):
                    box = gr.Textbox(
                        placeholder="Ask a question about the documents\u2026",
                        show_label=False,
                        lines=1,
                        max_lines=6,
                        scale=5,
                        autofocus=True,
                        elem_id="qa-question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
                    halt = gr.Button("Stop", variant="stop", scale=0, min_width=70, elem_id="qa-stop")
                scope = gr.Dropdown(
                    choices=choices,
                    value=[],
                    multiselect=True,
                    label="Ask within documents",
                    info="Leave empty to search every document.",
                    elem_id="qa-scope",
                )
                with gr.Row(elem_id="qa-tools"):
                    new = gr.Button(
                        "\u21bb New conversation", size="sm", scale=0, elem_id="qa-new", elem_classes="qa-tool"
                    )
                    export = gr.DownloadButton(
                        "Export as Markdown", size="sm", scale=0, interactive=False, elem_id="qa-export",
                        elem_classes="qa-tool",
                    )  # fmt: skip
                    copy = gr.Button(
                        "Copy last answer", size="sm", scale=0, elem_id="qa-copy-last", elem_classes="qa-tool"
                    )
                example_buttons = []
                if shown:
                    gr.HTML(
                        '<p class="qa-examples-label">Try an example:</p>', elem_id="qa-examples-label", js_on_load=None
                    )
                    with gr.Row(elem_id="qa-examples"):
                        example_buttons = [
                            gr.Button(q, size="sm", variant="secondary", elem_classes="qa-example") for q in shown
                        ]
            with gr.Column(scale=2, min_width=320), gr.Tabs(elem_id="qa-tabs") as tabs:
                with gr.Tab("Sources", id="sources", elem_id="qa-tab-sources"):
                    panel = gr.HTML(sources.intro_panel(), elem_id="qa-sources", js_on_load=None)
                with gr.Tab("Documents", id="documents", elem_id="qa-tab-documents"):
                    upload = gr.File(
                        file_count="multiple",
                        file_types=sorted(CORPUS_SUFFIXES),
                        type="filepath",
                        label="Add documents (drop files here, or click to choose)",
                        elem_id="qa-upload",
                        interactive=can_change,
                        visible=can_change,
                    )
                    replace = gr.Checkbox(
                        False, label="Replace a document of the same name", elem_id="qa-replace", visible=can_change
                    )
                    progress = gr.HTML(
                        "" if can_change else f'<p class="qa-empty">{esc(why_not)}</p>', elem_id="qa-progress",
                        js_on_load=None,
                    )  # fmt: skip
                    search = gr.Textbox(
                        placeholder="Search the documents by name or type\u2026", show_label=False,
                        elem_id="qa-doc-search",
                    )  # fmt: skip
                    doclist = gr.HTML(docs.listing(), elem_id="qa-doclist", js_on_load=None)
                    with gr.Row(elem_id="qa-remove-row", visible=can_change):
                        doomed = gr.Dropdown(
                            choices=choices, value=None, label="Remove a document", scale=4, elem_id="qa-remove-choice"
                        )
                        ask_remove = gr.Button("Remove\u2026", scale=1, elem_id="qa-remove", variant="secondary")
                    with gr.Group(visible=False, elem_id="qa-confirm") as confirm_box:
                        confirm_text = gr.HTML("", js_on_load=None)
                        with gr.Row():
                            confirm = gr.Button("Yes, remove it", variant="stop", elem_id="qa-confirm-remove")
                            cancel = gr.Button("Cancel", elem_id="qa-cancel-remove")
                with gr.Tab("Document view", id="view", elem_id="qa-tab-view"):
                    docview = gr.HTML(documents.view_intro(), elem_id="qa-docview", js_on_load=None)
        open_request = gr.Textbox(visible="hidden", elem_id="qa-open-request")
        clipboard = gr.Textbox(visible="hidden", elem_id="qa-clipboard")

        outs = [chat, panel, box, state]
        ins = [box, scope, state]
        to_sources = {"fn": lambda: gr.Tabs(selected="sources"), "inputs": None, "outputs": tabs, "queue": False}
        for trigger in (box.submit, send.click):
            trigger(**to_sources, api_visibility="private")
        box.submit(h.ask, ins, outs, api_name="ask", show_progress="minimal").then(
            h.export_file, [state], [export], api_visibility="private"
        )
        send.click(h.ask, ins, outs, api_visibility="private", show_progress="minimal").then(
            h.export_file, [state], [export], api_visibility="private"
        )
        halt.click(h.stop, [state], [chat, panel], api_name="stop", queue=False).then(
            h.export_file, [state], [export], api_visibility="private"
        )
        for button, question in zip(example_buttons, shown, strict=True):
            # Put the example in the box first, so the user sees what is being asked.
            button.click(_constant(question), None, box, api_visibility="private", queue=False).then(
                h.ask, ins, outs, api_visibility="private", show_progress="minimal"
            ).then(h.export_file, [state], [export], api_visibility="private")
        new.click(h.new_conversation, [state], outs, api_name="new_conversation").then(
            h.export_file, [state], [export], api_visibility="private"
        )
        chat.select(h.show_sources, [state], [panel], api_visibility="private", show_progress="hidden")
        copy.click(h.copy_text, [state], [clipboard], api_name="copy").then(
            None, [clipboard], None, js="(text) => { window.qaCopy && window.qaCopy(text); }"
        )
        open_request.change(docs.view, [open_request], [docview], api_name="document").then(
            lambda: gr.Tabs(selected="view"), None, tabs, api_visibility="private", queue=False
        )
        search.change(docs.listing, [search], [doclist], api_visibility="private", show_progress="hidden")
        corpus_outs = [doclist, scope, doomed, header]
        upload.upload(
            h.add_files, [upload, replace, search], [progress, *corpus_outs, upload], api_name="add_documents"
        )
        ask_remove.click(h.confirm_removal, [doomed], [confirm_box, confirm_text], api_visibility="private")
        cancel.click(lambda: gr.Group(visible=False), None, confirm_box, api_visibility="private", queue=False)
        confirm.click(h.remove, [doomed, search], [progress, *corpus_outs, confirm_box], api_name="remove_document")
    return page  # type: ignore[no-any-return]  # gradio's context manager is untyped


def _constant(value: str) -> Any:
    return lambda: value
