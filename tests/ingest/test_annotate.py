"""Entity annotation at ingest: which recognised spans are names. A capitalised common word that the article
also writes in lower case is a sentence or cell opener, not a name; a real one-word name stays; an entity the
recogniser cut short is widened over the proper nouns before it. Markdown's inline markers are blanked before the
recogniser reads a text (offsets kept), and a name the writer emphasised is found whole."""

from __future__ import annotations

import json

from ingest.annotate import (
    annotate_chunks,
    annotate_row,
    annotate_text,
    annotate_texts,
    emphasised_names,
    is_common_word,
    lower_case_words,
    read_annotations,
)
from ingest.chunker import chunk_article
from ingest.core.text import blank_markup, unmarked
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
                    found.add(parse_article(SHOWS).source_text[start:end])
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


# --- markdown markup ---------------------------------------------------------------------------------------

def _entity_texts(text: str) -> list[tuple[str, str]]:
    """(source text, label) of each entity `annotate_text` finds, read back at its source offsets."""
    return [(text[s:e], label) for sentence in annotate_text(text) for s, e, label in sentence["entities"]]


def test_blank_markup_keeps_every_offset_and_blanks_only_markers() -> None:
    text = "**Acme Radio** is *really* [a show](http://x.io/a_b) by `Zorblax`; 5 * 3 and snake_case stay."
    blanked = blank_markup(text)
    assert len(blanked) == len(text)
    assert "*" not in blanked.replace("5 * 3", "") and "`" not in blanked and "](" not in blanked
    assert blanked.index("Acme Radio") == text.index("Acme Radio")
    assert "5 * 3" in blanked and "snake_case" in blanked  # no emphasis: a product and a word with underscores
    assert blank_markup("A plain sentence, with (brackets) and [1] markers.") == \
        "A plain sentence, with (brackets) and [1] markers."


def test_a_strong_mark_whose_opener_the_text_begins_after_is_blanked() -> None:
    # a bullet body begins after its opening "**": the closing one is markup all the same
    assert blank_markup("Acme Radio** is a show.") == "Acme Radio   is a show."


def test_unmarked_reads_like_the_rendered_markdown() -> None:
    assert unmarked("**Acme Radio** is [a show](http://x.io) by `Zorblax`.") == "Acme Radio is a show by Zorblax."
    assert unmarked("Ahead of Brightwater (2nd). [1][2]") == "Ahead of Brightwater (2nd). [1][2]"  # markers stay
    assert unmarked("No markup here.") == "No markup here."


def test_entities_in_emphasis_are_found_without_the_marks() -> None:
    # read with the marks, the recogniser took them into the names ("Zorblax Wavecast*", "Marta Velloso**")
    text = "Zorblax Wavecast** is a podcast produced by Quillon Media. Its host is **Marta Velloso**."
    names = {t for t, _ in _entity_texts(text)}
    assert {"Zorblax Wavecast", "Quillon Media", "Marta Velloso"} <= names
    assert not any("*" in t for t in names)


def test_emphasised_title_case_opener_is_a_name_but_emphasised_words_are_not() -> None:
    text = "**Dawn Patrol Hour** runs every week. It is **really** good. **Note:** it airs live."
    assert [text[s:e] for s, e in emphasised_names(text)] == ["Dawn Patrol Hour"]
    assert "really" not in {t for t, _ in _entity_texts(text)}
    assert emphasised_names("**Important** changes came later.") == []  # one English word: emphasis, no name
    assert emphasised_names("It was a **Very Good Year** for us.") == []  # inside a sentence: emphasis


def test_an_emphasised_name_the_recogniser_missed_or_cut_is_added_whole() -> None:
    # spaCy alone finds "Quiet" of the first and "Green Field" of the second
    assert ("Quiet Hours", "PROPN") in _entity_texts("**Quiet Hours** returns.")
    assert "Green Field Notes" in {t for t, _ in _entity_texts("The best pick is below. **Green Field Notes**")}


def test_a_name_with_emphasis_inside_reads_without_it() -> None:
    source = "Hosts include Velloso **Radio** Group today."
    entities = read_annotations(json.dumps(annotate_text(source)), source)[0][2]
    assert any(e.text == "Velloso Radio Group" and source[e.start:e.end] == "Velloso **Radio** Group"
               for e in entities), entities


def test_annotating_many_texts_in_one_stream_equals_one_by_one() -> None:
    texts = [("Quillport opened the Marlow Institute in 2019. Its mayor, Ada Brenn, spoke.", 0),
             ("Vexhaven ranks 4th.", 120), ("", 200), ("Tarn Robotics and the Osk Bank fund it. Few do.", 300)]
    assert annotate_texts(texts) == [annotate_text(text, offset) for text, offset in texts]
    assert annotate_texts([]) == []
