"""Answers that read as a person would write them: a comparison says how its entries differ in one sentence before
the evidence, a refusal names what is missing in English word order (read off the parse), and a list of
organisations holds the names that stand for organisations where the article mentions them (entity label and
parse), whatever their capital letters."""

from __future__ import annotations

import re

import pytest

from app.answer.organisations import is_organisation
from app.answer.strategies.compare import difference
from app.chatbot import Chatbot
from app.knowledge import Cell, ChunkRecord, RankEntry, Sentence
from app.understand.parse import QuestionParser
from ingest.annotate import Entity


def entry(rank: int, name: str, *topics: str) -> RankEntry:
    return RankEntry(rank, name, f"{rank}. {name}", 0, 1, 2, topics)


# -- comparisons -----------------------------------------------------------------------------------------
def test_the_difference_gives_the_ranks_and_the_labels_only_one_side_has() -> None:
    eastvale = entry(2, "Eastvale", "Ports & Shipping", "Trade Policy")
    westmoor = entry(5, "Westmoor", "Mining", "Trade Routes")  # "trade" is in both: no difference
    assert difference([westmoor, eastvale]) == ("Eastvale (2nd) ranks ahead of Westmoor (5th); Eastvale's section is "
                                                "about Ports & Shipping, Westmoor's about Mining.")


def test_the_difference_of_entries_with_the_same_labels_says_what_they_share() -> None:
    assert difference([entry(1, "Eastvale", "Ports"), entry(3, "Westmoor", "Ports")]) == \
        "Eastvale (1st) ranks ahead of Westmoor (3rd); both sections are about Ports."
    assert difference([entry(4, "Eastvale"), entry(4, "Westmoor")]) == "Eastvale (4th) ranks level with Westmoor (4th)."


def test_the_difference_of_table_rows_gives_their_ranks_only() -> None:
    rows = [RankEntry(r, n, f"{r}. {n}", 0, 1, 2, ("City", "Height (m)"), cells=(Cell("City", c, 0, 1),))
            for r, n, c in ((1, "Aurora Needle", "Dubai"), (5, "Lotus Spire", "Seoul"))]
    assert difference(rows) == "Aurora Needle (1st) ranks ahead of Lotus Spire (5th)."


def test_the_difference_of_three_entries_is_still_one_sentence() -> None:
    text = difference([entry(1, "Ash", "Ports", "Rail", "Air"), entry(2, "Birch", "Mining"),
                       entry(3, "Cedar", "Air", "Forestry")])
    assert text == ("Ash (1st) ranks ahead of Birch (2nd) and Cedar (3rd); Ash's section is about Ports and Rail; "
                    "Birch's about Mining; Cedar's about Forestry.")


def test_a_comparison_leads_with_how_the_entries_differ(bot: Chatbot) -> None:
    answer = bot.ask("How do Shenzhen and Hangzhou differ?")
    assert answer.route == "compare"
    first = re.sub(r"(\s*\[\d+\])+$", "", answer.text.splitlines()[0])
    assert first.startswith("Hangzhou (2nd) ranks ahead of Shenzhen (4th); ")
    assert "section is about" in first and "Shenzhen's about" in first
    assert first.endswith(".") and ". " not in first  # one sentence
    assert "highlights" not in answer.text and len(answer.citations) >= 4  # then each side's evidence


# -- refusals --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "whole"), [
    ("What is the average wage of a welder in Springfield?", "the average wage of a welder in Springfield"),
    ("What is the budget for the new harbour park?", "the budget for the new harbour park"),
    ("What is Springfield's population?", "Springfield's population"),
    ("What is the population of New Springfield City?", "New Springfield City's population"),
    ("What is its population?", "its population"),
    ("Who is the mayor of Springfield?", "Springfield's mayor"),
    ("What is the population?", None),
])
def test_the_focus_with_its_owner_reads_in_english_word_order(question: str, whole: str | None) -> None:
    focus = QuestionParser("city", "cities").parse(question).focus
    assert focus is not None and focus.whole == whole


@pytest.mark.parametrize(("question", "refusal"), [
    ("What is the average rent of a flat near the river in Hangzhou?",
     "The article doesn't give the average rent of a flat near the river in Hangzhou."),
    ("What is the average salary of a nurse in Jinan?", "The article doesn't give the average salary of a nurse in "
                                                        "Jinan."),
    ("What is Beijing's GDP?", "The article doesn't give Beijing's GDP."),
])
def test_a_refusal_names_what_is_missing_in_english_word_order(bot: Chatbot, question: str, refusal: str) -> None:
    answer = bot.ask(question)
    assert answer.abstained and answer.text == refusal


# -- organisations ---------------------------------------------------------------------------------------
def sentence(text: str, *names: tuple[str, str]) -> tuple[Sentence, dict[str, Entity]]:
    """A made-up article sentence with the entities (text, spaCy label) the recogniser would have given it."""
    chunk = ChunkRecord("c", 0, text, text, "bullet", "1. Northport", None, 1, "Northport", 0, len(text))
    entities = {n: Entity(n, text.index(n), text.index(n) + len(n), label) for n, label in names}
    return Sentence(0, chunk, text, 0, len(text), True, tuple(entities.values())), entities


@pytest.mark.parametrize(("text", "names", "organisations"), [
    ("Gaming giants like Zorblat use AI for real-time content.", [("Zorblat", "PERSON")], {"Zorblat"}),
    ("Vantorix, Qelmo, and Brightwave Robotics lead in AI-powered IoT and robotics.",
     [("Vantorix", "ORG"), ("Qelmo", "PROPN"), ("Brightwave Robotics", "ORG"), ("IoT", "ORG")],
     {"Vantorix", "Qelmo", "Brightwave Robotics"}),
    ("Northport's Harbor Science Park hosts yearly AI fairs.", [("Northport", "GPE"), ("Harbor Science Park", "PROPN")],
     set()),
    ("Trellis Bank builds on the Q7 model from Ostrano.",
     [("Trellis Bank", "ORG"), ("Q7", "PROPN"), ("Ostrano", "ORG")], {"Trellis Bank", "Ostrano"}),
    ("The team used Skyview (a drone platform) for mapping.", [("Skyview", "PRODUCT")], set()),
])
def test_an_organisation_is_read_off_its_label_and_its_use(text: str, names: list[tuple[str, str]],
                                                           organisations: set[str]) -> None:
    s, entities = sentence(text, *names)
    assert {n for n, e in entities.items() if is_organisation(e, s)} == organisations


def listed(answer_text: str) -> list[str]:
    lead = answer_text.splitlines()[0]
    return re.split(r", | and ", re.sub(r"\.(\s*\[\d+\])*$", "", lead.split(": ", 1)[1]))


def test_a_list_of_companies_holds_organisations_only(bot: Chatbot) -> None:
    names = listed(bot.ask("Which companies does the article mention anywhere?").text)
    assert {"Huawei", "DJI", "UBTech Robotics", "Moonshot AI", "Meitu", "Tencent", "Pony.ai"} <= set(names)
    assert not {"IoT", "AI Park", "R1", "AIaaS", "Service", "GPT-4", "FlashMLA", "Beijing-Tianjin-Hebei"} & set(names)


def test_a_list_of_people_or_universities_is_not_filtered_as_organisations(bot: Chatbot) -> None:
    assert {"Tsinghua University", "Nanjing University"} <= set(listed(bot.ask("Which universities are named?").text))
