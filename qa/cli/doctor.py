"""``qa doctor``: what is configured, what works, and the command that fixes what does not."""

from __future__ import annotations

import argparse
import shlex
import time
from typing import Any, Literal

from qa.cli.common import add_common, add_llm

NAME = "doctor"


def register(sub: Any) -> None:

    p = sub.add_parser(NAME, help="check the index, the embedding model, the LLM server and the GGUF model")
    add_common(p)
    add_llm(p)
    p.set_defaults(func=run)


def _line(ok: bool | None | Literal["warn"], what: str, detail: str = "", fix: str = "") -> None:
    """Print one check: ok, FAIL (the command cannot work), warn (it works, worse), -- (not checked)."""
    mark = {True: "ok  ", False: "FAIL", None: "--  ", "warn": "warn"}[ok]
    print(f"[{mark}] {what}" + (f": {detail}" if detail else ""))
    if fix and ok in (False, "warn"):
        print(f"       fix: {fix}")


def with_flags(hint: str, args: argparse.Namespace) -> str:
    """Return ``hint`` with the folder flags this run was given added to its ``qa index`` command.

    ``qa doctor --index-dir D`` must suggest ``qa index --index-dir D``: the bare command would
    build the default index, and the doctor would still find none in D.
    """
    flags = [
        f"{flag} {shlex.quote(str(value))}"
        for flag, value in (
            ("--corpus", getattr(args, "corpus_dir", None)),
            ("--index-dir", getattr(args, "index_dir", None)),
            ("--chroma-url", getattr(args, "chroma_url", None)),
        )
        if value
    ]
    if not flags or "qa index" not in hint:
        return hint
    head, _, tail = hint.partition("qa index")
    command, space, rest = tail.partition(" (")  # "qa index --rebuild (or ...)": flags go before the aside
    return f"{head}qa index{command} {' '.join(flags)}{space}{rest}"


def _size(path: Any) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> int:
    from qa.answer.backends import probe
    from qa.cli.common import settings_from
    from qa.errors import QAError
    from qa.index import layout
    from qa.index.view import manifest_passages

    s = settings_from(args)
    print(f"corpus {s.corpus_dir}  index {s.index_dir}  llm {s.llm}  ollama {s.ollama_host} model {s.ollama_model}"
          + (f"  gguf {s.gguf}" if s.gguf else ""))  # fmt: skip
    failures = 0
    from qa.ingest.load import scan

    files, other = scan(s.corpus_dir) if s.corpus_dir.is_dir() else ([], [])
    # Unsupported files are not corpus files: they are counted (and named by qa index) as skipped.
    unsupported = (
        f", {len(other)} skipped (unsupported: {', '.join(p.name for p in other[:5])}{'...' if len(other) > 5 else ''})"
    )
    _line(
        bool(files),
        "corpus folder",
        (f"{len(files)} files" + (unsupported if other else "")) if files else "missing or empty",
        f"put .txt, .md, .rst, .csv, .html, .pdf or .docx files in {s.corpus_dir}",
    )
    failures += not files
    manifest: dict[str, Any] | None = None
    try:
        gen = layout.require_current(s.index_dir)
        manifest = layout.read_manifest(gen)
        n = len(manifest_passages(manifest["files"]))
        skipped = len(manifest.get("skipped", []))
        built_with = manifest.get("embed_model")
        detail = (f"{len(manifest['files'])} files, {skipped} skipped, {n} unique passages, "
                  f"{_size(gen.path) / 1e6:.1f} MB, model {built_with}")  # fmt: skip
        if built_with == s.embed_model:
            _line(True, "index", detail)
        else:
            _line(False, "index", f"{detail}, not {s.embed_model} (QA_EMBED_MODEL)",
                  with_flags("run: qa index --rebuild (or set QA_EMBED_MODEL back)", args))  # fmt: skip
            failures += 1
            manifest = None  # its encoder is not this model's
    except QAError as exc:
        _line(False, "index", exc.message, with_flags(exc.hint or "run: qa index", args))
        failures += 1
    failures += _embedding(s, manifest, args)
    failures += _reader(s)
    if s.chroma_url:
        failures += _chroma_server(s, manifest)
    backends = ["ollama"] if s.llm in ("auto", "ollama") else ["openai"] if s.llm == "openai" else []
    for backend in backends:
        reason = probe(s, backend)
        where = s.ollama_host if backend == "ollama" else s.openai_base_url
        _line(reason is None, f"{backend} server and model", f"{where} ready" if reason is None else reason,
              f"ollama serve & ollama pull {s.ollama_model}" if backend == "ollama" else "start the server")  # fmt: skip
        # Without an LLM the product still answers (extractively): a warning, not a failure, under auto.
        failures += reason is not None and s.llm != "auto"
    if s.llm in ("auto", "llamacpp") or s.gguf:
        failures += _gguf(s)
    if s.llm == "extractive":
        _line(None, "LLM", "extractive answers only (QA_LLM=extractive)")
    return 1 if failures else 0


def _embedding(s: Any, manifest: dict[str, Any] | None, args: argparse.Namespace) -> int:
    """Check the embedding model and its ONNX query encoder without loading torch; return 1 on failure.

    Loading sentence-transformers would take seconds; what a question needs is the model's
    files (``qa index`` loads them) and the shared ONNX export (what answers load), which
    is checked against its checksums and made to encode a sentence.
    """
    import importlib.util

    from qa.embed.model import hash_model_dir, local_model_dir
    from qa.embed.onnx import OnnxEmbedder, read_meta
    from qa.errors import QAError
    from qa.index.encoder import encoder_cache

    try:
        folder = local_model_dir(s.embed_model)
    except QAError as exc:
        _line(False, "embedding model", exc.message, exc.hint or "")
        return 1
    if folder is None:
        _line(False, "embedding model", f"{s.embed_model} is not on this machine (nothing is downloaded)",
              "set QA_EMBED_MODEL to a local sentence-transformers folder")  # fmt: skip
        return 1
    model_hash = hash_model_dir(folder)
    installed = importlib.util.find_spec("sentence_transformers") is not None  # found, not imported: no torch
    _line(installed, "embedding model", f"{s.embed_model}, files in {folder} (sha256 {model_hash[:12]})"
          + ("" if installed else "; sentence-transformers is not installed"), "pip install sentence-transformers")  # fmt: skip
    recorded = manifest.get("embed_hash") if manifest else None
    if recorded and recorded != model_hash:
        _line(False, "embedding model", f"its files changed since the index was built (sha256 {recorded[:12]} then)",
              with_flags("run: qa index --rebuild", args))  # fmt: skip
        return 1
    cache = encoder_cache(s)
    problem = cache.damage(model_hash)
    if problem is not None:
        where = cache.folder(model_hash)
        if manifest is None:  # no index yet: qa index makes both
            _line(None, "query encoder", f"not made yet ({where}); qa index exports it")
        elif cache.lookup(model_hash) is None:  # what a reader checks: it falls back to sentence-transformers
            _line("warn", "query encoder", f"{where}: {problem}, so answers load torch (slower to start)",
                  with_flags("run: qa index (it makes the encoder again, nothing is re-embedded)", args))  # fmt: skip
        else:  # complete but altered with its size and time kept: readers would still use it
            _line(False, "query encoder", f"{where}: {problem}; answers would embed with it",
                  with_flags(f"delete {where}, then run: qa index", args))  # fmt: skip
            return 1
        return int(not installed)
    t0 = time.perf_counter()
    try:
        OnnxEmbedder(cache.folder(model_hash), s.embed_model, cache_size=0).encode(["Is the encoder working?"])
    except QAError as exc:
        _line("warn", "query encoder", exc.message, exc.hint or "")
        return int(not installed)
    agreement = (read_meta(cache.folder(model_hash)) or {}).get("agreement")
    checked = f"; cosine {agreement:.4f} with the model when exported" if agreement else ""
    _line(True, "query encoder", f"ONNX export in {cache.folder(model_hash)}, checksums match, encodes "
          f"({time.perf_counter() - t0:.1f} s){checked}")  # fmt: skip
    return int(not installed)


def _chroma_server(s: Any, manifest: dict[str, Any] | None) -> int:
    """Check that the Chroma server answers and holds the index's vectors; return 1 if not."""
    from qa.errors import QAError
    from qa.index import layout
    from qa.index.vectors import ChromaStores

    try:
        gen = layout.current(s.index_dir) if manifest is not None else None
        if gen is None:
            from qa.index.vectors import http_client

            http_client(s.chroma_url)
            _line(True, "Chroma server", f"{s.chroma_url} answers")
        else:
            count = ChromaStores(s).open(gen).count()
            _line(True, "Chroma server", f"{s.chroma_url} answers; collection {gen.collection} holds {count} vectors")
    except QAError as exc:
        _line(False, "Chroma server", exc.message, exc.hint or "")
        return 1
    return 0


def _reader(s: Any) -> int:
    """Report the trained reader (card, checksums, one pair scored); return 1 if it is configured and broken.

    Answers still come without it (the feature scorer answers, with a notice), so a broken reader
    is a failure of the check, not of the product.
    """
    from qa.answer.reader import REBUILD, Reader, card_path, damage
    from qa.errors import ModelUnavailableError

    if s.reader.strip().lower() in ("off", "none", ""):
        _line(None, "reader", "off (QA_READER=off): the feature scorer picks the sentences")
        return 0
    path = card_path(s.reader)
    try:
        reader = Reader(path)
        problem = damage(reader.card, reader.folder, full=True)
        if problem:
            raise ModelUnavailableError(problem, f"rebuild it: {REBUILD}")
        p = float(reader.probabilities("Is the reader working?", ["The reader is working."])[0])
    except ModelUnavailableError as exc:
        _line(False, "reader", f"{exc.message}; answers fall back to the feature scorer", exc.hint or "")
        return 1
    _line(True, "reader", f"{reader.version} ({path}), checksums match, scores a pair (p {p:.2f}); "
          f"answers at {reader.threshold:.3f}")  # fmt: skip
    return 0


def _gguf(s: Any) -> int:
    """Report the in-process GGUF model (configured, loads, context); return 1 if that is a failure."""
    from qa.answer.llamacpp import LlamaCppChat, chat_template, gguf_problem, trained_context
    from qa.answer.llm import LLMError

    needed = s.llm == "llamacpp"  # under auto it is a fallback: a problem is a warning, not a failure
    if not s.gguf:
        if needed:
            _line(False, "GGUF model", "QA_GGUF is not set", "set QA_GGUF to the path of a .gguf file")
            return 1
        _line(None, "GGUF model", "none configured (set QA_GGUF for in-process answers when Ollama is not running)")
        return 0
    problem = gguf_problem(s)
    chat = LlamaCppChat(s)
    if problem is None:
        try:
            llama = chat.load()
        except LLMError as exc:
            problem = exc
    if problem is not None:
        _line(False, "GGUF model", problem.message, problem.hint or "")
        return int(needed)
    n_ctx, trained = llama.n_ctx(), trained_context(llama)
    detail = (
        f"{s.gguf} loads ({chat.load_seconds or 0:.1f} s); context {n_ctx} tokens (QA_NUM_CTX; trained for "
        f"{trained or '?'}); answers capped at {s.max_tokens} tokens (QA_MAX_TOKENS); chats formatted by "
        f"{chat_template(llama)}"
    )
    _line(True, "GGUF model", detail)
    if trained and n_ctx > trained:
        why = f"QA_NUM_CTX={n_ctx} is more than the model was trained for"
        _line(False, "GGUF context", why, f"set QA_NUM_CTX={trained} or less")
        return int(needed)
    return 0
