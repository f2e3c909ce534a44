"""The library of articles: each ingested article its own collection, listed, answered by id, removed alone; the CLI's
`articles` and `--article`; a running HTTP server that sees an article ingested (or refreshed) by another process,
through the `openai` SDK. Real models, real Chroma, a real server on a loopback port."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.cli import main
from app.library import ArticleLibrary
from app.server import build_app
from ingest.articles import ProtectedArticleError, UnknownArticleError, collection_for, slug
from ingest.core.errors import AICitiesError, SourceError
from ingest.core.settings import Settings
from ingest.embeddings import LocalEmbeddings
from tests.app.test_server import ServerThread
from tests.conftest import RIVERS, free_port

PEAKS = """# The 4 Highest Peaks of Vestland

Vestland's mountains draw climbers from every valley. This list ranks the four highest peaks of Vestland by their \
height above sea level, as the Vestland Mapping Board measured them.

## 1. Greyhorn

The Greyhorn rises 3,210 m above the Frostfjord. A stone hut below its summit shelters climbers in storms.

## 2. Redcap

The Redcap rises 2,980 m over the copper mines of Halden. Its red granite gives the peak its name.

## 3. Snowcrown

The Snowcrown rises 2,640 m at the head of the Ice Valley. Its glacier feeds the Halden river.

## 4. Windspire

The Windspire rises 2,400 m on the coast. Sailors use its summit beacon to find the harbour at night.
"""


def library_settings(root: Path) -> Settings:
    """Settings of a library under `root` whose shipped article is the rivers ranking (kept small for speed)."""
    shipped = root / "norland-rivers.md"
    if not shipped.exists():
        shipped.write_text(RIVERS, encoding="utf-8")
    return Settings(source_path=shipped, chroma_path=root / "chroma", sources_dir=root / "sources",
                    feedback_path=root / "feedback.jsonl", multilingual=False)


@pytest.fixture
def library(tmp_path: Path, embeddings: LocalEmbeddings) -> ArticleLibrary:
    return ArticleLibrary(library_settings(tmp_path), embeddings=embeddings)


def write_peaks(folder: Path, text: str = PEAKS) -> Path:
    path = folder / "Vestland Peaks.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_add_list_ask_and_remove_one_article(library: ArticleLibrary, tmp_path: Path) -> None:
    shipped = library.bot()
    shipped.warm_up(everything=False)
    shipped_chunks = shipped.engine.kb.manifest.chunk_count
    (tmp_path / "uploads").mkdir()
    upload = write_peaks(tmp_path / "uploads")
    article, report = library.add(upload, keep_copy=True)
    assert article.id == "vestland-peaks" == slug("Vestland Peaks") and report.status == "created"
    assert (article.title, article.noun, article.entries) == ("The 4 Highest Peaks of Vestland", "peaks", 4)
    # kept in the sources folder: the upload may go away
    assert Path(article.source) == (tmp_path / "sources" / "Vestland Peaks.md").resolve()
    upload.unlink()

    listed = library.articles()
    assert [a.id for a in listed] == ["norland-rivers", "vestland-peaks"] and listed[0].shipped
    assert listed[0].entries == 5 and listed[0].noun == "rivers" and listed[0].ingested_at

    peaks = library.ask("Which peak is ranked second?", article="vestland-peaks")
    assert "Redcap" in peaks.text and peaks.article == article.title and peaks.citations[0].entry == "Redcap"
    assert peaks.citations[0].city == "Redcap"  # the deprecated alias still reads
    rivers = library.ask("Which river is ranked second?")
    assert "Brightwater" in rivers.text and rivers.article == "The 5 Longest Rivers of Norland in 2024"

    again, report = library.add(tmp_path / "sources" / "Vestland Peaks.md")
    assert again.id == article.id and report.status == "unchanged"

    removed = library.remove("vestland-peaks")
    assert removed.collection == collection_for(library.settings, "vestland-peaks")
    assert [a.id for a in library.articles()] == ["norland-rivers"]
    names = {c.name for c in library.client.list_collections()}
    assert not any(n.startswith(removed.collection) for n in names)
    assert shipped.engine.kb.manifest.chunk_count == shipped_chunks  # nothing else was touched
    assert "Brightwater" in library.ask("Which river is ranked second?").text
    with pytest.raises(UnknownArticleError):
        library.ask("Which peak is ranked second?", article="vestland-peaks")


def test_unknown_and_protected_articles_are_clear_errors(library: ArticleLibrary, tmp_path: Path) -> None:
    with pytest.raises(UnknownArticleError, match=r"No article 'nope'.*ai-cities articles") as info:
        library.bot("nope")
    assert isinstance(info.value, AICitiesError)
    with pytest.raises(ProtectedArticleError, match="shipped article"):
        library.remove(library.shipped_id)
    with pytest.raises(UnknownArticleError):
        library.remove("nope")
    with pytest.raises(SourceError):
        library.add(tmp_path / "missing.md", keep_copy=True)
    assert [a.id for a in library.articles()] == ["norland-rivers"]


def test_cli_articles_and_article_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    settings = library_settings(tmp_path)
    for name, value in {"SOURCE_PATH": settings.source_path, "CHROMA_PATH": settings.chroma_path,
                        "SOURCES_DIR": settings.sources_dir, "MULTILINGUAL": "false",
                        "FEEDBACK_PATH": settings.feedback_path}.items():
        monkeypatch.setenv(f"AICITIES_{name}", str(value))
    peaks = write_peaks(tmp_path)
    assert main(["ingest", str(peaks), "--article", "peaks"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
        "article 'peaks': “The 4 Highest Peaks of Vestland”, 4 peaks (ask it with --article peaks;")
    assert main(["articles"]) == 0
    header, shipped, own = capsys.readouterr().out.strip().splitlines()
    assert header.split()[:2] == ["ID", "TITLE"] and shipped.startswith("norland-rivers (shipped)")
    assert "not yet" in shipped and own.startswith("peaks ") and "4 peaks" in own
    assert main(["ask", "--article", "peaks", "Which peak is ranked third?", "--json"]) == 0
    assert "Snowcrown" in json.loads(capsys.readouterr().out)["text"]
    monkeypatch.setenv("AICITIES_ARTICLE", "peaks")
    assert main(["ask", "Which peak is ranked fourth?"]) == 0
    assert "Windspire" in capsys.readouterr().out
    monkeypatch.delenv("AICITIES_ARTICLE")
    assert main(["ask", "Which river is ranked third?"]) == 0  # no --article: the shipped one
    assert "Coldstream" in capsys.readouterr().out
    assert main(["articles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed] == ["norland-rivers", "peaks"] and listed[0]["entries"] == 5

    for argv, message in [(["ask", "--article", "nope", "Which peak is first?"], "No article 'nope'"),
                          (["articles", "rm", "norland-rivers"], "is the shipped article"),
                          (["articles", "rm"], "usage: ai-cities articles rm ID"),
                          (["articles", "rm", "nope"], "No article 'nope'")]:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
    assert main(["articles", "rm", "peaks"]) == 0
    assert "removed article 'peaks'" in capsys.readouterr().out
    assert main(["articles"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


@pytest.mark.server
def test_running_server_sees_new_and_refreshed_articles(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    """A server keeps running while another process (here: a second library on the same database) ingests an
    article, then changes it: /v1/models lists it at once, its model id answers from it, then from its new text."""
    from openai import NotFoundError, OpenAI

    serving = ArticleLibrary(library_settings(tmp_path), embeddings=embeddings)
    serving.bot().warm_up(everything=False)
    with ServerThread(build_app(serving, ui=False), free_port()) as running:
        client = OpenAI(base_url=f"{running.url}/v1", api_key="unused", max_retries=0)
        ids = [m.id for m in client.models.list()]
        assert "ai-cities/norland-rivers" in ids and "ai-cities/vestland-peaks" not in ids
        question = [{"role": "user", "content": "Which peak is ranked first?"}]
        with pytest.raises(NotFoundError):
            client.chat.completions.create(model="ai-cities/vestland-peaks", messages=question)

        other = ArticleLibrary(library_settings(tmp_path), embeddings=embeddings)  # "another process"
        path = write_peaks(tmp_path)
        other.add(path)
        models = {m.id: m for m in client.models.list()}
        assert models["ai-cities/vestland-peaks"].model_extra["title"] == "The 4 Highest Peaks of Vestland"
        reply = client.chat.completions.create(model="ai-cities/vestland-peaks", messages=question)
        assert "Greyhorn" in reply.choices[0].message.content and reply.model == "ai-cities/vestland-peaks"
        assert reply.model_extra["citations"][0]["entry"] == "Greyhorn"
        streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model="ai-cities/vestland-peaks", messages=question, stream=True) if c.choices)
        assert "Greyhorn" in streamed
        default = client.chat.completions.create(model="ai-cities", messages=[
            {"role": "user", "content": "Which river is ranked first?"}])
        assert "Amberflow" in default.choices[0].message.content

        other.add(write_peaks(tmp_path, PEAKS.replace("Greyhorn", "Stormhorn")))  # refreshed meanwhile
        reply = client.chat.completions.create(model="ai-cities/vestland-peaks", messages=question)
        assert "Stormhorn" in reply.choices[0].message.content

        asked = httpx.post(f"{running.url}/api/ask", json={"question": "Which peak is ranked second?",
                                                          "article": "vestland-peaks"}, timeout=60)
        assert asked.status_code == 200 and "Redcap" in asked.json()["text"]
        missing = httpx.post(f"{running.url}/api/ask", json={"question": "Hi?", "article": "nope"}, timeout=60)
        assert missing.status_code == 404 and "No article 'nope'" in missing.json()["detail"]

        other.remove("vestland-peaks")  # removed meanwhile: its model is gone, not broken
        with pytest.raises(NotFoundError):
            client.chat.completions.create(model="ai-cities/vestland-peaks", messages=question)
        assert "ai-cities/vestland-peaks" not in [m.id for m in client.models.list()]


def test_the_shipped_article_is_never_replaced_by_another_file(library: ArticleLibrary, tmp_path: Path) -> None:
    """Indexing a foreign file through the shipped article's bot is refused with a pointer to the library."""
    from ingest.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"is not the shipped article.*ai-cities ingest FILE"):
        library.bot().ingest(write_peaks(tmp_path))
    assert library.articles()[0].ingested_at == ""  # nothing was built


@pytest.mark.server
@pytest.mark.slow
def test_a_served_process_follows_ingests_and_removals_of_other_processes(tmp_path: Path) -> None:
    """`ai-cities serve` in one process; `ai-cities ingest` and `ai-cities articles rm` in others, on the same
    embedded database: the running server lists, answers from, then forgets the article, without a restart."""
    import os
    import subprocess
    import sys

    from eval.load import start_server

    env = {"AICITIES_CHROMA_PATH": str(tmp_path / "chroma"), "AICITIES_SOURCES_DIR": str(tmp_path / "sources"),
           "AICITIES_FEEDBACK_PATH": str(tmp_path / "feedback.jsonl"), "AICITIES_MULTILINGUAL": "false",
           "HF_HUB_OFFLINE": "1"}
    port = free_port()
    server = start_server(port, env=env)
    try:
        base = f"http://127.0.0.1:{port}"

        def cli(*args: str) -> str:
            done = subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=600,
                                  env={**os.environ, **env})
            assert done.returncode == 0, done.stderr
            return done.stdout

        def models() -> list[str]:
            return [m["id"] for m in httpx.get(f"{base}/v1/models", timeout=60).json()["data"]]

        def ask() -> httpx.Response:
            return httpx.post(f"{base}/v1/chat/completions", timeout=120, json={
                "model": "ai-cities/vestland-peaks",
                "messages": [{"role": "user", "content": "Which peak is ranked third?"}]})

        assert "ai-cities/vestland-peaks" not in models()
        cli("ingest", str(write_peaks(tmp_path)))
        assert "ai-cities/vestland-peaks" in models()
        assert "Snowcrown" in ask().json()["choices"][0]["message"]["content"]
        cli("articles", "rm", "vestland-peaks")
        assert "ai-cities/vestland-peaks" not in models()
        assert ask().json()["error"]["code"] == "model_not_found"
    finally:
        server.terminate()
        server.wait(timeout=30)
