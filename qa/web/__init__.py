"""The Gradio web chat: streamed answers with a sources panel to check them against."""

from __future__ import annotations

import os

# Set before anything can import gradio, which reads it once to decide on usage analytics.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from qa.web.server import Server, serve  # noqa: E402  (light: gradio is imported on use)

__all__ = ["Server", "serve"]
