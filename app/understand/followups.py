"""Follow-up questions: a question that leans on the conversation ("what rank does it have?", "and the next
one?", "what about X?") rewritten into one that stands alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.understand.names import NameFinder
from ingest.core.text import fold, stem, terms, words

_NEXT = re.compile(r"\b(the )?(next|following|subsequent) (one|ranked one|in line|on the list)\b|"
                   r"\bthe one (after|below)( it| that)?\b|\b(right )?(below|after) (it|that one)\b"
                   r"|\bwhat(?:'s| is| comes) next\b|^(and )?next\??$", re.I)
_PREVIOUS = re.compile(r"\b(the )?(previous|preceding) one\b|\bthe one (before|above)( it| that)?\b|"
                       r"\b(right )?(above|before) (it|that one)\b", re.I)
_PLURAL_PRONOUN = re.compile(r"\b(the two|both of them|both|the pair|they|them|their|these|those)\b", re.I)
_ELLIPSIS = re.compile(r"^(?:and|what about|how about|and what about|same for|now|ok|okay|then)\b", re.I)


class FollowUpResolver:
    """Rewrites follow-ups with the entries the conversation is about.

    Args:
        names: the article's names, to see which entries a turn is about.
        translate: the rewriting of other languages into English (`QuestionRewriter.translate`).
        noun: what the article ranks ("city"), so "that city" is read as a pronoun.
    """

    def __init__(self, names: NameFinder, translate: Callable[[str], str], noun: str) -> None:
        self._names = names
        self._translate = translate
        noun = re.escape(noun.lower())
        self._noun = noun
        self._pronoun = re.compile(rf"\b(?:(?:this|that|the same|the) (?:one|entry|{noun})|it|its|it's|itself|there|"
                                   r"this place|that place)\b", re.I)

    def resolve(self, question: str, history: Sequence[tuple[str, str]], rank_of: dict[str, int],
                entry_at: dict[int, str]) -> str:
        """Rewrite a follow-up into a standalone question using the conversation so far.

        Pronouns ("it", "there") become the entry under discussion, "the two" / "they" the entries of the last
        turn, "the next one" / "the previous one" move along the ranking, and "What about X?" repeats the last
        question with X. The history is replayed turn by turn, so "it" in the third turn still means the entry
        of the first.

        Args:
            question: the new question.
            history: the conversation's (question, answer) turns, oldest first.
            rank_of: an entry's rank.
            entry_at: the entry at a rank.

        Returns:
            The question as it stands alone (unchanged when it leans on nothing).
        """
        focus: list[str] = []
        previous: str | None = None
        for asked, answered in history:
            standalone = self._resolve_turn(asked, focus, previous, rank_of, entry_at)
            entries = self._names.find_entries(self._translate(standalone))
            # what the turn was about: its entries, the entry its answer leads with, else a name it asked about
            focus = entries or self._leading_entries(answered) or self._names.find_names(standalone)[:1] or focus
            previous = standalone
        return self._resolve_turn(question, focus, previous, rank_of, entry_at)

    def _leading_entries(self, answer: str) -> list[str]:
        """The entry an answer is about, when it names one up front ("Fedora is ranked 5th …")."""
        return self._names.find_entries(answer[:60])[:1]

    def _resolve_turn(self, question: str, focus: list[str], last_question: str | None,
                      rank_of: dict[str, int], entry_at: dict[int, str]) -> str:
        translated = self._translate(question)
        entries = self._names.find_entries(translated)
        if entries:
            if _ELLIPSIS.search(translated) and len(words(translated)) <= 6 and last_question:
                before = self._names.find_entries(self._translate(last_question))
                if before:
                    return _substitute(self._translate(last_question), before, entries)
            return question
        if not focus:
            return question
        if len(focus) >= 2 and _PLURAL_PRONOUN.search(translated):
            joined = " and ".join(focus[:3])
            return _PLURAL_PRONOUN.sub(joined, translated, count=1)
        step = 1 if _NEXT.search(translated) else -1 if _PREVIOUS.search(translated) else 0
        if step:
            if focus[0] not in rank_of:
                return translated  # "the next one" after a name the article doesn't rank: nothing to move along
            target = entry_at.get(rank_of.get(focus[0], 0) + step)
            if target is None:
                return translated
            rest = (_NEXT if step > 0 else _PREVIOUS).sub(target, translated)
            # "compare it with the town right below it": the noun before the step goes with it, and a pronoun
            # left over is still the entry under discussion
            rest = re.sub(rf"\b(?:the|that|this) (?:one|entry|{self._noun})\s+(?={re.escape(target)})", "", rest,
                          flags=re.I)
            if self._pronoun.search(rest):
                rest = self._pronoun.sub(lambda m: f"{focus[0]}'s" if m.group().lower() in {"its", "it's"}
                                         else focus[0], rest, count=1)
            remaining = [t for t in terms(rest) if stem(fold(target)) != t and t not in {"and", "what", "about"}]
            return rest if remaining else f"Tell me about {target}"
        if self._pronoun.search(translated) or _PLURAL_PRONOUN.search(translated):
            pattern = self._pronoun if self._pronoun.search(translated) else _PLURAL_PRONOUN
            return pattern.sub(lambda m: _stand_in(m, focus[0]), translated, count=2)
        if _ELLIPSIS.search(translated) and len(words(translated)) <= 4:
            return f"Tell me about {focus[0]}"
        return question


def _substitute(question: str, old: list[str], new: list[str]) -> str:
    """The question with each old name replaced by the new one in its place (the last new one for the rest)."""
    out = question
    for i, name in enumerate(old):
        out = re.sub(re.escape(name), new[min(i, len(new) - 1)], out, flags=re.I)
    return out


_PREPOSITION_BEFORE = re.compile(r"\b(?:in|at|from|to|near|into|out of|around|within|inside|for|of)\s+$", re.I)
_BE_BEFORE = re.compile(r"\b(?:is|are|was|were|isn't|aren't|be)\s+$", re.I)


def _stand_in(match: re.Match[str], name: str) -> str:
    """What a pronoun of a follow-up becomes: the name ("Acme's" for "its"); "there" becomes "in Acme" unless a
    preposition already comes before it, and stays when it is the "there" of "is there …"."""
    word = match.group().lower()
    if word in {"its", "their", "it's"}:
        return f"{name}'s"
    if word == "there":
        before = match.string[:match.start()]
        if _BE_BEFORE.search(before):
            return match.group()
        return name if _PREPOSITION_BEFORE.search(before) else f"in {name}"
    return name
