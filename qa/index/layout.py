"""On-disk layout of an index folder: generations, the CURRENT pointer, manifest and lock.

    index/
      CURRENT            name of the generation readers use (replaced atomically)
      gen-<stamp>/       one complete index: manifest.json, chroma/, bm25/
      .lock              held (flock) by the one process writing

A writer builds a new generation beside the current one and switches CURRENT with
``os.replace`` only when it is complete, so a reader never sees a half-written index
and a killed writer leaves the previous generation in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError, IndexFormatError, IndexLockedError, IndexMissingError

MANIFEST_FORMAT = 12  # 2: heading paths, plain forms, block keys; 3: BM25 is bm25s over qa.text stems (ids.json);
# 4: a definition-list term titles its definition's passages (heading path), not a passage of its own;
# 5: a PDF heading may hold a dot inside a word ("2.9. The mime.cache files"): passages of such PDFs change
# 6: a PDF table cell wrapped over several lines stays in its row; 7: an indented capitalised PDF line opens a paragraph
# 8: a plain-text FAQ question (a line ending in "?", or numbered, over an indented answer) titles its answer
# 9: a sentence announcing "the following" thing stays in one passage with it, as a lead-in ending in ":" does
# 10: plain text: a guessed heading with nothing under it is text; release lines sit at the releases' level; Q:/A: FAQs
# 11: HTML: a DocBook FAQ's questions title their answers; an in-page table of contents is furniture
# 12: plain text: a starred NEWS entry title of up to 20 words titles its paragraphs
KEEP_GENERATIONS = 2  # the current one and the one before, which open readers may still use


@dataclass(frozen=True)
class Generation:
    """One complete index generation."""

    root: Path  # the index folder
    name: str

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"

    @property
    def bm25_path(self) -> Path:
        return self.path / "bm25"

    @property
    def collection(self) -> str:
        # Chroma names: 3-512 chars of [a-zA-Z0-9._-]; one collection per generation so that a
        # Chroma server can hold the old and new generation side by side during a switch.
        return f"qa-{self.name}"


def current(root: Path) -> Generation | None:
    """Return the generation CURRENT points at, or None when there is no index yet."""
    pointer = root / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorruptError(f"cannot read {pointer}: {exc.strerror}", "run: qa index --rebuild") from exc
    if not name or "/" in name or not (root / name).is_dir():
        raise IndexCorruptError(f"{pointer} names a missing index generation {name!r}", "run: qa index --rebuild")
    return Generation(root, name)


def require_current(root: Path) -> Generation:
    gen = current(root)
    if gen is None:
        raise IndexMissingError(f"no index in {root}", "run: qa index")
    return gen


def new_generation(root: Path) -> Generation:
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    gen = Generation(root, name)
    gen.path.mkdir(parents=True)
    return gen


def publish(gen: Generation) -> None:
    """Make ``gen`` the current generation, atomically, then drop older ones."""
    _fsync_tree(gen.path)
    tmp = gen.root / f"CURRENT.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(gen.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, gen.root / "CURRENT")
    _fsync_dir(gen.root)
    collect_garbage(gen.root)


def collect_garbage(root: Path) -> None:
    """Remove generations other than the newest KEEP_GENERATIONS, and abandoned partial ones."""
    cur = current(root)
    gens = sorted((p for p in root.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    keep = {cur.name} if cur else set()
    for p in gens:
        if len(keep) >= KEEP_GENERATIONS:
            break
        if (p / "manifest.json").exists():
            keep.add(p.name)
    for p in gens:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    for tmp in root.glob("CURRENT.*.tmp"):
        tmp.unlink(missing_ok=True)


def read_manifest(gen: Generation) -> dict[str, Any]:
    try:
        data = json.loads(gen.manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(f"index generation {gen.path} has no manifest", "run: qa index --rebuild") from None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(
            f"the index manifest {gen.manifest_path} is unreadable: {exc}", "run: qa index --rebuild"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("format"), int) and data["format"] < MANIFEST_FORMAT:
        raise IndexFormatError(
            f"the index in {gen.root} was built by an older version of qa (format {data['format']}, "
            f"this version reads format {MANIFEST_FORMAT})",
            "run: qa index --rebuild",
        )
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or "files" not in data:
        raise IndexCorruptError(
            f"the index manifest {gen.manifest_path} has an unknown format", "run: qa index --rebuild"
        )
    return data


def write_manifest(gen: Generation, data: dict[str, Any]) -> None:
    tmp = gen.manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, gen.manifest_path)


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Hold the index's writer lock; a second writer gets IndexLockedError naming the first.

    ``flock`` is released by the kernel when a process dies, so a lock left by a
    killed run is never stale: the file may remain, but nobody holds it.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise IndexLockedError(
                f"the index in {root} is being written by {holder}",
                "wait for it to finish, then run the command again",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"qa index (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _fsync_tree(path: Path) -> None:
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
