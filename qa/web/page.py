"""The Gradio page: chat, sources panel, example questions, and the events that connect them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qa.embeddings import offline_environment

# Before gradio is imported: it (and the huggingface_hub it loads) decide at import time whether
# to send usage analytics or telemetry, and whether to go online.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
offline_environment()

import gradio as gr  # noqa: E402

from qa.web import assets, corpus, sources  # noqa: E402
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
    return {"theme": theme(), "css": assets.CSS, "head": assets.HEAD, "footer_links": ["api", "settings"]}


def build_page(assistant: Assistant, examples: Sequence[str] | None = None) -> gr.Blocks:
    """Return the chat page for ``assistant`` (shared by every session; never reopened)."""
    passages = assistant.view.passages
    files, count = corpus.counts(passages)
    shown = corpus.covered_examples(corpus.DEFAULT_EXAMPLES if examples is None else examples, passages.values())

    def session_of(state: ChatSession | None) -> ChatSession:
        return state if state is not None else ChatSession(assistant)

    def outputs(session: ChatSession, update: Update) -> tuple[Any, ...]:
        return (
            update.messages,
            gr.skip() if update.panel is None else update.panel,
            gr.skip() if update.textbox is None else update.textbox,
            session,
        )

    def ask(question: str, state: ChatSession | None) -> Iterator[tuple[Any, ...]]:
        session = session_of(state)
        for update in session.ask(question or ""):
            yield outputs(session, update)

    def new_conversation(state: ChatSession | None) -> tuple[Any, ...]:
        session = session_of(state)
        return outputs(session, session.reset())

    def show_sources(state: ChatSession | None, event: gr.SelectData) -> Any:
        index = event.index[0] if isinstance(event.index, list | tuple) else event.index
        panel = session_of(state).panel_for(int(index)) if isinstance(index, int) else None
        return gr.skip() if panel is None else panel

    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        state = gr.State(None)  # a ChatSession, created on the session's first event
        gr.HTML(corpus.header_html(files, count, str(assistant.settings.corpus_dir)), js_on_load=None)
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
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask a question about the documents\u2026",
                        show_label=False,
                        lines=1,
                        max_lines=6,
                        scale=5,
                        autofocus=True,
                        elem_id="qa-question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="qa-ask")
                example_buttons = []
                if shown:
                    gr.HTML(
                        '<p class="qa-examples-label">Try an example:</p>', elem_id="qa-examples-label", js_on_load=None
                    )
                    with gr.Row(elem_id="qa-examples"):
                        example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in shown]
                with gr.Row():
                    new = gr.Button("New conversation", size="sm", variant="secondary", scale=0, elem_id="qa-new")
            with gr.Column(scale=2, min_width=320):
                panel = gr.HTML(sources.intro_panel(), elem_id="qa-sources", js_on_load=None)

        outs = [chat, panel, box, state]
        box.submit(ask, [box, state], outs, api_name="ask", show_progress="minimal")
        send.click(ask, [box, state], outs, api_visibility="private", show_progress="minimal")
        for button, question in zip(example_buttons, shown, strict=True):
            # Put the example in the box first, so the user sees what is being asked.
            button.click(_constant(question), None, box, api_visibility="private", queue=False).then(
                ask, [box, state], outs, api_visibility="private", show_progress="minimal"
            )
        new.click(new_conversation, [state], outs, api_name="new_conversation")
        chat.clear(new_conversation, [state], outs, api_visibility="private")
        chat.select(show_sources, [state], [panel], api_visibility="private", show_progress="hidden")
    return page  # type: ignore[no-any-return]  # gradio's context manager is untyped


def _constant(value: str) -> Any:
    return lambda: value
