"""Indexing into a real Chroma: idempotent re-ingest, rebuild on change, failed builds keep the old index,
and client-server mode against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.chatbot import Chatbot
from ingest.core.errors import SourceError, StoreUnavailableError
from ingest.loader import file_stat, load_source
from ingest.pipeline import ingest_source
from ingest.store import ArticleIndex, make_client
from tests.conftest import ARTICLE, free_port


def _index(settings, embeddings) -> ArticleIndex:
    return ArticleIndex(make_client(settings), settings.collection, embeddings)


def test_reingest_is_idempotent_and_rebuild_is_explicit(make_settings, embeddings) -> None:
    settings = make_settings()
    index = _index(settings, embeddings)
    first = ingest_source(index, embeddings, ARTICLE)
    ids = sorted(index.read().ids)
    second = ingest_source(index, embeddings, ARTICLE)
    assert (first.status, second.status) == ("created", "unchanged")
    assert first.chunks == second.chunks == index.count() == 30
    assert sorted(index.read().ids) == ids  # deterministic ids: nothing added
    third = ingest_source(index, embeddings, ARTICLE, rebuild=True)
    assert third.status == "rebuilt" and sorted(index.read().ids) == ids
    names = sorted(c.name for c in index._client.list_collections())
    # no half-built or retired collections left behind; beside the index, its kept vectors
    assert names == [settings.collection, f"{settings.collection}-vectors"]


def test_changed_source_rebuilds_automatically(make_settings, embeddings, tmp_path: Path) -> None:
    source = tmp_path / "article.txt"
    shutil.copy(ARTICLE, source)
    settings = make_settings(source_path=source)
    bot = Chatbot(settings, embeddings=embeddings)
    assert "Jinan" in bot.ask("Which city is ranked 8th?").text
    text = source.read_text(encoding="utf-8").replace("8. Jinan", "8. Qingdao").replace("Jinan’s", "Qingdao’s")
    source.write_text(text, encoding="utf-8")
    fresh = Chatbot(settings, embeddings=embeddings)
    answer = fresh.ask("Which city is ranked 8th?")
    assert "Qingdao" in answer.text and answer.citations[0].section == "8. Qingdao"
    manifest = _index(settings, embeddings).manifest()
    assert manifest is not None and manifest.source_hash == fresh._state.kb.manifest.source_hash


def test_failed_build_keeps_the_previous_index(make_settings, embeddings, monkeypatch, tmp_path: Path) -> None:
    settings = make_settings()
    index = _index(settings, embeddings)
    ingest_source(index, embeddings, ARTICLE)
    before = index.manifest()
    edited = tmp_path / ARTICLE.name  # a changed sentence: its chunk has no vector yet, so the model must run
    edited.write_text(ARTICLE.read_text(encoding="utf-8").replace("Home to Baidu", "Home of Baidu"), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(embeddings), "embed_documents", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_source(index, embeddings, edited, rebuild=True)
    monkeypatch.undo()
    assert index.manifest() == before and index.count() == 30
    assert sorted(c.name for c in index._client.list_collections()) == [settings.collection,
                                                                       f"{settings.collection}-vectors"]


def test_bad_source_leaves_index_untouched(make_settings, embeddings, tmp_path: Path) -> None:
    settings = make_settings()
    index = _index(settings, embeddings)
    ingest_source(index, embeddings, ARTICLE)
    with pytest.raises(SourceError):
        ingest_source(index, embeddings, tmp_path / "nope.txt")
    assert index.count() == 30


def start_chroma(path: Path, port: int | None = None) -> tuple[int, subprocess.Popen]:
    """Start a real `chroma run` on 127.0.0.1 and wait until it answers."""
    import chromadb

    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = port or free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            return port, proc
        except Exception:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma run did not start")


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real Chroma server (`chroma run`) on a free 127.0.0.1 port, stopped at teardown."""
    port, proc = start_chroma(tmp_path / "server-db")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.server
@pytest.mark.slow
def test_client_server_mode_against_real_chroma_run(chroma_server: int, make_settings, embeddings) -> None:
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    bot = Chatbot(settings, embeddings=embeddings)
    report = bot.ingest()
    assert report.status == "created" and report.chunks == 30
    answer = bot.ask("Which city is ranked 8th?")
    assert "Jinan" in answer.text and answer.citations[0].section == "8. Jinan"
    # A second app process (new client) answers from the server's index without the source file.
    other = Chatbot(make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server,
                                  source_path=Path("/nonexistent/article.txt")), embeddings=embeddings)
    assert "Hangzhou" in other.ask("Which city hosts Alibaba's DAMO Academy?").text


def test_unreachable_server_is_a_clear_error(make_settings, embeddings) -> None:
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreUnavailableError, match="Vector store unavailable"):
        Chatbot(settings, embeddings=embeddings).ask("Which city is ranked 8th?")


def _aged(path: Path, seconds: float = 3600) -> None:
    """Set the file's mtime in the past, as for an article that was not just written."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_source_stat_is_recorded_only_when_it_can_stand_for_the_content(tmp_path: Path) -> None:
    source = tmp_path / "article.txt"
    shutil.copy(ARTICLE, source)
    assert load_source(source).stat == ""  # just written: it may still change within the same mtime tick
    _aged(source)
    assert load_source(source).stat == file_stat(source) != ""


def test_unchanged_source_is_not_read_again_and_a_changed_one_is(make_settings, embeddings, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.loader

    source = tmp_path / "article.txt"
    shutil.copy(ARTICLE, source)
    _aged(source)
    settings = make_settings(source_path=source)
    Chatbot(settings, embeddings=embeddings).warm_up()
    index = _index(settings, embeddings)
    built = index.manifest()
    assert built is not None and built.source_stat == file_stat(source)

    reads: list[Path] = []
    real_load = ingest.loader.load_source

    def counting_load(path, *args, **kwargs):
        reads.append(Path(path))
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(ingest.loader, "load_source", counting_load)
    assert "Jinan" in Chatbot(settings, embeddings=embeddings).ask("Which city is ranked 8th?").text
    assert reads == []  # same path, file, size and mtime: neither read nor hashed

    _aged(source, seconds=60)  # touched, content unchanged: read and hashed, not rebuilt
    assert "Jinan" in Chatbot(settings, embeddings=embeddings).ask("Which city is ranked 8th?").text
    assert reads == [source] and index.manifest() == built

    # Same size, new content (and so a new mtime): rebuilt.
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("8. Jinan", "8. Jinam").replace("Jinan’s", "Jinam’s"), encoding="utf-8")
    assert source.stat().st_size == built_size(built)
    answer = Chatbot(settings, embeddings=embeddings).ask("Which city is ranked 8th?")
    assert "Jinam" in answer.text
    assert index.manifest().source_hash != built.source_hash


def built_size(manifest) -> int:
    """The size recorded in a manifest's source stat."""
    return int(manifest.source_stat.split("|")[-2])


def test_the_code_fingerprint_follows_code_and_data_files(tmp_path: Path) -> None:
    from ingest.chunker import code_fingerprint

    (tmp_path / "core").mkdir()
    (tmp_path / "reader.py").write_text("READ = 1\n", encoding="utf-8")
    (tmp_path / "core" / "words.yaml").write_text("words: [a]\n", encoding="utf-8")
    first = code_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("not code", encoding="utf-8")
    assert code_fingerprint(tmp_path) == first
    (tmp_path / "core" / "words.yaml").write_text("words: [a, b]\n", encoding="utf-8")
    assert code_fingerprint(tmp_path) != first


def test_an_index_built_by_other_reading_code_is_rebuilt(make_settings, embeddings, monkeypatch,
                                                          tmp_path: Path) -> None:
    import ingest.chunker
    import ingest.pipeline

    source = tmp_path / "lakes.md"
    source.write_text("# The 3 Deepest Lakes of Fenby\n\n1. Osk Water\n\nIt is 90 m deep.\n\n2. Fennmere\n\nIt is 70 m "
                      "deep.\n\n3. Quillmere\n\nIt is 40 m deep.\n", encoding="utf-8")
    settings = make_settings(source_path=source)
    Chatbot(settings, embeddings=embeddings).ask("Which lake is deepest?")
    built = _index(settings, embeddings).manifest()
    assert built is not None and built.chunker_version == ingest.chunker.reader_version()
    for module in (ingest.chunker, ingest.pipeline):  # the same source, read by a newer reader
        monkeypatch.setattr(module, "reader_version", lambda: "newer-reader")
    Chatbot(settings, embeddings=embeddings).ask("Which lake is deepest?")
    rebuilt = _index(settings, embeddings).manifest()
    assert rebuilt is not None and rebuilt.chunker_version == "newer-reader"
