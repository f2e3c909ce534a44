"""The name finder (`app.understand.names`) over a made-up article of lighthouses: entries by name, by another
form, by a misspelling and by a name their row or section gives them; the article's other names."""

from __future__ import annotations

import pytest

from app.understand.article import ArticleTerms
from app.understand.names import NameFinder, within

LIGHTS = ["Harrowgate Point Light", "Saltmere Beacon", "Kestrel Rock Lighthouse", "Fenwick", "Brisk Island Light",
          "Quillon"]


@pytest.fixture(scope="module")
def finder() -> NameFinder:
    article = ArticleTerms(
        entries=LIGHTS, noun="lighthouse",
        names=["Coastal Heritage Trust", "Fenwick College", "Brisk Island", "Marrow Bay"],
        aliases={"Saltmere Beacon": ["盐湖灯塔"], "Coastal Heritage Trust": ["CHT"]},
        owners={"Marrow Bay": ("Quillon",), "Coastal Heritage Trust": ("Fenwick", "Quillon")},
        dated={"1902": ("Quillon",), "1955": ("Fenwick", "Quillon")}, cells={"Old Grey Tower": "Fenwick"},
        vocabulary={"lighthouse", "keeper", "1902", "1955"})
    return NameFinder(article)


@pytest.mark.parametrize(("text", "entries"), [
    ("Is Kestrel Rock Lighthouse older than Saltmere Beacon?", [LIGHTS[2], LIGHTS[1]]),  # in order of mention
    ("Tell me about Kestrel Rock.", [LIGHTS[2]]),  # a leading span no other entry has
    ("Who kept Quilon in winter?", [LIGHTS[5]]),  # a misspelling of a name
    ("盐湖灯塔有多高", [LIGHTS[1]]),  # a Chinese form from the aliases
    ("Which lighthouse is the brightest?", []),
])
def test_find_entries(finder: NameFinder, text: str, entries: list[str]) -> None:
    assert finder.find_entries(text) == entries


def test_find_names_reads_other_names_and_their_aliases(finder: NameFinder) -> None:
    assert finder.find_names("Who funds the CHT these days?") == ["Coastal Heritage Trust"]
    assert finder.find_names("Is Marrow Bay near the Coastal Heritage Trust office?") == [
        "Marrow Bay", "Coastal Heritage Trust"]


def test_names_and_entries_keep_a_longer_name_apart_from_an_entry_inside_it(finder: NameFinder) -> None:
    # "Fenwick College" is a name, not the entry Fenwick; a name inside an entry's name is that entry
    assert finder.names_and_entries("Who teaches at Fenwick College?") == (["Fenwick College"], [])
    assert finder.names_and_entries("Is Fenwick College close to Fenwick?") == (["Fenwick College"], ["Fenwick"])
    assert finder.names_and_entries("How old is Brisk Island Light?") == ([], [LIGHTS[4]])


def test_entries_of_names_rows_and_years(finder: NameFinder) -> None:
    assert finder.entries_of("Where does the Marrow Bay light rank?", ["Marrow Bay"]) == ([LIGHTS[5]], [])
    # two entries mention the trust: it stands for neither
    assert finder.entries_of("Where does the trust's light rank?", ["Coastal Heritage Trust"]) == (
        [], ["Coastal Heritage Trust"])
    # a name a table row's cell gives its entry
    assert finder.entries_of("Where does the Old Grey Tower rank?", []) == ([LIGHTS[3]], [])
    # a year one entry mentions names it, unless something else in the question is unknown (not quiet)
    assert finder.entries_of("Where does the 1902 light rank?", []) == ([LIGHTS[5]], [])
    assert finder.entries_of("Where does the 1902 light rank?", [], quiet=False) == ([], [])
    assert finder.entries_of("Where does the 1955 light rank?", []) == ([], [])


def test_position_is_where_any_form_of_an_entry_first_appears(finder: NameFinder) -> None:
    text = "Is the Old Grey Tower above Quillon?"
    assert finder.position(text, LIGHTS[3]) < finder.position(text, LIGHTS[5])
    assert finder.position("nothing here", LIGHTS[0]) == len("nothing here")


def test_within() -> None:
    assert within("Tallest", "tallest lighthouse")
    assert not within("Tall Ships", "tallest lighthouse")


TITLES = ["Night Lights: Repairing an Old Lantern", "Kites Over the Harbour: A Weekend Guide",
          "Why Our Ferry Timetables Changed", "Night Markets Return"]


@pytest.fixture(scope="module")
def title_finder() -> NameFinder:
    return NameFinder(ArticleTerms(entries=TITLES, noun="post", names=[], aliases={}, owners={}, dated={}, cells={},
                                   vocabulary={"post", "night"}))


@pytest.mark.parametrize(("text", "entries"), [
    ("Who wrote the piece about lantern repairs?", [TITLES[0]]),  # two distinctive words, inflected
    ("What rank did the ferry timetable post get?", [TITLES[2]]),
    ("any weekend guide to harbour kites?", [TITLES[1]]),
    ("Which post is about the night?", []),  # "night" is in two titles: not distinctive
    ("Tell me about the harbour lantern", []),  # one word of each of two titles: neither is named
    ("Were the ferry timetables or the lanterns repaired?", []),  # two titles named so: neither is taken
    ("is 'night market returns' on the list?", [TITLES[3]]),  # every word of a name, inflected otherwise
])
def test_long_titles_are_named_by_their_distinctive_words(title_finder: NameFinder, text: str,
                                                          entries: list[str]) -> None:
    assert title_finder.find_entries(text) == entries


def test_a_number_inside_a_name_is_blanked_before_ranks_are_read() -> None:
    finder = NameFinder(ArticleTerms(entries=["Delta Twelve", "Pier 12 Larder", "Saltmere"], noun="kite", names=[],
                                     aliases={}, owners={}, dated={}, cells={}, vocabulary=set()))
    text = "Did Delta Twelve beat Pier 12 Larder to the top 3?"
    names, entries = finder.names_and_entries(text)
    blanked = finder.without_names(text, names, entries)
    assert "twelve" not in blanked and "12" not in blanked and "top 3" in blanked


def test_an_acronym_name_counts_only_written_in_capitals() -> None:
    """"us", "it" and "who" are words; "US", "IT" and "WHO" are the article's names."""
    article = ArticleTerms(entries=LIGHTS, noun="lighthouse", names=["US", "IT", "WHO", "Coastal Heritage Trust"])
    finder = NameFinder(article)
    assert finder.find_names("We keep boats. Which lighthouse suits us, and is it lit at night?") == []
    assert finder.find_names("who looks after it?") == []
    assert finder.find_names("Which one did US and WHO inspectors visit?") == ["US", "WHO"]
