"""Yes/no answers read the polarity and the restriction of the evidence: a sentence that negates the claim, or
denies or widens the question's "only", answers "No"; a negation elsewhere in the sentence changes nothing."""

from __future__ import annotations

import pytest

from app.answer.polarity import Stance, claim_holds, stance, stances
from app.answer.strategies.yes_no import YesNo
from app.chatbot import Chatbot
from app.understand.intent import QuestionPolarity
from app.understand.polarity import question_polarity
from ingest.core.text import terms
from tests.app.test_strategies import run
from tests.conftest import article_bot

STATIONS = """# The 5 Best Community Radio Stations of Norland

Community radio is alive in Norland. This list ranks the five best community radio stations of the country by \
how many listeners tune in each week.

## 1. Harbour FM

Harbour FM broadcasts from the fishing port of Kelby. The station isn't purely about music, but its hosts read the \
local news every hour and interview the harbour master on Fridays.

## 2. Valley Voice

Valley Voice started as a school project in 1998. It is not available online, but it plays folk music from the \
hill villages every evening.

## 3. Northwind Radio

Northwind Radio covers sport and weather for the northern islands. Its morning show is hosted by Ada Brenner.

## 4. Cedar Wave

Cedar Wave never takes calls from listeners. The station is run by volunteers from the cedar mill.

## 5. Lakeside Live

Lakeside Live has no studio of its own. The station borrows a room in the town library for its broadcasts.
"""


@pytest.fixture(scope="module")
def stations_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over `STATIONS`, a ranking whose sections affirm, negate and restrict claims."""
    return article_bot(tmp_path_factory.mktemp("stations-bot"), "stations.md", STATIONS, embeddings)


def lead(bot: Chatbot, question: str) -> str:
    draft = run(bot, YesNo, question)
    assert draft is not None, question
    return draft.text


class TestAnswersReadThePolarityOfTheEvidence:
    @pytest.mark.parametrize("question", [
        "Does Valley Voice play folk music?",  # "is not available online" is another clause: no flip
        "Is Cedar Wave run by volunteers?",
        "Does Northwind Radio cover sport?",
        "Is Harbour FM about music?",  # "isn't purely about music": about music it is
    ])
    def test_affirmed_claims_are_yes(self, stations_bot: Chatbot, question: str) -> None:
        assert lead(stations_bot, question).startswith("Yes. "), question

    @pytest.mark.parametrize("question", [
        "Is Valley Voice available online?",
        "Does Cedar Wave take calls from listeners?",
        "Does Lakeside Live have a studio of its own?",
    ])
    def test_negated_evidence_is_no(self, stations_bot: Chatbot, question: str) -> None:
        text = lead(stations_bot, question)
        assert text.startswith("No. "), text

    @pytest.mark.parametrize("question", [
        "Is Harbour FM only about music?",  # the article denies the restriction ("isn't purely")
        "Is Harbour FM exclusively about music?",
        "Does Northwind Radio cover only sport?",  # the article widens it ("sport and weather")
    ])
    def test_a_restricted_claim_the_article_denies_or_widens_is_no(self, stations_bot: Chatbot, question: str) -> None:
        text = lead(stations_bot, question)
        assert text.startswith("No. "), text

    def test_a_biased_negative_question_is_answered_about_the_positive(self, stations_bot: Chatbot) -> None:
        # "Doesn't X …?" asks whether X does, expecting yes: the article says it never does
        assert lead(stations_bot, "Doesn't Cedar Wave take calls from listeners?").startswith("No. ")
        assert lead(stations_bot, "Isn't Valley Voice available online?").startswith("No. ")
        assert lead(stations_bot, "Isn't Harbour FM purely about music?").startswith("No. ")
        assert lead(stations_bot, "Doesn't Valley Voice play folk music?").startswith("Yes. ")

    def test_a_question_negated_inside_its_clause_asks_about_the_negative(self, stations_bot: Chatbot) -> None:
        assert lead(stations_bot, "Is Valley Voice not available online?").startswith("Yes. ")
        assert lead(stations_bot, "Does Cedar Wave not take calls from listeners?").startswith("Yes. ")
        assert lead(stations_bot, "Is Cedar Wave not run by volunteers?").startswith("No. ")

    def test_nothing_matching_is_still_not_said(self, stations_bot: Chatbot) -> None:
        for question in ("Does Cedar Wave broadcast in French?", "Is Lakeside Live only about jazz?"):
            assert lead(stations_bot, question).startswith("The article doesn't say"), question

    def test_claims_about_the_entry_at_a_rank_read_the_polarity_too(self, stations_bot: Chatbot) -> None:
        assert lead(stations_bot, "Is the best station only about music?").startswith("No. Harbour FM is ranked 1st")
        assert lead(stations_bot, "Is the best station about music?").startswith("Yes. Harbour FM is ranked 1st")
        assert lead(stations_bot, "Is the 2nd station available online?").startswith("No. Valley Voice")
        assert lead(stations_bot, "Is the 4th station run by volunteers?").startswith("Yes. Cedar Wave")

    def test_the_quote_is_the_clause_that_decides(self, stations_bot: Chatbot) -> None:
        draft = run(stations_bot, YesNo, "Is Harbour FM only about music?")
        assert draft is not None and any("isn't purely about music" in c.quote for c in draft.citations)


def plain(_: str) -> set[str]:
    return {_}


class TestStance:
    """`stance` and `claim_holds` on single sentences, without an article."""

    def test_the_clause_that_carries_the_claim_is_read_not_the_sentence(self) -> None:
        sentence = "The bridge is not open in winter, but it carries trains across the bay."
        assert stance(sentence, {"train": 1.0}, plain) == Stance(matched=True, terms=frozenset({"train"}))
        assert stance(sentence, {"winter": 1.0}, plain).negated

    def test_negative_determiners_and_never(self) -> None:
        assert stance("There is no ferry across the bay.", {"ferri": 1.0}, plain).negated
        assert stance("The tower has never been open to visitors.", {"visitor": 1.0}, plain).negated

    def test_a_negated_restriction_leaves_the_claim_standing(self) -> None:
        found = stance("The show covers not only chess but also go.", {"chess": 1.0}, plain)
        assert found.restriction_denied
        assert claim_holds(QuestionPolarity(), found)
        assert not claim_holds(QuestionPolarity(restricted=True), found)

    def test_clauses_that_share_the_claim_equally_must_all_hold(self) -> None:
        sentence = "The podcast isn't purely about gardens, but its host fixes fences with gardens in mind."
        found = stances(sentence, {"garden": 1.0}, plain)
        assert len(found) == 2 and found[0].restriction_denied and not found[1].negated
        assert all(claim_holds(QuestionPolarity(), clause) for clause in found)
        assert not all(claim_holds(QuestionPolarity(restricted=True), clause) for clause in found)

    @pytest.mark.parametrize(("question", "yes"), [
        ("Is Kelby a port without a lighthouse?", True),
        ("Is Kelby a port with a lighthouse?", False),
        ("Is Kelby a busy port?", True),  # "without" negates its object only
    ])
    def test_without_negates_its_object(self, question: str, yes: bool) -> None:
        asked = question_polarity(question)
        weights = {t: 1.0 for t in terms(question) if t not in asked.subject}
        found = stances("Kelby is a busy port without a lighthouse.", weights, plain)
        assert found and all(claim_holds(asked, clause) for clause in found) is yes

    def test_no_match_means_no_stance(self) -> None:
        assert not stance("The tower is not open.", {"ferri": 1.0}, plain).matched

    def test_question_polarity(self) -> None:
        asked = question_polarity("Isn't the show only about chess?")
        assert asked.negated and asked.biased and asked.restricted and asked.restrictors == {"onli"}
        assert asked.negated_terms == {"chess"}
        asked = question_polarity("Is the show not about chess?")
        assert asked.negated and not asked.biased and not asked.restricted
        assert question_polarity("Is there no ferry?").negated
        assert not question_polarity("Is it the only bridge in town?").restricted

    @pytest.mark.parametrize(("question", "yes"), [
        ("Does the museum show paintings that were never restored?", True),
        ("Does the museum show paintings that were restored?", False),  # the relative clause is the one negated
        ("Does the museum show paintings?", True),
    ])
    def test_a_negation_inside_a_clause_is_compared_with_the_evidence_clause_it_matches(
            self, question: str, yes: bool) -> None:
        asked = question_polarity(question)
        weights = {t: 1.0 for t in terms(question) if t not in asked.subject}
        found = stances("The museum shows paintings that were never restored.", weights, plain)
        assert all(claim_holds(asked, clause) for clause in found) is yes
