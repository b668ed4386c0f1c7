"""Counting tokens with a real tokenizer available offline: cl100k_base from LlamaIndex's bundled cache.

The one loader of cl100k in the package: prompt sizes (answering) and context sizes (evaluation) use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens with a real tokenizer available offline; ``name`` says which."""

    name: str
    encode: Callable[[str], Sequence[int]]

    def count(self, text: str) -> int:
        return len(self.encode(text))


@contextlib.contextmanager
def _env(key: str, value: str) -> Iterator[None]:
    before = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[key]
        else:
            os.environ[key] = before


@lru_cache(maxsize=1)
def cl100k_encoder() -> Callable[[str], Sequence[int]] | None:
    """Return tiktoken's cl100k_base encoder from the copy bundled with llama-index-core, or None.

    tiktoken would download the encoding file when its cache lacks it; it is only
    loaded when the bundled cache file is there, so nothing is fetched.
    """
    try:
        import llama_index.core
        import tiktoken
    except ImportError:
        return None
    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    if not (cache / hashlib.sha1(_CL100K_URL.encode()).hexdigest()).is_file():
        return None
    with _env("TIKTOKEN_CACHE_DIR", str(cache)):  # the way llama-index itself loads it, then restored
        enc = tiktoken.get_encoding("cl100k_base")

    def encode(text: str) -> Sequence[int]:
        return enc.encode(text, disallowed_special=())

    return encode


def token_counter() -> TokenCounter:
    """Return the cl100k_base counter (GPT-3.5/4's tokenizer, close to an LLM's view of a prompt).

    Falls back to the bundled MiniLM WordPiece tokenizer when cl100k_base is not available offline.
    """
    encode = cl100k_encoder()
    if encode is not None:
        return TokenCounter("cl100k_base (tiktoken, encoding file bundled with llama-index-core)", encode)
    from tokenizers import Tokenizer

    from qa.config import DEFAULT_EMBED_MODEL
    from qa.embed.model import resolve_model

    tok = Tokenizer.from_file(str(Path(resolve_model(DEFAULT_EMBED_MODEL)) / "tokenizer.json"))
    tok.no_truncation()  # count the whole text: a long context must not look like 256 tokens
    tok.no_padding()  # the bundled tokenizer.json pads every input to 128
    return TokenCounter(
        "all-MiniLM-L6-v2 WordPiece (bundled tokenizer.json)",
        lambda text: tok.encode(text, add_special_tokens=False).ids,
    )


def count_message_tokens(messages: Sequence[dict[str, str]]) -> int:
    """Return a chat prompt's size in tokens (cl100k: close to, not exactly, a server model's own count).

    Four tokens per message for the role and separators, as OpenAI's chat format counts them.
    """
    encode = _message_encoder()
    return sum(len(encode(m["content"])) + 4 for m in messages)


@lru_cache(maxsize=1)
def _message_encoder() -> Callable[[str], Sequence[int]]:
    # Once per process: a prompt is counted several times while it is fitted to the context, and
    # the fallback tokenizer would otherwise be read from its file on every count.
    return cl100k_encoder() or token_counter().encode
