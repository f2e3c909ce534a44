"""Question hygiene before understanding: validation, Unicode cleanup, and removal of instructions that a
question tries to give the bot (prompt injection)."""

from __future__ import annotations

import re
import unicodedata

from ingest.core.errors import InvalidQuestionError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Attack phrasings are patterns in the true sense (like spaCy's EntityRuler patterns): a fixed family of
# imperative forms aimed at the bot, in English and Chinese.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines|above|"
    r"previous|prior|context|article|source)\b|\b(system|hidden|developer|initial)\s+(prompt|message|"
    r"instructions?)\b|\byou are (?:now|dan|a|an)\b|\bpretend (?:to be|you)\b|\bact as (?:if\b|(?:a|an|my|the) "
    r"(?:ai|assistant|bot|chatbot|model|system|pirate|hacker|different|new|unrestricted)\b)|\bjailbreak\b|"
    r"\bdeveloper mode\b|\bnew (?:instructions?|source|"
    r"article|rules?|context)\b|\bfrom now on\b|(?:^|[.!?:]\s*|\band\s+|\bplease\s+|\bnow\s+|\bjust\s+)"
    r"(?:say|claim|state|respond|reply|tell (?:them|everyone|everybody|people|users|the user))\b"
    r"|\bprint (?:your|the)\b|\breveal (?:your|the)\b|\brepeat (?:your|the) (?:prompt|instructions)|"
    r"</?\s*(?:article|system|context|source|document|instructions?)\s*>|^\s*(?:system|assistant)\s*:|"
    r"忽略.{0,10}(指令|说明|提示)|系统提示", re.I)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_QUESTION_WORD = re.compile(r"\b(which|what|who|where|when|how|is|are|does|do|rank)\b", re.I)


def clean_question(text: object, max_chars: int) -> tuple[str, str | None]:
    """Validate and normalise a question.

    Returns:
        (clean text, notice) — the notice is set when something was removed.

    Raises:
        InvalidQuestionError: not a string, empty, or longer than `max_chars`.
    """
    if not isinstance(text, str):
        raise InvalidQuestionError(f"The question must be text, not {type(text).__name__}.")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"The question is too long ({len(text):,} characters; the limit is {max_chars:,}). "
            "Ask a shorter question."
        )
    text = unicodedata.normalize("NFKC", text)
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    if not cleaned or not re.search(r"\w", cleaned):
        raise InvalidQuestionError("The question is empty. Ask something about the article, e.g. "
                                   "\"Which one is ranked first?\"")
    notice = "Control characters were removed from the question." if cleaned != " ".join(text.split()) else None
    return cleaned, notice


def strip_injection(text: str) -> tuple[str, bool]:
    """Drop the sentences of a question that try to give the bot instructions.

    Returns:
        (what is left to answer, True when something was dropped).
    """
    if not _INJECTION.search(text):
        return text, False
    kept = [s.strip() for s in _SENTENCE.findall(text) if s.strip() and not _INJECTION.search(s)]
    if not kept:
        # One sentence with an instruction inside: keep any question that follows a comma or "and".
        parts = re.split(r",|\band\b|\bthen\b|;", text)
        kept = [p.strip() for p in parts
                if p.strip() and not _INJECTION.search(p.strip()) and _QUESTION_WORD.search(p)]
    return " ".join(kept), True


_QUESTION_END = re.compile(r"(?<=\?)\s+(?=\S)")
# ", and who …?": a second question joined to the first; wh-words are a closed class of English
_WH_CLAUSE = re.compile(r",\s+and\s+(?=(?:who|whom|whose|what|when|where|which|why|how)\b)", re.I)
_MAX_PARTS = 3


def split_questions(text: str) -> list[str]:
    """The questions one message asks, in order: "X is a Y, isn't it? Who hosts it?" and "Who makes X, and who
    presents it?" ask two. A message with one question (or more than three) stays whole."""
    parts: list[str] = []
    for piece in _QUESTION_END.split(text.strip()):
        parts.extend(_WH_CLAUSE.split(piece))
    parts = [p.strip() for p in parts if p.strip()]
    if not 2 <= len(parts) <= _MAX_PARTS or any(len(p.split()) < 2 for p in parts):
        return [text]  # one question, too many, or a fragment ("What? Why?") that is no question on its own
    return parts
