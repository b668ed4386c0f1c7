"""``qa index``: build or update the index from the corpus folder."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from qa.cli.common import add_common, require_corpus, settings_from


def register(sub: Any) -> None:
    p = sub.add_parser("index", help="build or update the index from the corpus folder")
    add_common(p)
    p.add_argument("--rebuild", action="store_true", help="start from scratch")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.errors import IndexFormatError
    from qa.index.build import build_index

    settings = settings_from(args)
    require_corpus(settings.corpus_dir)
    embedder = SentenceTransformerEmbedder(settings.embed_model)
    try:
        report = build_index(settings, embedder, rebuild=args.rebuild)
    except IndexFormatError as exc:
        # An index from an older version cannot be updated in place, and rebuilding it is what
        # `qa index` is for: `make run` after an upgrade then works without a manual step.
        print(f"{exc.message}: rebuilding it from {settings.corpus_dir}", file=sys.stderr, flush=True)
        report = build_index(settings, embedder, rebuild=True)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.summary())
    return 0
