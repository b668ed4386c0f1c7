"""``qa serve``: the web chat in the browser (also ``python app.py`` and ``make run``)."""

from __future__ import annotations

import argparse
from typing import Any

from qa.cli.common import add_common, add_llm, require_named_corpus

NAME = "serve"


def register(sub: Any) -> None:

    p = sub.add_parser(NAME, help="start the web chat (http://127.0.0.1:7860)")
    add_common(p)
    add_llm(p)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1, or QA_HOST)")
    p.add_argument("--port", type=int, help="port (default 7860, or QA_PORT)")
    p.add_argument("--open", action="store_true", help="open the chat in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qa.config import Settings
    from qa.web import serve

    keys = ("corpus_dir", "index_dir", "chroma_url", "llm", "host", "port")
    settings = Settings.from_env(**{k: getattr(args, k, None) for k in keys})
    require_named_corpus(args, settings)
    print(f"Opening the index in {settings.index_dir} (built from {settings.corpus_dir} if missing)\u2026", flush=True)
    server = serve(settings, open_browser=args.open)
    print(f"The chat is ready: {server.url}  (Ctrl+C stops it)", flush=True)
    server.wait()
    return 0
