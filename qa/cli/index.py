"""``qa index``: build or update the index from the corpus folder."""

from __future__ import annotations

import argparse
import json
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
    from qa.index.build import build_index

    settings = settings_from(args)
    require_corpus(settings.corpus_dir)
    report = build_index(settings, SentenceTransformerEmbedder(settings.embed_model), rebuild=args.rebuild)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.summary())
    return 0
