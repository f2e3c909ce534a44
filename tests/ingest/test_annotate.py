"""Entity annotation at ingest: which recognised spans are names. A capitalised common word that the article
also writes in lower case is a sentence or cell opener, not a name; a real one-word name stays; an entity the
recogniser cut short is widened over the proper nouns before it."""

from __future__ import annotations

import json

from ingest.annotate import annotate_chunks, annotate_row, is_common_word, lower_case_words
from ingest.chunker import chunk_article
from ingest.parser import parse_article

SHOWS = """# The longest-running shows of Springfield

This list ranks the longest-running shows of the Springfield stage.

| # | Show | Performances | Comment |
|---|---|---|---|
| 1. | The Glass Harbor | 9,120 | Currently running at the Ambassador Theatre; Longest running show of the town |
| 2. | Northwind | 7,400 | Produced by Zorblax Studios; a revival of the 1950 earthquake drama |
| 3. | Little Lanterns | 5,010 | Earthquake of applause on opening night; produced by Zorblax Studios |
"""


def _names(chunks: list) -> set[str]:
    """The name and place entities annotated in the chunks, as written."""
    found = set()
    for chunk in chunks:
        for sentence in json.loads(chunk.annotations):
            for start, end, label in sentence["entities"]:
                if label not in {"DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "TIME"}:
                    found.add(SHOWS[start:end])
    return found


def test_lower_case_words_are_the_words_written_in_lower_case() -> None:
    words = lower_case_words(["Longest running show", "the longest-running revival", "Acme's AI lab"])
    assert {"longest", "running", "show", "the", "revival", "lab"} <= words
    assert "acme" not in words and "ai" not in words


def test_a_capitalised_word_the_article_also_writes_in_lower_case_is_no_name() -> None:
    lower = lower_case_words(["the longest-running show", "a great earthquake", "a revival"])
    assert is_common_word("Longest", lower)
    assert is_common_word("Earthquake", lower)
    assert is_common_word("jukebox musical", lower)  # no capital at all
    # a one-word name the article never writes in lower case, and any longer name, stay names
    assert not is_common_word("Zorblax", lower)
    assert not is_common_word("Revival Studios", lower)
    assert not is_common_word("Apple", lower)  # an English word, but never a lower-case word of this article
    assert not is_common_word("IBM", lower)


def test_annotated_chunks_keep_real_names_and_drop_openers() -> None:
    chunks = annotate_chunks(chunk_article(parse_article(SHOWS)))
    names = _names(chunks)
    assert "Longest" not in names  # a cell opener; the article writes "longest" in lower case
    assert "Zorblax Studios" in names


def test_an_entity_cut_short_is_widened_over_the_proper_nouns_before_it() -> None:
    text = "| 1. | The Glass Harbor | Currently running at the Ambassador Theatre; 7 awards in 1988 |"
    [sentence] = annotate_row(text)
    spans = {text[s:e] for s, e, _ in sentence["entities"]}
    assert "Ambassador Theatre" in spans and "Theatre" not in spans


def test_only_the_article_lower_case_words_make_a_capitalised_word_common() -> None:
    text = "| 1. | The Glass Harbor | Currently running at the Ambassador Theatre; Longest running show of the town |"
    plain = {text[s:e] for s, e, _ in annotate_row(text)[0]["entities"]}
    informed = {text[s:e] for s, e, _ in annotate_row(text, lower_words=lower_case_words(["the longest run"]))[0][
        "entities"]}
    assert "Longest" in plain and "Longest" not in informed
    assert "Ambassador Theatre" in informed
