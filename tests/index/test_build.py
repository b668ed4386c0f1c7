"""Indexing with fakes: incremental updates, provenance, generations and the writer lock."""

from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import CorpusError, IndexLockedError, IndexMismatchError
from qa.index import layout
from qa.index.build import build_index
from qa.index.view import IndexView
from tests.fakes.embedder import HashingEmbedder


def test_second_run_embeds_nothing_and_says_so(settings: Settings, embedder: HashingEmbedder, stores) -> None:  # type: ignore[no-untyped-def]
    first = build_index(settings, embedder, stores=stores)
    assert first.embedded == first.passages > 0 and sorted(first.added) == sorted(
        p.name for p in settings.corpus_dir.iterdir()
    )
    before = embedder.embedded
    second = build_index(settings, embedder, stores=stores)
    assert second.unchanged and embedder.embedded == before
    assert "nothing re-embedded" in second.summary()
    assert second.generation == first.generation


def test_changed_added_and_deleted_files_update_only_their_passages(
    settings: Settings, embedder: HashingEmbedder, stores
) -> None:  # type: ignore[no-untyped-def]
    build_index(settings, embedder, stores=stores)
    corpus = settings.corpus_dir
    (corpus / "new.md").write_text("# Extra\n\nMeituan launched a rival delivery service.\n", encoding="utf-8")
    before = embedder.embedded
    report = build_index(settings, embedder, stores=stores)
    assert report.added == ["new.md"] and report.embedded == 1  # the sentence; its heading is no passage
    assert embedder.embedded - before == 1

    (corpus / "new.md").write_text("# Extra\n\nMeituan launched a rival grocery service.\n", encoding="utf-8")
    report = build_index(settings, embedder, stores=stores)
    assert report.changed == ["new.md"] and report.embedded == 1 and report.removed_passages == 1

    (corpus / "new.md").unlink()
    report = build_index(settings, embedder, stores=stores)
    assert report.removed == ["new.md"] and report.embedded == 0 and report.removed_passages == 1
    view = IndexView.open(settings, embedder.model_id, stores)
    assert view.store.count() == len(view.passages)
    assert not any("Meituan" in p.text for p in view.passages.values())


def test_deleting_the_canonical_copy_keeps_the_passage_from_the_other_file(
    settings: Settings, embedder, stores
) -> None:  # type: ignore[no-untyped-def]
    build_index(settings, embedder, stores=stores)
    view = IndexView.open(settings, embedder.model_id, stores)
    shared = [p for p in view.passages.values() if len(p.sources) == 2]
    assert shared
    first = shared[0].span.source
    (settings.corpus_dir / first).unlink()
    report = build_index(settings, embedder, stores=stores)
    view = IndexView.open(settings, embedder.model_id, stores)
    assert shared[0].id in view.passages and view.passages[shared[0].id].sources != (first,)
    text = (settings.corpus_dir / view.passages[shared[0].id].span.source).read_text(encoding="utf-8")
    p = view.passages[shared[0].id]
    assert text[p.span.start : p.span.end] == p.text
    assert report.embedded == 0  # the text was already embedded


def test_rebuild_starts_from_scratch_and_old_generations_are_collected(settings: Settings, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    first = build_index(settings, embedder, stores=stores)
    second = build_index(settings, embedder, rebuild=True, stores=stores)
    third = build_index(settings, embedder, rebuild=True, stores=stores)
    assert second.embedded == second.passages and third.generation != first.generation
    gens = sorted(p.name for p in settings.index_dir.glob("gen-*"))
    assert len(gens) == layout.KEEP_GENERATIONS and third.generation in gens and first.generation not in gens


def test_empty_corpus_is_explained(tmp_path: Path, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    s = Settings(corpus_dir=tmp_path / "empty", index_dir=tmp_path / "idx")
    with pytest.raises(CorpusError, match="no readable"):
        build_index(s, embedder, stores=stores)
    assert layout.current(s.index_dir) is None


def test_other_embedding_model_is_refused(settings: Settings, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    build_index(settings, embedder, stores=stores)
    other = HashingEmbedder(model_id="another-model")
    with pytest.raises(IndexMismatchError, match="rebuild"):
        IndexView.open(settings, other.model_id, stores)
    with pytest.raises(IndexMismatchError):
        build_index(settings, other, stores=stores)
    assert build_index(settings, other, rebuild=True, stores=stores).embedded > 0


def test_second_writer_is_refused_naming_the_first(settings: Settings, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    with layout.writer_lock(settings.index_dir), pytest.raises(IndexLockedError, match="pid"):
        build_index(settings, embedder, stores=stores)
    assert build_index(settings, embedder, stores=stores).embedded > 0  # released afterwards


@pytest.mark.parametrize("old", [1, 2])  # 1: passages without heading paths; 2: LlamaIndex's BM25 files
def test_an_index_of_an_old_manifest_format_is_refused_with_the_rebuild_hint(
    settings: Settings, embedder: HashingEmbedder, stores, old: int
) -> None:  # type: ignore[no-untyped-def]
    import json

    from qa.errors import IndexCorruptError

    build_index(settings, embedder, stores=stores)
    gen = layout.require_current(settings.index_dir)
    manifest = json.loads(gen.manifest_path.read_text(encoding="utf-8"))
    assert manifest["format"] == layout.MANIFEST_FORMAT > old
    manifest["format"] = old
    gen.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    for attempt in (lambda: IndexView.open(settings, embedder.model_id, stores), lambda: build_index(settings, embedder, stores=stores)):  # fmt: skip
        with pytest.raises(IndexCorruptError, match="older version") as err:
            attempt()
        assert err.value.hint == "run: qa index --rebuild"
    assert build_index(settings, embedder, rebuild=True, stores=stores).passages > 0


def test_site_boilerplate_found_when_a_third_page_arrives_is_dropped_from_the_first_two(
    settings: Settings, embedder: HashingEmbedder, stores
) -> None:  # type: ignore[no-untyped-def]
    site = settings.corpus_dir / "site"
    site.mkdir()
    footer = "<p>Member of the federation of kite clubs since long ago.</p>"
    for i in range(2):
        (site / f"p{i}.html").write_text(f"<body><p>Kite {i} flies over the hill.</p>{footer}</body>", encoding="utf-8")
    build_index(settings, embedder, stores=stores)
    view = IndexView.open(settings, embedder.model_id, stores)
    assert any("federation" in p.text for p in view.passages.values())  # two pages are no evidence
    (site / "p2.html").write_text(f"<body><p>Kite 2 flies over the sea.</p>{footer}</body>", encoding="utf-8")
    report = build_index(settings, embedder, stores=stores)
    assert sorted(report.changed) == ["site/p0.html", "site/p1.html"] and report.added == ["site/p2.html"]
    view = IndexView.open(settings, embedder.model_id, stores)
    assert not any("federation" in p.text for p in view.passages.values())
    assert view.store.count() == len(view.passages)


def test_index_json_counts_indexed_unchanged_and_skipped_files(
    settings: Settings, embedder: HashingEmbedder, stores
) -> None:  # type: ignore[no-untyped-def]
    (settings.corpus_dir / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    first = build_index(settings, embedder, stores=stores).to_dict()
    assert first["counts"]["skipped"] == 1 and first["counts"]["indexed"] == first["counts"]["files"] > 0
    assert first["skipped_files"] == [{"source": "sheet.xlsx", "reason": first["skipped_files"][0]["reason"]}]
    assert "unsupported" in first["skipped_files"][0]["reason"]
    second = build_index(settings, embedder, stores=stores).to_dict()
    assert second["counts"]["unchanged"] == second["counts"]["files"] and second["counts"]["indexed"] == 0
