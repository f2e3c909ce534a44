"""The question rewriter (`app.understand.rewrite`) over a made-up article: Chinese names and words into English,
typos of the article's words corrected, and English text left alone."""

from __future__ import annotations

from app.understand.article import ArticleTerms
from app.understand.names import NameFinder
from app.understand.rewrite import QuestionRewriter


def _rewriter() -> QuestionRewriter:
    article = ArticleTerms(entries=["Saltmere Beacon", "Quillon"], noun="lighthouse",
                           aliases={"Saltmere Beacon": ["盐湖灯塔"]}, translations={"多高": "how tall"},
                           vocabulary={"lighthouse", "keeper"})
    return QuestionRewriter(article, NameFinder(article))


def test_translate_maps_chinese_names_and_words() -> None:
    assert _rewriter().translate("盐湖灯塔多高？") == "Saltmere Beacon how tall ?"
    assert _rewriter().translate("Plain English stays as it is.") == "Plain English stays as it is."


def test_correct_fixes_typos_of_the_articles_words_only() -> None:
    assert _rewriter().correct("Which lighthuose is it?") == "Which lighthouse is it?"
    assert _rewriter().correct("Is Quilon open?") == "Is Quilon open?"  # a capitalised word may be a name
