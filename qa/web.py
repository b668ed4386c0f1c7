"""The Gradio web chat (minimal first version; see issue 4 for the full page)."""

from __future__ import annotations

import os
from typing import Any


def build(assistant: Any) -> Any:
    import gradio as gr

    from qa.types import Answer

    def respond(message: str, history: list[Any]) -> Any:
        for item in assistant.stream(message):
            if isinstance(item, Answer):
                sources = "\n".join(f"[{c.n}] {c.source}:{c.line_start}-{c.line_end}" for c in item.citations)
                yield item.text + ("\n\n" + sources if sources else "")
            else:
                yield item

    return gr.ChatInterface(respond, title="Ask the documents", examples=["Can WeChat Pay be used on Taobao?"])


def main() -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from qa.assistant import Assistant
    from qa.config import Settings

    settings = Settings.from_env()
    build(Assistant.open(settings=settings)).launch(server_name=settings.host, server_port=settings.port)
