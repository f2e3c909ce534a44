"""Rewriting a question before it is read: Chinese names, ordinals and question words into English, and likely
typos of question words and of the article's own words corrected."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from app.understand.article import ArticleTerms
from app.understand.names import CJK, NameFinder
from ingest.annotate import is_english_word
from ingest.core.lexicon import (
    BOTTOM_WORDS,
    CHINESE_QUESTION_WORDS,
    HIGHER_WORDS,
    LOWER_WORDS,
    RANK_NOUNS,
    RANK_PHRASES,
    TOP_WORDS,
    chinese_rank_to_english,
)
from ingest.core.settings import default_of
from ingest.core.text import STOPWORDS, fold, stem

_ABBREVIATION = re.compile(r"\b[A-Z]{2,5}\b")
_WORDS = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_CN_PRONOUN = re.compile(r"(它的|它|那里|这里)")  # "this city" and the like are the profile's (`terms`)


class QuestionRewriter:
    """Rewrites a question's text so the English reading applies.

    Args:
        article: the article's words, synonyms and translations.
        names: the article's names (their Chinese forms are replaced by the English names).
        typo_question_word_score: how close (rapidfuzz ratio, 0-100) an unknown word must be to a question word
            to be read as it ("whcih").
        typo_article_word_score: how close an unknown word must be to a long word of the article to be read as it.
    """

    def __init__(self, article: ArticleTerms, names: NameFinder, *,
                 typo_question_word_score: float = default_of("typo_question_word_score"),
                 typo_article_word_score: float = default_of("typo_article_word_score")) -> None:
        self._article = article
        self._names = names
        self._question_word_score = typo_question_word_score
        self._article_word_score = typo_article_word_score
        self._vocabulary = sorted({w for w in article.vocabulary if len(w) >= 6 and w.isalpha()})
        self._vocab_set = set(article.vocabulary)
        self._stopwords = sorted(w for w in STOPWORDS if len(w) >= 4 and w.isalpha())
        self._known_words = set(STOPWORDS) | {fold(k) for k in article.synonyms} | set(RANK_PHRASES) | \
            TOP_WORDS | BOTTOM_WORDS | HIGHER_WORDS | LOWER_WORDS | RANK_NOUNS

    def translate(self, text: str) -> str:
        """Map Chinese names, ordinals and question words to English so the rest of the pipeline applies."""
        if not CJK.search(text):
            return text
        out = text
        for form, name in self._names.entry_forms + self._names.name_forms:
            if CJK.search(form) and form in out:
                out = out.replace(form, f" {name} ")
        out = chinese_rank_to_english(out)
        for zh, en in sorted({**CHINESE_QUESTION_WORDS, **self._article.translations}.items(),
                             key=lambda kv: -len(kv[0])):
            out = out.replace(zh, f" {en} ")
        out = _CN_PRONOUN.sub(" it ", out)
        out = re.sub(r"[，、；：？！。]", lambda m: {"？": "?", "！": "!", "。": "."}.get(m.group(), ","), out)
        return " ".join(out.split())

    def expand_abbreviations(self, text: str) -> str:
        """An abbreviation the article never writes, spelled out as the words it writes ("the state NF fund" ->
        "the state naval fleet fund"): the run of the article's words whose initials spell it and whose
        neighbours in the article match most of its neighbours in the question (the word before it before, the
        word after it after); unchanged when no run has a matching neighbour, or two match equally well."""
        def expand(match: re.Match[str]) -> str:
            word = match.group()
            if fold(word) in self._vocab_set:
                return word
            before = [stem(w.strip("?,.!;:")) for w in fold(text[:match.start()]).split()[-1:] if w not in STOPWORDS]
            after = [stem(w.strip("?,.!;:")) for w in fold(text[match.end():]).split()[:1] if w not in STOPWORDS]
            return self._spelled(word.lower(), before[0] if before else None, after[0] if after else None) or word

        return _ABBREVIATION.sub(expand, text)

    def _spelled(self, letters: str, before: str | None, after: str | None) -> str | None:
        """The run of the article's words whose initials are `letters` with the most of the question's
        neighbours in place around it (at least one), when it is the only one that has that many."""
        scores: dict[str, int] = {}
        n = len(letters)
        for sentence in self._article.texts:
            tokens = _WORDS.findall(sentence)
            for i in range(len(tokens) - n + 1):
                run = tokens[i:i + n]
                if "".join(t[0].lower() for t in run) != letters:
                    continue
                score = int(before is not None and i > 0 and stem(fold(tokens[i - 1])) == before) + int(
                    after is not None and i + n < len(tokens) and stem(fold(tokens[i + n])) == after)
                key = " ".join(run)
                scores[key] = max(score, scores.get(key, 0))
        best = max(scores.values(), default=0)
        top = [run for run, score in scores.items() if score == best]
        return top[0] if best and len(top) == 1 else None

    def correct(self, text: str) -> str:
        """Fix likely typos of question words ("whcih") and of the article's own words ("subsidys")."""
        def fix(match: re.Match[str]) -> str:
            word = match.group()
            low = word.lower()
            if len(low) < 5 or low in self._known_words or low in self._vocab_set or word[:1].isupper() or \
                    is_english_word(low):
                return word
            hit = process.extractOne(low, self._stopwords, scorer=fuzz.ratio, score_cutoff=self._question_word_score)
            if hit is None and len(low) >= 6:
                hit = process.extractOne(low, self._vocabulary, scorer=fuzz.ratio,
                                         score_cutoff=self._article_word_score)
            return hit[0] if hit else word

        return re.sub(r"[A-Za-z]+", fix, text)
