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
from ingest.core.text import STOPWORDS, fold

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
