"""The rank reader (`app.understand.ranks`) over a made-up ranking of six lighthouses: ranks, top-N and bottom-N,
directions, offsets, and the end of the ranking a superlative of its criterion points to."""

from __future__ import annotations

import numpy as np
import pytest

from app.understand.article import ArticleTerms
from app.understand.parse import Degree
from app.understand.ranks import RankReader

LIGHTS = ["Harrowgate", "Saltmere", "Kestrel", "Fenwick", "Brisk", "Quillon"]
# a made-up embedding: height words on one axis, age words on another
AXES = {"tallest": 0, "shortest": 0, "tall": 0, "oldest": 1, "newest": 1}


def embed(text: str) -> np.ndarray:
    vector = np.zeros(3, np.float32)
    for word in text.lower().split():
        vector[AXES.get(word, 2)] += 1.0
    return vector


@pytest.fixture(scope="module")
def reader() -> RankReader:
    article = ArticleTerms(entries=LIGHTS, noun="lighthouse", criterion=["The six tallest lighthouses of the coast"])
    return RankReader(article, embed)


@pytest.mark.parametrize(("question", "expected"), [
    ("Which lighthouse sits in 3rd place?", ([3], None, None, None)),
    ("Show me the top 4 please.", ([], 4, None, None)),
    ("And the bottom two?", ([], None, 2, None)),
    ("Which one came last?", ([6], None, None, None)),
    ("What changed there last year?", ([], None, None, None)),  # "last year" is no rank
    ("Who holds ranks 2 to 4?", ([2, 3, 4], None, None, None)),
    ("Who is the runner-up?", ([2], None, None, None)),
    ("What did the 5th-placed lighthouse cost?", ([5], None, None, None)),  # an ordinal joined to a rank word
    ("Which is the third-ranked one?", ([3], None, None, None)),
    ("Is it the second-largest?", ([], None, None, None)),  # a superlative, not a word of placing
    ("Is Fenwick ranked higher than Quillon?", ([], None, None, "up")),
    ("What lies between Fenwick and Quillon?", ([], None, None, "between")),
])
def test_read_ranks(reader: RankReader, question: str, expected: tuple) -> None:
    assert reader.read_ranks(question) == expected


def test_read_offset(reader: RankReader) -> None:
    assert reader.read_offset("Which one is two places above Fenwick?") == 2
    assert reader.read_offset("Which one is above Fenwick?") is None


def test_criterion_end(reader: RankReader) -> None:
    assert reader.last == 6
    assert reader.criterion_end(Degree("best", "best")) == 1  # words that grade the ranking itself
    assert reader.criterion_end(Degree("worst", "worst")) == 6
    assert reader.criterion_end(Degree("tallest", "tallest")) == 1  # the criterion's own superlative
    assert reader.criterion_end(Degree("shortest", "shortest")) == 6  # its opposite: the other end
    assert reader.criterion_end(Degree("oldest", "oldest")) is None  # a superlative of something else


def test_an_empty_ranking_has_no_ends() -> None:
    assert RankReader(ArticleTerms(entries=[]), embed).criterion_end(Degree("best", "best")) is None


def test_topping_a_list_claims_first_place(reader: RankReader) -> None:
    assert reader.read_ranks("Did Kestrel top the chart?")[0] == [1]
    assert reader.read_ranks("Saltmere headed the table, right?")[0] == [1]
