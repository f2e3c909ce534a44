"""The embedding engines: numpy gives sentence-transformers' vectors for the shipped model, other models fall
back to sentence-transformers, and vectors the app computed are kept beside the index for the next process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.chatbot import Chatbot
from ingest.core.errors import ConfigurationError
from ingest.embeddings import CachedEmbeddings, LocalEmbeddings, default_model_path
from ingest.encoder import NumpyBertEncoder
from ingest.pipeline import ingest_source
from ingest.store import ArticleIndex, make_client
from tests.conftest import ARTICLE

TEXTS = [
    "Which city hosts Alibaba's DAMO Academy?",
    "hi",
    "",
    "深圳 is mentioned next to Beijing; 北京 too.",
    "word " * 400,  # longer than the model's 256 tokens: cut the same way
    "Numbers like 1.5 billion, 30% and ¥10M survive tokenisation.",
] + [f"Sentence {i} about artificial intelligence hubs and their policies." for i in range(40)]


@pytest.fixture(scope="module")
def sentence_transformers_engine() -> LocalEmbeddings:
    model = LocalEmbeddings(engine="sentence-transformers")
    model.warm_up()
    return model


def test_numpy_engine_matches_sentence_transformers(embeddings: LocalEmbeddings,
                                                    sentence_transformers_engine: LocalEmbeddings) -> None:
    assert embeddings.engine == "numpy"  # the default ("auto") for the shipped model
    assert sentence_transformers_engine.engine == "sentence-transformers"
    ours = embeddings.encode(TEXTS)
    theirs = sentence_transformers_engine.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # one at a time (no padding) gives the same vectors as in a padded batch
    assert np.abs(embeddings.encode([TEXTS[0]])[0] - ours[0]).max() < 1e-5
    assert embeddings.embed_query(TEXTS[0]) == pytest.approx(ours[0].tolist(), abs=1e-6)


def _model_copy(tmp_path: Path, pooling: dict[str, bool]) -> Path:
    """The shipped model's folder with another pooling configuration (weights linked, not copied)."""
    source = default_model_path()
    target = tmp_path / "model"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "*.onnx"))
    (target / "model.safetensors").symlink_to(source / "model.safetensors")
    config = json.loads((target / "1_Pooling" / "config.json").read_text())
    config.update(pooling)
    (target / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return target


def test_models_numpy_cannot_reproduce_go_to_sentence_transformers(tmp_path: Path) -> None:
    model = _model_copy(tmp_path, {"pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": True})
    assert not NumpyBertEncoder.supports(model)
    with pytest.raises(ConfigurationError, match="numpy embedding engine cannot run"):
        LocalEmbeddings(model, engine="numpy").warm_up()
    auto = LocalEmbeddings(model)
    assert auto.engine == "sentence-transformers"
    assert auto.encode(["max pooling"]).shape == (1, 384)


def test_cls_pooling_is_reproduced(tmp_path: Path, sentence_transformers_engine: LocalEmbeddings) -> None:
    model = _model_copy(tmp_path, {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    ours = LocalEmbeddings(model, engine="numpy").encode(TEXTS[:6])
    theirs = LocalEmbeddings(model, engine="sentence-transformers").encode(TEXTS[:6])
    assert np.abs(ours - theirs).max() < 1e-5


def test_unknown_engine_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="Unknown embedding engine"):
        LocalEmbeddings(engine="onnx")  # type: ignore[arg-type]


class _Counting(LocalEmbeddings):
    """The real model, counting the texts it embeds as documents. Its own model id keeps the knowledge base's
    in-process vector cache (shared by bots over the same article and model) out of the way."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    @property
    def model_id(self) -> str:
        return "all-MiniLM-L6-v2-counting"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return super().embed_documents(texts)


def test_cached_embeddings_compute_each_text_once(make_settings) -> None:
    settings = make_settings()
    counting = _Counting()
    index = ArticleIndex(make_client(settings), settings.collection, counting)
    ingest_source(index, counting, ARTICLE)
    counting.embedded.clear()
    texts = ["first sentence", "second sentence", "first sentence"]
    first = CachedEmbeddings(counting, index).embed_documents(texts)
    assert counting.embedded == ["first sentence", "second sentence"]  # each distinct text once
    # a new process: a new client and a new wrapper read them back; the model runs for new texts only
    reopened = ArticleIndex(make_client(settings), settings.collection, counting)
    counting.embedded.clear()
    again = CachedEmbeddings(counting, reopened).embed_documents(["second sentence", "third", "first sentence"])
    assert counting.embedded == ["third"]
    assert np.allclose(again[0], first[1], atol=1e-6) and np.allclose(again[2], first[0], atol=1e-6)
    # a rebuild keeps them (keyed by model and exact text, they are right for any index) and takes every chunk's
    # vector from the index it replaces: the article is unchanged, so the model runs for nothing
    counting.embedded.clear()
    ingest_source(reopened, counting, ARTICLE, rebuild=True)
    assert counting.embedded == []
    assert reopened.load_vectors(counting.model_id, ["first sentence"]).keys() == {"first sentence"}


def test_warm_up_keeps_sentence_vectors_for_the_next_process(make_settings) -> None:
    settings = make_settings()
    counting = _Counting()
    bot = Chatbot(settings, embeddings=counting)
    bot.warm_up()
    kb = bot.engine.kb
    embedded = [s.text for s in kb.sentences] + [kb.context_of(s) for s in kb.sentences]
    assert len(counting.embedded) > 30  # the chunks at ingest, then the knowledge base's sentences
    index = ArticleIndex(make_client(settings), settings.collection, counting)
    kept = index.load_vectors(counting.model_id, embedded)
    assert len(kept) == len(set(embedded))  # every sentence vector is kept for the next process
    text = next(iter(kept))
    assert np.allclose(kept[text], counting.embed_query(text), atol=1e-5)
