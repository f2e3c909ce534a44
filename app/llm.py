"""The optional LLM answerer: fluent answers from a LangChain chat model, verified sentence by sentence
against the evidence before anything is shown.

Backends (`Settings.llm`): `openai:<model>` talks to any OpenAI-compatible server (langchain-openai, with
`llm_base_url` and an API key), `ollama:<model>` to an Ollama server (langchain-ollama, `ollama_host`). Both
packages are the optional extra `pip install -e .[llm]`. Tests pass their own chat model (for instance a
LangChain fake) through `Chatbot(chat_model=...)`; `Settings.llm` then only names it (e.g. "openai:fake").

How `VerifiedLLMAnswerer` answers:

1. The extractive answerer goes first. Ranking questions, false premises and abstentions are its answers,
   returned as they are: the ranking never comes from the LLM, and weak evidence still abstains.
2. Otherwise the model gets the question and only the retrieved evidence, as numbered passages (each with
   its section title and topic), and must cite `[n]` after every sentence.
3. Each sentence of the output is verified: its markers must name passages that exist; the numbers it
   states ("$2.8M" = "2.8 million", percents apart), its names (capitalised words), its rank claims and
   most of its content words must be found in the passages it cites. Failing sentences are dropped and
   counted. The citations of a kept sentence are the article sentences of the cited passages that carry
   its facts (verbatim quote and offsets from the source), never text from the model, renumbered in order
   of first use.
4. All kept: mode "llm". Some dropped: "llm-partial" with a notice. Nothing verified left, a refusal, a
   verified answer that cites none of the passages holding the extractive answer's evidence (it answers
   something else), or a backend error (unreachable, timeout, HTTP 500, unknown model): the extractive
   answer with mode "extractive-fallback" and a notice. Errors are logged without secrets.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import SecretStr

from app.answer.draft import Draft
from app.knowledge import ChunkRecord, KnowledgeBase, RankEntry, Sentence
from app.prompts import PromptSet, load_prompts
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.errors import ConfigurationError
from ingest.core.models import Citation
from ingest.core.settings import Settings
from ingest.core.text import ABBREVIATIONS, GENERIC_TERMS, SCALE, STOPWORDS, fold, ordinal, stem, terms, words

logger = logging.getLogger(__name__)

BACKENDS = {
    "openai": "any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, LM Studio), via langchain-openai",
    "ollama": "an Ollama server, via langchain-ollama",
}
MAX_OUTPUT_TOKENS = 400
"""Longest answer the model may write (answers are one to three sentences)."""
MAX_PASSAGES = 8
"""Most evidence passages shown to the model."""
MAX_UNSUPPORTED_SHARE = 0.25
"""Largest share of a sentence's content words (rounded down: none of 1-3, one of 4-7, ...) that may be
missing from the passages it cites, a word of another evidence passage counting twice; names and numbers
may never be missing."""
UNREACHABLE_COOLDOWN = 30.0
"""Seconds during which an unreachable backend is not asked again (answers are extractive meanwhile)."""

# -- text patterns ----------------------------------------------------------------------------------------
_MARKER = re.compile(r"\[\s*(?:(?:passage|source|evidence|ref)\s*)?"
                     r"(\d{1,3}(?:\s*(?:,|;|-|–)\s*\d{1,3})*)\s*\]", re.I)
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[^\]\n]{1,30}\])+)")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“'(]?[A-Z0-9$])|(?<=\])\s+(?=[\"“'(]?[A-Z])")
_BULLET = re.compile(r"^\s*(?:[-*•·]+|\d{1,2}[.)](?=\s))\s*")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*(?:(?:passage|source|evidence|ref)\s*)?"
                              r"\d{1,3}(?:\s*(?:,|;|-|–)\s*\d{1,3})*\s*\])+\s*", re.I)
_ECHO = re.compile(r"^(?:question|evidence(?: passages?)?|passages?|context|sources?)\s*:", re.I)
_LEAD_IN = re.compile(r"^\s*(?:answer|response|final answer|standalone question)\s*:\s*", re.I)
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?"
                     r"(%|percent\b|per cent\b|k\b|mn\b|m\b|bn\b|b\b|t\b|thousand\b|million\b|billion\b|"
                     r"trillion\b)?(?!\w)")
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                 "hundred": 100}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?=\s+(?:thousand|million|billion|trillion|"
                          r"percent|per cent|days?|weeks?|months?|years?)\b)", re.I)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10}
_RANK_CONTEXT = re.compile(r"\b(rank\w*|placed?|position\w*|spot|standing|no\.\s?\d|number\s+(?:\d|one|two|"
                           r"three|four|five|six|seven|eight|nine|ten)|#\d)|\blast\b(?!\s+(?:year|month|week|"
                           r"decade))", re.I)
_RANK_VALUE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b|\b(" + "|".join(_ORDINAL_WORDS) + r")\b|"
                         r"(?:\bno\.\s?|\bnumber\s+|#)(\d{1,2})\b", re.I)
_TOP_RANK = re.compile(r"\b(?:top[- ]ranked|highest[- ]ranked|number one|no\.\s?1\b|#1\b|top\s+(?:ai\s+)?"
                       r"(?:city|hub|spot|place|position)|first\s+(?:ai\s+)?(?:city|hub|place|spot|position)|"
                       r"leads? the (?:ranking|list))", re.I)
_LAST_RANK = re.compile(r"\b(?:lowest[- ]ranked|bottom|last\b(?!\s+(?:year|month|week|decade)))", re.I)
_REFUSAL = re.compile(
    r"\b(?:i (?:can ?not|can't|cannot|am unable|'m unable|am not able|do not|don't) (?:answer|find|"
    r"determine|say|know|provide|help)|(?:does|do|did) not (?:say|mention|provide|contain|specify|state|"
    r"answer|include)|"
    r"doesn't (?:say|mention|provide|contain|specify|state|answer|include)|no (?:information|mention|details|"
    r"data)\b|not (?:enough|sufficient) (?:information|evidence|context)|cannot be (?:answered|determined)|"
    r"(?:is|are) not (?:mentioned|provided|stated|specified))", re.I)
_STARTERS = frozenset("""yes no however additionally also furthermore moreover overall meanwhile similarly
    together both its these those this that there here in on at by for from with according based as while
    although though because since unlike like besides instead thus therefore finally first second third
    lastly today other another each every some many most all one two three several various such
    notably""".split())
_FILLER = frozenset(stem(w) for w in """notable notably significant significantly major important various
    several including include includes included example instance particularly especially role additionally
    furthermore moreover however overall among other others based passage passages evidence source sources
    mention mentioned note noted article well""".split())
_UNIT_WORDS = frozenset(stem(w) for w in """thousand thousands million millions billion billions trillion
    trillions percent per cent dollar dollars usd rmb yuan""".split())
_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


# -- settings to chat model -------------------------------------------------------------------------------
def parse_llm_spec(spec: str | None) -> tuple[str, str]:
    """Split `"openai:gpt-4o-mini"` into `("openai", "gpt-4o-mini")`.

    Raises:
        ConfigurationError: not one of the accepted forms (the message lists them).
    """
    backend, sep, model = (spec or "").strip().partition(":")
    backend, model = backend.strip().lower(), model.strip()
    if not sep or backend not in BACKENDS or not model:
        forms = "; ".join(f"'{name}:<model>' for {what}" for name, what in BACKENDS.items())
        raise ConfigurationError(f"Invalid LLM setting {spec!r} (AICITIES_LLM): use {forms}; or leave it "
                                 "unset for the offline extractive answerer.")
    return backend, model


def backend_location(settings: Settings) -> str:
    """Where the backend lives, for messages: the server URL without credentials or query string."""
    backend, _ = parse_llm_spec(settings.llm)
    url = settings.ollama_host if backend == "ollama" else (settings.llm_base_url or "https://api.openai.com/v1")
    return _display_url(url)


def _display_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the configured LLM server"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or "the configured LLM server"


def _api_key(settings: Settings) -> SecretStr | None:
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        return settings.llm_api_key
    env = os.environ.get("OPENAI_API_KEY")
    return SecretStr(env) if env else None


def _missing_package(package: str, exc: ImportError) -> ConfigurationError:
    return ConfigurationError(f"The LLM backend needs {package}, which is not installed ({exc.name or exc}). "
                              "Install the LLM extra: pip install -e .[llm]")


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model that `settings.llm` names, with its timeout, retries and temperature.

    Raises:
        ConfigurationError: unknown backend form, missing package (install the `llm` extra), or no API key
            for the OpenAI API itself. The key is never part of a message.
    """
    backend, model = parse_llm_spec(settings.llm)
    if backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise _missing_package("langchain-openai", exc) from exc
        key = _api_key(settings)
        if key is None:
            if not settings.llm_base_url:
                raise ConfigurationError("The openai backend needs an API key: set AICITIES_LLM_API_KEY or "
                                         "OPENAI_API_KEY, or AICITIES_LLM_BASE_URL for a local "
                                         "OpenAI-compatible server.")
            key = SecretStr("not-needed")  # local servers (llama.cpp, vLLM, LM Studio) accept any key
        # max_tokens goes in the body as-is: llama.cpp, vLLM and LM Studio read max_tokens, not the newer
        # max_completion_tokens that ChatOpenAI.max_tokens is sent as.
        return ChatOpenAI(model=model, base_url=settings.llm_base_url, api_key=key,
                          timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
                          temperature=settings.llm_temperature,
                          stream_usage=False, extra_body={"max_tokens": MAX_OUTPUT_TOKENS})
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise _missing_package("langchain-ollama", exc) from exc
    return ChatOllama(model=model, base_url=settings.ollama_host, temperature=settings.llm_temperature,
                      num_predict=MAX_OUTPUT_TOKENS, client_kwargs={"timeout": settings.llm_timeout})


def build_llm_answerer(settings: Settings, kb: KnowledgeBase, extractive: Any, *,
                       chat_model: BaseChatModel | None = None,
                       synonyms: dict[str, list[str]] | None = None) -> VerifiedLLMAnswerer:
    """The verified LLM answerer for `settings.llm`, wrapping the extractive answerer.

    Args:
        settings: the typed settings (`llm`, `prompts_dir`, timeouts, ...).
        kb: the knowledge base of the index.
        extractive: the extractive answerer, used first and as the fallback.
        chat_model: a LangChain chat model to use instead of building one from settings (tests, custom
            backends); `settings.llm` then only names it.
        synonyms: the article's synonyms (everyday word -> article words), which count as support for paraphrases.

    Raises:
        ConfigurationError: invalid `settings.llm`, missing package, or invalid prompts (`PromptError`).
    """
    backend, model = parse_llm_spec(settings.llm)
    prompts = load_prompts(settings.prompts_dir)
    own_retries = 0
    if chat_model is None:
        chat_model = build_chat_model(settings)
        # the OpenAI client retries with backoff itself; the Ollama client doesn't, so the answerer does
        own_retries = settings.llm_max_retries if backend == "ollama" else 0
    key = _api_key(settings)
    return VerifiedLLMAnswerer(
        kb, extractive, chat_model, prompts, backend=backend, model=model,
        location=backend_location(settings), timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries, own_retries=own_retries, synonyms=synonyms or {},
        top_k=settings.top_k, max_question_chars=settings.max_question_chars,
        secrets=(key.get_secret_value(),) if key else (),
    )


# -- evidence ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Passage:
    """One numbered evidence passage: a stored chunk, shown with its section title and topic."""

    number: int
    chunk: ChunkRecord
    sentences: tuple[Sentence, ...]
    entry: RankEntry | None

    @property
    def heading(self) -> str:
        """Section title (and rank) and topic, e.g. "4. Shenzhen (ranked 4th) › Policy Support"."""
        head = self.chunk.section
        if self.entry is not None:
            head += f" (ranked {ordinal(self.entry.rank)})"
        return f"{head} › {self.chunk.topic}" if self.chunk.topic else head

    def render(self) -> str:
        """The passage as the model sees it."""
        text = " ".join(self.chunk.text.split())
        return f"[{self.number}] {self.heading}\n{text}"


@dataclass
class _Claim:
    """One sentence of the model's output."""

    line: int
    text: str
    markers: list[int] = field(default_factory=list)


@dataclass
class Check:
    """The verdict on one sentence: kept or why not, and the evidence that carries it."""

    text: str
    kept: bool
    reason: str = ""
    refusal: bool = False
    empty: bool = False
    sources: list[Sentence | RankEntry | ChunkRecord] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    line: int = 0


@dataclass(frozen=True)
class _Facts:
    """What a text states, normalised for matching."""

    numbers: frozenset[tuple[str, float]]
    words: frozenset[str]
    stems: frozenset[str]

    def has_word(self, word: str) -> bool:
        key = word.removesuffix("'s")
        if key in self.words or stem(key) in self.stems:
            return True
        parts = [p for p in re.split(r"[-/.&]", key) if p]
        return len(parts) > 1 and all(p in self.words or stem(p) in self.stems or p in GENERIC_WORDS
                                      for p in parts)


GENERIC_WORDS = frozenset("""ai artificial intelligence city cities china chinese top ten rank ranked ranking
    rankings hub hubs key strength strengths article""".split())


def number_facts(text: str) -> frozenset[tuple[str, float]]:
    """Numbers a text states, as (kind, value): "$2.8M" and "2.8 million" are ("n", 2.8e6); "24%" and
    "24 percent" are ("%", 24.0). Ordinals ("8th"), names ("GPT-4" counts 4, "R1" and "6G" don't) aside."""
    folded = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), fold(_MARKER.sub(" ", text)))
    out: set[tuple[str, float]] = set()
    for match in _NUMBER.finditer(folded):
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        unit = (match.group(3) or "").strip()
        if unit in ("%", "percent", "per cent"):
            out.add(("%", value))
        else:
            out.add(("n", float(f"{value * SCALE.get(unit, 1.0):.6g}")))
    return frozenset(out)


def _facts(text: str) -> _Facts:
    tokens = set(words(text))
    expanded = set(tokens)
    for token in tokens:
        expanded.update(p for p in re.split(r"[-/]", token) if p)
        expanded.add(token.replace("-", ""))
    expanded = {w.removesuffix("'s") for w in expanded}
    return _Facts(number_facts(text), frozenset(expanded), frozenset(stem(w) for w in expanded))


# -- output parsing ---------------------------------------------------------------------------------------
def _marker_numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip().isdigit()]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 10:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"([.,;:])\1+", r"\1", text).strip(" ,;")


def split_claims(output: str) -> list[_Claim]:
    """Split the model's output into sentences with their [n] markers.

    Markers-only fragments join the sentence before them. Markers that open a line ("[2] DeepSeek's ...")
    or an echoed passage heading ("[2] 2. Hangzhou (ranked 2nd) › Rapid Growth", in the layout of the
    evidence) cite the sentences below them that have no markers of their own, up to the next heading or
    blank line; echoed headings and "Question: ..." lines are not sentences. Bullets, markdown emphasis
    and "Answer:" lead-ins are removed.
    """
    claims: list[_Claim] = []
    block: list[int] = []
    for number, raw_line in enumerate(output.splitlines()):
        line = _LEAD_IN.sub("", _BULLET.sub("", _MARKDOWN.sub("", raw_line)))
        line = _MARKERS_AFTER_STOP.sub(r"\2\1", line.strip())
        if not line:
            block = []
            continue
        lead = _LEADING_MARKERS.match(line)
        if lead:
            markers = [n for m in _MARKER.finditer(lead.group()) for n in _marker_numbers(m.group(1))]
            line = _BULLET.sub("", line[lead.end():]).strip()
            if not line:  # a line of markers only: they belong to the sentence above
                if claims:
                    claims[-1].markers.extend(markers)
                continue
            block = markers
        if "›" in line or _ECHO.match(line):
            if not lead:
                block = []
            continue
        pieces: list[str] = []
        for piece in _BOUNDARY.split(line):
            if pieces and pieces[-1].lower().endswith(ABBREVIATIONS):
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            markers = [n for m in _MARKER.finditer(piece) for n in _marker_numbers(m.group(1))]
            body = _tidy(_MARKER.sub(" ", piece))
            if not re.search(r"[A-Za-z0-9]", body):
                if claims:
                    claims[-1].markers.extend(markers)
                continue
            claims.append(_Claim(number, body, markers or list(block)))
    return claims


def _message_text(message: Any) -> str:
    """The text of a LangChain message or chunk (`.text` is a property in langchain-core 1.x)."""
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return str(text)
    content = getattr(message, "content", message)
    return content if isinstance(content, str) else str(content)


# -- verification -----------------------------------------------------------------------------------------
class Verifier:
    """Checks each sentence of a model's answer against the passages it cites (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, synonyms: dict[str, list[str]] | None = None) -> None:
        self._kb = kb
        self._synonyms: dict[str, set[str]] = {}
        if synonyms is not None:
            for key, values in synonyms.items():
                for k in {stem(w) for w in words(key)}:
                    self._synonyms.setdefault(k, set()).update(stem(w) for v in values for w in words(v))
        self._chunk_facts: dict[str, _Facts] = {}
        self._sentence_facts: dict[int, _Facts] = {}
        self._ranked = {fold(e.city): e for e in kb.ranking}
        self._title_numbers = number_facts(kb.title)
        self._lock = threading.Lock()

    @cached_property
    def _lowercase_words(self) -> frozenset[str]:
        """Stems of words the article writes in lower case (so a capitalised one is just a sentence start)."""
        found = re.findall(r"(?<![\w'’])[a-z][a-z'’-]*", self._kb.source_text)
        return frozenset(stem(fold(w).removesuffix("'s")) for w in found)

    def passage_facts(self, passage: Passage) -> _Facts:
        """Facts of a passage: numbers from its text; words from its text and heading."""
        chunk = passage.chunk
        with self._lock:
            cached = self._chunk_facts.get(chunk.id)
            if cached is None:
                text_facts = _facts(chunk.text)
                head = self._heading_facts(passage)
                cached = _Facts(text_facts.numbers, text_facts.words | head.words,
                                text_facts.stems | head.stems)
                self._chunk_facts[chunk.id] = cached
        return cached

    @staticmethod
    def _heading_facts(passage: Passage) -> _Facts:
        chunk = passage.chunk
        return _facts(f"{chunk.section} {chunk.topic or ''} {chunk.city or ''}")

    def sentence_facts(self, sentence: Sentence) -> _Facts:
        """Facts of one article sentence."""
        with self._lock:
            cached = self._sentence_facts.get(sentence.index)
            if cached is None:
                cached = self._sentence_facts[sentence.index] = _facts(sentence.text)
        return cached

    # -- pieces of a sentence --
    def _names(self, text: str) -> list[str]:
        """The names among the capitalised words of a sentence. A capitalised word at the start of the
        sentence (or after a colon) is an ordinary word when the article writes it in lower case or it is a
        common opener ("However"); otherwise it is a name and must be in the evidence."""
        strict: list[str] = []
        for match in re.finditer(r"(?<![\w'’])[A-Z][\w'’&.-]*", text):
            token = fold(match.group()).rstrip(".-'").removesuffix("'s")
            if not token or token in STOPWORDS or token in GENERIC_WORDS:
                continue
            before = text[: match.start()].rstrip(" \"'“‘(*")
            opening = not before or before.endswith((":", ";", "—", "."))
            if not (opening and (token in _STARTERS or stem(token) in self._lowercase_words or
                                 (token.endswith("ly") and len(token) > 4))):
                strict.append(token)
        return strict

    def _rank_claims(self, text: str) -> list[int]:
        ranks: list[int] = []
        if _TOP_RANK.search(text):
            ranks.append(1)
        if _RANK_CONTEXT.search(text):
            for match in _RANK_VALUE.finditer(text):
                if match.group(1):
                    ranks.append(int(match.group(1)))
                elif match.group(2):
                    ranks.append(_ORDINAL_WORDS[match.group(2).lower()])
                elif match.group(3):
                    ranks.append(int(match.group(3)))
            if _LAST_RANK.search(text) and self._kb.ranking:
                ranks.append(self._kb.ranking[-1].rank)
        return list(dict.fromkeys(ranks))

    def _covered(self, term: str, facts: _Facts) -> bool:
        """The term, a synonym, or a word of the same family ("leaders"/"lead", "innovative"/"innovation")."""
        if term in facts.stems or self._synonyms.get(term, set()) & facts.stems:
            return True
        for s in facts.stems:
            if len(s) >= 4 and len(term) >= 4 and (term.startswith(s) or s.startswith(term)):
                return True
            if len(term) >= 6 and len(s) >= 6 and s[:6] == term[:6]:
                return True
        return False

    # -- the check --
    def check(self, claim: _Claim, passages: Sequence[Passage]) -> Check:
        """Verify one sentence against the passages its markers name."""
        text = claim.text
        verdict = Check(text=text, kept=False, line=claim.line)
        if _REFUSAL.search(text):
            verdict.refusal, verdict.reason = True, "refusal"
            return verdict
        stated = _facts(text)
        strict = self._names(text)
        ranks = self._rank_claims(text)
        name_stems = {stem(n) for n in strict} | {stem(w) for n in strict for w in re.split(r"[-/.&]", n)}
        content = [t for t in dict.fromkeys(terms(text)) if t not in GENERIC_TERMS and t not in _FILLER
                   and t not in name_stems and t not in _UNIT_WORDS and not t.isdigit()
                   and not re.fullmatch(r"\d+(st|nd|rd|th)", t) and t not in _ORDINAL_WORDS]
        if not (stated.numbers or strict or ranks or content):
            verdict.empty, verdict.reason = True, "states nothing checkable"
            return verdict
        by_number = {p.number: p for p in passages}
        if not claim.markers:
            verdict.reason = "no citation"
            return verdict
        unknown = [n for n in claim.markers if n not in by_number]
        if unknown:
            verdict.reason = f"cites passage [{unknown[0]}], which does not exist"
            return verdict
        cited = [by_number[n] for n in dict.fromkeys(claim.markers)]
        verdict.cited = [p.number for p in cited]
        support = [self.passage_facts(p) for p in cited]
        pooled = _Facts(frozenset().union(*(f.numbers for f in support)),
                        frozenset().union(*(f.words for f in support)),
                        frozenset().union(*(f.stems for f in support)))
        missing_numbers = [n for n in stated.numbers if n not in pooled.numbers
                           and not (n[0] == "n" and n in self._title_numbers)]
        if missing_numbers:
            kind, value = missing_numbers[0]
            verdict.reason = f"number {value:g}{'%' if kind == '%' else ''} is not in the cited passages"
            return verdict
        missing_names = [n for n in strict if not pooled.has_word(n)]
        if missing_names:
            verdict.reason = f"name {missing_names[0]!r} is not in the cited passages"
            return verdict
        folded = fold(text)
        mentioned = [e for key, e in self._ranked.items()
                     if re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded)]
        rank_sources: list[RankEntry] = []
        for rank in ranks:
            holder = next((p for p in cited if p.entry is not None and p.entry.rank == rank and
                           (not mentioned or p.entry in mentioned)), None)
            if holder is None:
                verdict.reason = f"rank {ordinal(rank)} is not what the cited passages say"
                return verdict
            assert holder.entry is not None
            rank_sources.append(holder.entry)
        covered = [t for t in content if self._covered(t, pooled)]
        absent = [t for t in content if t not in covered]
        # a word of another evidence passage weighs double: that's how facts of different passages get
        # mixed up ("the $138B fund prioritizes 6G over general-purpose AI")
        others = [self.passage_facts(p) for p in passages if p not in cited]
        weight = sum(2 if any(self._covered(t, f) for f in others) else 1 for t in absent)
        if weight > int(len(content) * MAX_UNSUPPORTED_SHARE):
            verdict.reason = f"words not in the cited passages: {', '.join(absent[:4])}"
            return verdict
        if not (stated.numbers or strict or covered or rank_sources):
            verdict.reason = "nothing it states is in the cited passages"
            return verdict
        verdict.kept = True
        verdict.sources = self._sources(stated, strict, covered, cited, rank_sources)
        return verdict

    def _sources(self, stated: _Facts, names: list[str], covered: list[str], cited: list[Passage],
                 ranks: list[RankEntry]) -> list[Sentence | RankEntry | ChunkRecord]:
        """The article sentences (of the cited passages) that carry the sentence's facts, greedily."""
        wanted: set[tuple[str, Any]] = {("n", n) for n in stated.numbers}
        wanted |= {("w", stem(n)) for n in names} | {("w", t) for t in covered}
        for passage in cited:  # words of the headings (the city, the topic) hold for every sentence
            wanted -= {("w", s) for s in self._heading_facts(passage).stems}
        candidates = [(s, self._items(self.sentence_facts(s))) for p in cited for s in p.sentences]
        chosen: list[Sentence | RankEntry | ChunkRecord] = list(dict.fromkeys(ranks))
        left = set(wanted)
        while left and len(chosen) < 4:
            best = max(candidates, key=lambda c: len(c[1] & left), default=None)
            if best is None or not best[1] & left:
                break
            chosen.append(best[0])
            left -= best[1]
        if not any(isinstance(c, Sentence) for c in chosen) and not ranks:
            first = cited[0]
            chosen.append(first.sentences[0] if first.sentences else first.chunk)
        return chosen

    @staticmethod
    def _items(facts: _Facts) -> set[tuple[str, Any]]:
        return {("n", n) for n in facts.numbers} | {("w", s) for s in facts.stems}


# -- the answerer -----------------------------------------------------------------------------------------
class VerifiedLLMAnswerer:
    """LLM answers, verified against the evidence; the extractive answerer routes first and backs it up.

    Implements the answerer protocol (`answer`), plus `stream` (growing raw drafts, then the verified
    `Draft`) and `condense` (LLM follow-up rewriting with the rule-based result as fallback).
    """

    def __init__(self, kb: KnowledgeBase, extractive: Any, chat_model: BaseChatModel, prompts: PromptSet, *,
                 backend: str = "openai", model: str = "", location: str = "the configured LLM server",
                 timeout: float = 30.0, max_retries: int = 0, own_retries: int = 0,
                 synonyms: dict[str, list[str]] | None = None, top_k: int = 6, max_passages: int = MAX_PASSAGES,
                 max_question_chars: int = 2000, cooldown: float = UNREACHABLE_COOLDOWN,
                 secrets: Iterable[str] = ()) -> None:
        self._kb = kb
        self._extractive = extractive
        self._model = chat_model
        self._prompts = prompts
        self.backend = backend
        self.model = model
        self.location = location
        self._timeout = timeout
        self._own_retries = own_retries
        # the longest one question may take: every attempt times out, plus the backoff between them
        attempts = (max_retries + 1) * (own_retries + 1)
        self.deadline = timeout * attempts + min(8.0, 0.5 * 2 ** attempts)
        self._verifier = Verifier(kb, synonyms)
        self._top_k = top_k
        self._max_passages = max_passages
        self._max_question_chars = max_question_chars
        self._cooldown = cooldown
        self._down_until = 0.0
        self._down_notice = ""
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)
        self._system = prompts.system.render(title=kb.title)

    # -- protocol --
    def answer(self, query: Intent, retrieval: Retrieval) -> Draft:
        """Answer one question (see the module docstring for the routing and the verification)."""
        base = self._extractive.answer(query, retrieval)
        if self._stays_extractive(base):
            return base
        if self._cooling():
            return _fallback(base, self._down_notice)
        passages = self.passages(query, retrieval, base)
        messages = self.messages(query, passages)
        started = time.monotonic()
        try:
            output = self._with_retries(lambda: _message_text(self._model.invoke(messages)))
        except Exception as exc:
            return _fallback(base, self._failure(exc))
        logger.debug("LLM answered in %.0f ms: %r", (time.monotonic() - started) * 1000, output[:500])
        return self.verify(output, passages, base)

    def stream(self, query: Intent, retrieval: Retrieval) -> Iterator[str | Draft]:
        """Yield the model's raw text as it grows, then (last) the verified `Draft`."""
        base = self._extractive.answer(query, retrieval)
        if self._stays_extractive(base) or self._cooling():
            draft = base if self._stays_extractive(base) else _fallback(base, self._down_notice)
            shown = ""
            for piece in re.findall(r"\S+\s*", draft.text):
                shown += piece
                yield shown
            yield draft
            return
        passages = self.passages(query, retrieval, base)
        messages = self.messages(query, passages)
        text = ""
        attempt = 0
        started = time.monotonic()
        while True:
            try:
                for chunk in self._model.stream(messages):
                    piece = _message_text(chunk)
                    if piece:
                        text += piece
                        yield text
                    if time.monotonic() - started > self.deadline:
                        raise _DeadlineExceeded(f"no complete answer within {self.deadline:.0f} s")
                break
            except Exception as exc:
                if not text and attempt < self._own_retries and _transient(exc):
                    time.sleep(min(0.5 * 2 ** attempt, 4.0))
                    attempt += 1
                    continue
                yield _fallback(base, self._failure(exc))
                return
        yield self.verify(text, passages, base)

    def condense(self, question: str, history: Sequence[tuple[str, str]], fallback: str) -> str:
        """A standalone version of a follow-up, written by the LLM; `fallback` (the rule-based resolution)
        when the call fails or the rewrite looks wrong (new cities, lost words, an answer, a refusal)."""
        if not history or self._cooling():
            return fallback
        turns = []
        for asked, answered in list(history)[-3:]:
            reply = _tidy(_MARKER.sub(" ", answered))
            turns.append(f"User: {asked}\nAssistant: {reply[:400]}")
        prompt = self._prompts.condense.render(history="\n".join(turns), question=question,
                                               title=self._kb.title)
        try:
            output = self._with_retries(lambda: _message_text(self._model.invoke([HumanMessage(prompt)])))
        except Exception as exc:
            self._failure(exc)
            return fallback
        candidate = _first_line(output)
        problem = self._condense_problem(candidate, question, history, fallback)
        if problem:
            logger.info("LLM follow-up rewrite %r not used (%s); using %r", candidate[:200], problem,
                        fallback)
            return fallback
        logger.debug("LLM follow-up rewrite: %r -> %r", question, candidate)
        return candidate

    # -- building the request --
    def passages(self, query: Intent, retrieval: Retrieval, base: Draft) -> list[Passage]:
        """The numbered evidence: the chunks behind the extractive answer, then the retrieved ones, then
        those of the cities the question names (at most `max_passages`; the title chunk is left out)."""
        kb = self._kb
        chosen: list[ChunkRecord] = []

        def add(chunk: ChunkRecord | None) -> None:
            if chunk is not None and chunk.kind != "title" and chunk not in chosen \
                    and len(chosen) < self._max_passages:
                chosen.append(chunk)

        for citation in base.citations:
            add(next((c for c in kb.chunks if c.start <= citation.start and citation.end <= c.end), None)
                or next((c for c in kb.chunks if c.section == citation.section and c.kind != "title"), None))
        for chunk in retrieval.top(self._top_k):
            add(chunk)
        for city in query.entries:
            for chunk in kb.chunks:
                if chunk.city == city:
                    add(chunk)
        entries = {e.section: e for e in kb.ranking}
        return [Passage(n, chunk, tuple(s for s in kb.sentences if s.chunk.id == chunk.id),
                        entries.get(chunk.section))
                for n, chunk in enumerate(chosen, start=1)]

    def messages(self, query: Intent, passages: Sequence[Passage]) -> list[BaseMessage]:
        """The chat messages: the system rules, then the question with the numbered evidence only."""
        evidence = "\n\n".join(p.render() for p in passages)
        question = query.text[: self._max_question_chars]
        human = self._prompts.answer.render(question=question, evidence=evidence, title=self._kb.title)
        return [SystemMessage(self._system), HumanMessage(human)]

    # -- verification --
    def verify(self, output: str, passages: Sequence[Passage], base: Draft) -> Draft:
        """Keep the sentences of `output` that the cited passages support, with citations from the
        evidence renumbered in order of first use; fall back to `base` when nothing verified is left."""
        checks = [self._verifier.check(claim, passages) for claim in split_claims(output)]
        kept: list[Check] = []
        for check in checks:  # a sentence the model repeats is shown once
            if check.kept and all(fold(check.text) != fold(k.text) for k in kept):
                kept.append(check)
        dropped = [c for c in checks if not c.kept and not c.refusal and not c.empty]
        for c in checks:
            if not c.kept:
                logger.info("Dropped LLM sentence (%s): %r", c.reason, c.text[:200])
        if not kept:
            if any(c.refusal for c in checks) or not checks:
                notice = "The model did not answer from the evidence, so this is the extractive answer."
            else:
                notice = (f"The model's answer could not be verified against the article "
                          f"({_sentences(len(dropped))} removed), so this is the extractive answer.")
            return _fallback(base, notice, len(dropped))
        answering = _answering(passages, base)
        if answering and not any(set(c.cited) & answering for c in kept):
            logger.info("LLM answer ignores the passages that answer the question (%s)", sorted(answering))
            return _fallback(base, "The model's answer did not use the passages that answer the question, so "
                                   "this is the extractive answer.", len(dropped))
        draft = Draft(mode="llm" if not dropped else "llm-partial", dropped=len(dropped))
        index: dict[tuple[int, int], int] = {}
        lines: dict[int, list[str]] = {}
        for check in kept:
            markers = []
            for source in check.sources:
                citation = _citation(source, 0)
                key = (citation.start, citation.end)
                if key not in index:
                    index[key] = len(draft.citations) + 1
                    draft.citations.append(citation.model_copy(update={"marker": index[key]}))
                if index[key] not in markers:
                    markers.append(index[key])
            lines.setdefault(check.line, []).append(f"{check.text} {''.join(f'[{m}]' for m in markers)}")
        draft.parts = [" ".join(sentences) for _, sentences in sorted(lines.items())]
        if dropped:
            verb = "was" if len(dropped) == 1 else "were"
            draft.notice = f"{_sentences(len(dropped))} {verb} removed: the article does not support " + (
                "it." if len(dropped) == 1 else "them.")
        return draft

    # -- helpers --
    @staticmethod
    def _stays_extractive(base: Draft) -> bool:
        return base.abstained or base.mode in ("ranking", "abstain")

    def _cooling(self) -> bool:
        return time.monotonic() < self._down_until

    def _with_retries(self, call: Any) -> str:
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:
                if attempt >= self._own_retries or not _transient(exc):
                    raise
                time.sleep(min(0.5 * 2 ** attempt, 4.0))
                attempt += 1

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return re.sub(r"(sk-|Bearer\s+)[\w.-]{4,}", r"\1***", text)

    def _failure(self, exc: BaseException) -> str:
        """Log a backend error without secrets and return the notice for the user."""
        status = _status(exc)
        where = self.location
        if isinstance(exc, _DeadlineExceeded):
            notice = f"LLM backend at {where} was too slow ({exc}) — answered extractively."
        elif _unreachable(exc):
            notice = f"LLM backend unreachable at {where} — answered extractively."
            self._down_until = time.monotonic() + self._cooldown
            self._down_notice = notice
        elif status == 404:
            notice = f"LLM model {self.model!r} was not found at {where} — answered extractively."
        elif status in (401, 403):
            notice = f"LLM backend at {where} refused the API key (HTTP {status}) — answered extractively."
        elif status is not None:
            notice = f"LLM backend at {where} failed (HTTP {status}) — answered extractively."
        else:
            notice = f"LLM backend at {where} failed ({type(exc).__name__}) — answered extractively."
        logger.warning("LLM request to %s (%s:%s) failed: %s: %s", where, self.backend, self.model,
                       type(exc).__name__, self._redact(str(exc))[:300])
        return notice

    def _condense_problem(self, candidate: str, question: str, history: Sequence[tuple[str, str]],
                          fallback: str) -> str | None:
        if not candidate or len(candidate) > min(400, self._max_question_chars):
            return "empty or too long"
        if _REFUSAL.search(candidate) or _MARKER.search(candidate):
            return "a refusal or an answer"
        context = fold(" ".join([question, *(q for q, _ in history), *(a for _, a in history)]))
        cities = [fold(e.city) for e in self._kb.ranking]

        def named(text: str) -> set[str]:
            return {c for c in cities if re.search(rf"(?<![a-z]){re.escape(c)}(?![a-z])", fold(text))}

        new = named(candidate) - named(context)
        if new:
            return f"names {sorted(new)[0]!r}, which the conversation does not"
        if not (named(fallback) - named(question)) <= named(candidate):
            return "disagrees with the rule-based resolution about the city"
        asked = [t for t in terms(question) if t not in GENERIC_TERMS]
        kept = set(terms(candidate))
        if asked and sum(t in kept for t in asked) / len(asked) < 0.5:
            return "drops the question's words"
        return None


class _DeadlineExceeded(Exception):
    """A streamed answer did not complete within the answerer's deadline."""


# -- small helpers ----------------------------------------------------------------------------------------
def _citation(source: Sentence | RankEntry | ChunkRecord, marker: int) -> Citation:
    if isinstance(source, ChunkRecord):
        return Citation(marker=marker, section=source.section, topic=source.topic, quote=source.text,
                        start=source.start, end=source.end, rank=source.rank, city=source.city)
    return source.citation(marker)


def _fallback(base: Draft, notice: str, dropped: int = 0) -> Draft:
    """The extractive draft, marked as a fallback with the reason."""
    combined = f"{base.notice} {notice}" if base.notice else notice
    return replace(base, parts=list(base.parts), citations=list(base.citations), mode="extractive-fallback",
                   notice=combined, dropped=dropped)


def _answering(passages: Sequence[Passage], base: Draft) -> set[int]:
    """Numbers of the passages that hold the extractive answer's citations (the best evidence found)."""
    out = set()
    for c in base.citations:
        for p in passages:
            inside = p.chunk.start <= c.start and c.end <= p.chunk.end
            heading = p.entry is not None and (p.entry.start, p.entry.end) == (c.start, c.end)
            if inside or heading:
                out.add(p.number)
    return out


def _sentences(n: int) -> str:
    return f"{n} unsupported sentence" if n == 1 else f"{n} unsupported sentences"


def _first_line(output: str) -> str:
    for line in output.splitlines():
        line = _LEAD_IN.sub("", _MARKDOWN.sub("", line)).strip().strip("\"'“”")
        if line:
            return line
    return ""


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _unreachable(exc: BaseException) -> bool:
    """Connection refused, DNS failure or timeout (openai, httpx, ollama, or plain OS errors)."""
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout",
                         "ReadTimeout", "TimeoutException", "NetworkError", "RemoteProtocolError",
                         "ConnectionError", "TimeoutError"}) \
        or isinstance(exc, (ConnectionError, TimeoutError))


def _transient(exc: BaseException) -> bool:
    return _unreachable(exc) or _status(exc) in _TRANSIENT_STATUS
