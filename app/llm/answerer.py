"""The verified LLM answerer: the extractive answerer (the `Router`) answers first, the chat model then
writes from the evidence only, and every sentence it writes is verified before it is shown.

How `VerifiedLLMAnswerer` answers:

1. The extractive answerer goes first. Its ranking, abstention and help answers are returned as they are:
   the ranking never comes from the LLM, and weak evidence still abstains.
2. Otherwise the model gets the question and only the retrieved evidence, as numbered passages (each with
   its section title and topic), and must cite `[n]` after every sentence.
3. Each sentence of the output is verified (`app.llm.verifier`). Failing sentences are dropped and counted.
   The citations of a kept sentence are the article sentences of the cited passages that carry its facts
   (verbatim quote and offsets from the source), never text from the model, renumbered in order of first
   use.
4. All kept: mode "llm". Some dropped: "llm-partial" with a notice. Nothing verified left, a refusal, a
   verified answer that cites none of the passages holding the extractive answer's evidence (it answers
   something else), or a backend error (unreachable, timeout, HTTP 500, unknown model): the extractive
   answer with mode "extractive-fallback" and a notice. Errors are logged without secrets.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.answer.answerer import Answerer
from app.answer.draft import Draft, growing_text
from app.knowledge import ChunkRecord, KnowledgeBase, RankEntry, Sentence
from app.llm.backends import ChatBackend, api_key, backend_location, build_chat_model, parse_llm_spec
from app.llm.verifier import (
    LEAD_IN,
    MARKDOWN,
    MARKER,
    REFUSAL,
    Check,
    Passage,
    Verifier,
    split_claims,
    tidy,
)
from app.prompts import PromptSet, load_prompts
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal_value
from ingest.core.models import Citation
from ingest.core.settings import Settings
from ingest.core.text import fold, number_values, terms, words

logger = logging.getLogger(__name__)

MAX_PASSAGES = 8
"""Most evidence passages shown to the model."""
_EXTRACTIVE_MODES = frozenset({"ranking", "abstain", "help"})
"""Modes of the extractive draft that are the answer as they are (the LLM is not asked)."""


def build_llm_answerer(settings: Settings, kb: KnowledgeBase, extractive: Answerer, *,
                       chat_model: BaseChatModel | None = None,
                       synonyms: dict[str, list[str]] | None = None) -> VerifiedLLMAnswerer:
    """The verified LLM answerer for `settings.llm`, wrapping the extractive answerer.

    Args:
        settings: the typed settings (`llm`, `prompts_dir`, timeouts, ...).
        kb: the knowledge base of the index.
        extractive: the extractive answerer (`answer(intent, retrieval) -> Draft`), used first and as the
            fallback.
        chat_model: a LangChain chat model to use instead of building one from settings (tests, custom
            backends); `settings.llm` then only names it.
        synonyms: the article's synonyms (everyday word -> article words), which count as support for
            paraphrases.

    Raises:
        ConfigurationError: invalid `settings.llm`, missing package, or invalid prompts (`PromptError`).
    """
    backend, model = parse_llm_spec(settings.llm)
    prompts = load_prompts(settings.prompts_dir)
    own_retries = 0
    if chat_model is None:
        chat_model = build_chat_model(settings)
        # the OpenAI client retries with backoff itself; the Ollama client doesn't, so the backend does
        own_retries = settings.llm_max_retries if backend == "ollama" else 0
    key = api_key(settings)
    chat = ChatBackend(chat_model, backend=backend, model=model, location=backend_location(settings),
                       timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
                       own_retries=own_retries, secrets=(key.get_secret_value(),) if key else ())
    return VerifiedLLMAnswerer(kb, extractive, chat, prompts, synonyms=synonyms or {}, top_k=settings.top_k,
                               max_question_chars=settings.max_question_chars)


class VerifiedLLMAnswerer:
    """LLM answers, verified against the evidence; the extractive answerer routes first and backs it up.

    Implements the `Answerer` protocol: `answer`, `fallback`, `stream` (growing raw drafts, then the verified
    `Draft`) and `condense` (LLM follow-up rewriting with the rule-based result as fallback).

    Args:
        kb: the knowledge base of the index.
        extractive: the extractive answerer it wraps.
        chat: the chat model with its retries, deadline and cooldown.
        prompts: the validated prompt templates.
        synonyms: everyday word -> article words, support for paraphrases.
        top_k: retrieved chunks shown to the model.
        max_passages: most evidence passages shown to the model.
        max_question_chars: longest question sent to the model.
    """

    def __init__(self, kb: KnowledgeBase, extractive: Answerer, chat: ChatBackend, prompts: PromptSet, *,
                 synonyms: dict[str, list[str]] | None = None, top_k: int = 6, max_passages: int = MAX_PASSAGES,
                 max_question_chars: int = 2000) -> None:
        self._kb = kb
        self._extractive = extractive
        self.chat = chat
        self._prompts = prompts
        self._verifier = Verifier(kb, synonyms)
        self._top_k = top_k
        self._max_passages = max_passages
        self._max_question_chars = max_question_chars
        self._system = prompts.system.render(title=kb.title)

    # -- protocol --
    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft:
        """Answer one question (see the module docstring for the routing and the verification)."""
        base = self._extractive.answer(intent, retrieval)
        if self._stays_extractive(base):
            return base
        if self.chat.cooling:
            return _fallback(base, self.chat.down_notice)
        passages = self.passages(intent, retrieval, base)
        started = time.monotonic()
        try:
            output = self.chat.invoke(self.messages(intent, passages))
        except Exception as exc:
            return _fallback(base, self.chat.failure(exc))
        logger.debug("LLM answered in %.0f ms: %r", (time.monotonic() - started) * 1000, output[:500])
        return self.verify(output, passages, base)

    def fallback(self, retrieval: Retrieval) -> Draft:
        """The extractive answerer's plainest grounded answer (the chatbot's last resort after an error)."""
        return self._extractive.fallback(retrieval)

    def stream(self, intent: Intent, retrieval: Retrieval) -> Iterator[str | Draft]:
        """Yield the model's raw text as it grows, then (last) the verified `Draft`."""
        base = self._extractive.answer(intent, retrieval)
        if self._stays_extractive(base) or self.chat.cooling:
            draft = base if self._stays_extractive(base) else _fallback(base, self.chat.down_notice)
            yield from growing_text(draft.text)
            yield draft
            return
        passages = self.passages(intent, retrieval, base)
        text = ""
        try:
            for piece in self.chat.stream(self.messages(intent, passages)):
                text += piece
                yield text
        except Exception as exc:
            yield _fallback(base, self.chat.failure(exc))
            return
        yield self.verify(text, passages, base)

    def condense(self, question: str, history: Sequence[tuple[str, str]], fallback: str) -> str:
        """A standalone version of a follow-up, written by the LLM; `fallback` (the rule-based resolution)
        when the call fails or the rewrite looks wrong (new entries, lost words, an answer, a refusal)."""
        if not history or self.chat.cooling:
            return fallback
        turns = []
        for asked, answered in list(history)[-3:]:
            reply = tidy(MARKER.sub(" ", answered))
            turns.append(f"User: {asked}\nAssistant: {reply[:400]}")
        prompt = self._prompts.condense.render(history="\n".join(turns), question=question,
                                               title=self._kb.title)
        try:
            output = self.chat.invoke([HumanMessage(prompt)])
        except Exception as exc:
            self.chat.failure(exc)
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
    def passages(self, intent: Intent, retrieval: Retrieval, base: Draft) -> list[Passage]:
        """The numbered evidence: the chunks behind the extractive answer, then the retrieved ones, then
        those of the entries the question names (at most `max_passages`; the title chunk is left out)."""
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
        for name in intent.entries:
            for chunk in kb.chunks:
                if chunk.city == name:
                    add(chunk)
        entries = {e.section: e for e in kb.ranking}
        return [Passage(n, chunk, tuple(s for s in kb.sentences if s.chunk.id == chunk.id),
                        entries.get(chunk.section))
                for n, chunk in enumerate(chosen, start=1)]

    def messages(self, intent: Intent, passages: Sequence[Passage]) -> list[BaseMessage]:
        """The chat messages: the system rules, then the question with the numbered evidence only."""
        evidence = "\n\n".join(p.render() for p in passages)
        question = intent.text[: self._max_question_chars]
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
        return base.abstained or base.mode in _EXTRACTIVE_MODES

    def _condense_problem(self, candidate: str, question: str, history: Sequence[tuple[str, str]],
                          fallback: str) -> str | None:
        if not candidate or len(candidate) > min(400, self._max_question_chars):
            return "empty or too long"
        if REFUSAL.search(candidate) or MARKER.search(candidate):
            return "a refusal or an answer"
        context = fold(" ".join([question, *(q for q, _ in history), *(a for _, a in history)]))
        names = [fold(e.name) for e in self._kb.ranking]

        def named(text: str) -> set[str]:
            return {n for n in names if re.search(rf"(?<![a-z]){re.escape(n)}(?![a-z])", fold(text))}

        new = named(candidate) - named(context)
        if new:
            return f"names {sorted(new)[0]!r}, which the conversation does not"
        if not (named(fallback) - named(question)) <= named(candidate):
            return "disagrees with the rule-based resolution about the entry"
        asked = [t for t in terms(question) if t not in self._verifier.generic]
        kept = set(terms(candidate))
        if asked and sum(t in kept for t in asked) / len(asked) < 0.5:
            return "drops the question's words"
        claimed = {ordinal_value(w) for w in words(candidate)} - {ordinal_value(w) for w in words(context)} - {None}
        if claimed or number_values(candidate) - number_values(context):
            return "states a rank or a number the conversation does not"  # a rewrite asks; it never claims
        return None


# -- small helpers ----------------------------------------------------------------------------------------
def _citation(source: Sentence | RankEntry | ChunkRecord, marker: int) -> Citation:
    if isinstance(source, ChunkRecord):
        return Citation(marker=marker, section=source.section, topic=source.topic, quote=source.text,
                        start=source.start, end=source.end, rank=source.rank, entry=source.city)
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
        line = LEAD_IN.sub("", MARKDOWN.sub("", line)).strip().strip("\"'“”")
        if line:
            return line
    return ""
