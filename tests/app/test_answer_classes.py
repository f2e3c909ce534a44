"""Answer classes found on a spent blind set, each met by a general mechanism and tested here on made-up questions
over a made-up ranking (`HARBOURS`): names mentioned under several entries, a top-N asked as a fact, a wh-word of
a relative clause, a number between "which" and its noun, a rank claimed for what the article doesn't rank, a
follow-up that moves along the ranking from "it", an abbreviation the article spells out, a list of names about
one topic, the method asked as a selection, entries asked for with "or", why entries named together are listed,
a yes/no claim made of a container noun ("any X projects"), the name of a thing the article never mentions, and
a name the article never mentions placed in an entry, yes/no rank claims about what the article doesn't rank, and
"the top town" claimed in a yes/no question, what two entries have in common (the names both sections mention),
"there" in a follow-up, and a count of residents that a synonym of "people" does not answer."""

from __future__ import annotations

import pytest

from app.chatbot import Chatbot
from app.understand.intent import AnswerType
from app.understand.parse import QuestionParser, alternatives
from tests.conftest import article_bot

# Made up for these tests: organisations mentioned under two entries each, a trends section that names entries
# together with the reason they are listed, a state fund known by its initials, a methodology note naming reports.
HARBOURS = """Velmora's Top 6 Harbour Towns in 2031: The Full Ranking

This list ranks the six leading harbour towns of Velmora in 2031, based on cargo volume, shipyard strength, \
and port investment, drawn from public harbour records and trade reports:

1. Quillport

Key Strengths:

  • Shipping & Research: Home to Corvane Shipping (container lines) and Halden Marine (ferry design). Hosts \
the Mirelle Institute, driving basic research in hull coatings.
  • Port Funding: The town council backs new deep-water berths. Quillport handles 31% of Velmora's container \
cargo.

2. Brannock

Key Strengths:

  • Shipbuilding: Ostler Yards builds icebreakers and survey vessels for northern routes.
  • Tidal Power: The town runs a tidal barrage that feeds the dockside cranes.

3. Dellmere

Key Strengths:

  • Fishing & Cold Storage: Pellgrin Foods runs the largest cold store on the coast, which cuts spoilage by \
25%.
  • Harbour Tech: Dellmere's Eastquay District launched a sensor-based berth booking service for small boats.

4. Farrowick

Key Strengths:

  • Ferries: Corvane Shipping runs its island ferry routes from Farrowick's south dock.
  • Training: The Farrowick Nautical College trains deck officers for the whole fleet.

5. Glenhaven

Key Strengths:

  • Regional Gateway: Serves as a gateway for cargo bound for the inland lakes, supported by Halden Marine's \
repair base.

6. Hartsel

Key Strengths:

  • Dredging & Surveys: The Hartsel Dock Authority partners with the Mirelle Institute on seabed mapping for \
new channels.

Trends & Observations

  • Spreading Out: Towns like Glenhaven and Hartsel show Velmora's push to spread shipping jobs beyond the \
old ports.
  • Public Money: The $40B state port development fund prioritizes dredging, ferry electrification, and tidal power, \
speeding up works in Quillport and Brannock.

For methodology details, refer to reports by Pellor Analytics and the Travask Group.
"""


@pytest.fixture(scope="module")
def harbours_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    return article_bot(tmp_path_factory.mktemp("harbours-bot"), "harbours.txt", HARBOURS, embeddings)


class TestNamesUnderSeveralEntries:
    @pytest.mark.parametrize("question", [
        "Corvane Shipping appears under two towns. Which ones?",
        "The Mirelle Institute is tied to which two towns in the list?",
        "Which towns mention Halden Marine?",
    ])
    def test_every_entry_that_mentions_the_name(self, harbours_bot: Chatbot, question: str) -> None:
        answer = harbours_bot.ask(question)
        assert answer.route == "homes_of_names", answer.route
        expected = {"Corvane": ("Quillport", "Farrowick"), "Mirelle": ("Quillport", "Hartsel"),
                    "Halden": ("Quillport", "Glenhaven")}[next(k for k in ("Corvane", "Mirelle", "Halden")
                                                              if k in question)]
        for town in expected:
            assert town in answer.text
        assert {c.section for c in answer.citations} >= {f"{i}. {t}" for i, t in ((1, expected[0]),)}

    def test_each_of_two_names_gets_its_entry(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("where are Pellgrin Foods and Ostler Yards based?")
        assert "Dellmere" in answer.text and "Brannock" in answer.text


class TestTopNAskedAsAFact:
    @pytest.mark.parametrize(("question", "count"), [
        ("What are the top three harbour towns of Velmora?", 3),
        ("What are the best two harbour towns in 2031?", 2),
    ])
    def test_lists_that_many_entries_in_order(self, harbours_bot: Chatbot, question: str, count: int) -> None:
        answer = harbours_bot.ask(question)
        assert answer.route == "top_n_asked_as_fact"
        towns = ["Quillport", "Brannock", "Dellmere", "Farrowick"]
        positions = [answer.text.index(t) for t in towns[:count]]
        assert positions == sorted(positions)
        assert towns[count] not in answer.text


class TestParse:
    def test_a_relative_clause_s_wh_word_is_not_the_question_s(self) -> None:
        parsed = QuestionParser("town", "towns").parse(
            "I'm a sailor who wants to be near shipyards, where should I move?")
        assert parsed.wh == "where"
        assert parsed.answer_type is not AnswerType.PERSON

    def test_a_wh_determiner_is_no_relative_pronoun(self) -> None:
        assert QuestionParser("town", "towns").parse("Which boats does Quillport build?").wh == "which"

    def test_a_number_between_which_and_its_noun(self) -> None:
        parsed = QuestionParser("town", "towns").parse("Acme Port is tied to which two towns?")
        assert parsed.focus is not None and parsed.focus.head == "town" and parsed.focus.plural
        assert parsed.answer_type is AnswerType.ENTRY

    def test_recommendation_with_a_relative_clause_is_not_refused(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("I'm a shipwright who wants to be near icebreaker yards, where should I move?")
        assert not answer.abstained
        assert "Brannock" in answer.text


class TestRankClaimedForSomethingUnranked:
    def test_the_premise_is_corrected_and_the_holder_answers(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Since Zedburg is ranked 3rd, what is it known for?")
        assert answer.text.startswith("That premise is not right: the article doesn't rank Zedburg")
        assert "Dellmere" in answer.text and not answer.abstained
        assert answer.route.startswith("corrected_holder_")
        assert answer.text.count("is ranked 3rd") <= 1

    def test_a_proper_name_claimed_to_hold_a_rank(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Since Orlov Bay is ranked 2nd, what does it build?")
        assert answer.text.startswith("That premise is not right") and "Brannock" in answer.text

    def test_a_rank_beyond_the_ranking_is_still_refused(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Since Zedburg is ranked 9th, what is it known for?")
        assert answer.abstained and "Zedburg" in answer.text


class TestFollowUpAlongTheRanking:
    def test_it_and_the_entry_below_it(self, harbours_bot: Chatbot) -> None:
        first = harbours_bot.ask("Which town is ranked 2nd?")
        answer = harbours_bot.ask("compare it with the town right below it",
                                  history=[("Which town is ranked 2nd?", first.text)])
        assert "Brannock" in answer.text and "Dellmere" in answer.text


class TestAbbreviations:
    def test_an_abbreviation_is_spelled_out_with_the_article_s_words(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Apart from dredging, what else does the state PD fund prioritize?")
        assert not answer.abstained
        assert "ferry electrification" in answer.text and "tidal power" in answer.text

    def test_an_abbreviation_without_a_neighbour_in_the_article_stays(self, harbours_bot: Chatbot) -> None:
        rewriter = harbours_bot.engine.analyzer.rewriter
        assert rewriter.expand_abbreviations("Who runs the PD office?") == "Who runs the PD office?"
        assert rewriter.expand_abbreviations("the state PD fund") == "the state port development fund"


class TestNamesAboutOneTopic:
    def test_a_list_of_names_keeps_to_the_topic_the_question_gives(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Which firms' reports does the article cite for its methodology?")
        assert "Pellor Analytics" in answer.text and "Travask" in answer.text
        assert "Corvane" not in answer.text and "Ostler" not in answer.text

    def test_without_a_topic_every_name(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Which companies does the article mention?")
        assert "Corvane Shipping" in answer.text and "Ostler Yards" in answer.text


class TestTheMakingAskedAsASelection:
    def test_the_method_answers(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("On what grounds were the towns picked, was it just size?")
        assert not answer.abstained
        assert "cargo volume" in answer.text


class TestAlternatives:
    @pytest.mark.parametrize(("question", "sides"), [
        ("Which towns have ferries or tugboats?", (("ferri",), ("tugboat",))),
        ("Which towns build icebreakers or run ferries?", (("build", "icebreak"), ("ferri",))),
        ("Which towns have cold storage?", ()),
    ])
    def test_sides_of_an_or_are_read_off_the_parse(self, question: str, sides: tuple) -> None:
        assert alternatives(question) == sides

    def test_an_entry_matching_either_side_is_listed(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Which towns have something going on with icebreakers or cold storage?")
        assert "Brannock" in answer.text and "Dellmere" in answer.text


class TestEntriesNamedTogether:
    def test_the_sentence_naming_them_together_comes_first(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Why are smaller ports like Glenhaven and Hartsel on the list?")
        assert answer.text.startswith("Spreading Out: Towns like Glenhaven and Hartsel")
        assert "ranks ahead of" in answer.text  # the comparison follows

    def test_without_such_a_sentence_the_comparison(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Why are Dellmere and Farrowick ranked where they are?")
        assert not answer.text.startswith("Spreading Out")


class TestContainerNouns:
    def test_a_claim_of_any_x_projects_is_a_claim_of_x(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Does Dellmere have any harbour tech projects?")
        assert answer.text.startswith("Yes.") and "Eastquay" in answer.text

    def test_a_follow_up_with_that_town(self, harbours_bot: Chatbot) -> None:
        first = harbours_bot.ask("Which town is home to Pellgrin Foods?")
        answer = harbours_bot.ask("Does that town have any harbour tech initiatives?",
                                  history=[("Which town is home to Pellgrin Foods?", first.text)])
        assert answer.text.startswith("Yes.") and "Eastquay" in answer.text


class TestTheNameOfAThing:
    def test_the_thing_named_is_the_focus(self) -> None:
        parsed = QuestionParser("town", "towns").parse("What's the name of Acme's flagship ferry?")
        assert parsed.focus is not None and parsed.focus.head == "ferry" and parsed.focus.named
        assert parsed.answer_type is AnswerType.NAME

    def test_a_thing_the_article_never_mentions_has_no_name_in_it(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What's the name of Corvane Shipping's flagship submarine?")
        assert answer.abstained and "doesn't name" in answer.text and "submarine" in answer.text

    def test_a_thing_the_article_mentions_is_answered(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What is the name of the college in Farrowick?")
        assert not answer.abstained and "Farrowick Nautical College" in answer.text


class TestUnknownNamePlacedInAnEntry:
    def test_a_name_the_article_never_mentions_is_refused(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What does Orlov Research Europe do in Quillport?")
        assert answer.abstained and "Orlov Research Europe" in answer.text

    def test_a_name_sharing_a_word_with_the_article_s_names_is_not(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What does the Mirelle lab do in Quillport?")
        assert not answer.abstained

    def test_a_lowercase_word_read_as_a_name_is_not(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("max cargo share quillport handles?")
        assert not answer.abstained and "31%" in answer.text


class TestYesNoFalsePremises:
    def test_a_rank_claimed_for_an_unranked_place_is_denied_with_its_holder(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Is Zedburg ranked 3rd?")
        assert answer.text.startswith("No. The article doesn't rank Zedburg") and "Dellmere" in answer.text
        assert not answer.abstained

    def test_a_top_n_claimed_for_an_unranked_place_is_denied(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("Is Zedburg one of the top 5?")
        assert answer.text.startswith("No. The article doesn't rank Zedburg")
        assert {c.section for c in answer.citations} == {"1. Quillport", "2. Brannock", "3. Dellmere", "4. Farrowick",
                                                         "5. Glenhaven"}

    def test_a_claim_that_is_no_rank_is_not_denied(self, harbours_bot: Chatbot) -> None:
        assert not harbours_bot.ask("Is Zedburg known for ferries?").text.startswith("No.")

    @pytest.mark.parametrize(("question", "lead"), [
        ("Is Dellmere the top harbour town?", "No"),
        ("Is Quillport the top town?", "Yes"),
        ("Is Hartsel the bottom town?", "Yes"),
    ])
    def test_the_top_town_claims_the_first_rank(self, harbours_bot: Chatbot, question: str, lead: str) -> None:
        assert harbours_bot.ask(question).text.startswith(lead)

    def test_top_in_a_wh_question_is_no_rank_claim(self) -> None:
        parser = QuestionParser("town", "towns")
        assert parser.parse("Is Dellmere the top town?").degree is not None
        assert parser.parse("What makes Dellmere the top town?").degree is None


class TestWhatEntriesShare:
    def test_names_both_sections_mention(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What do Quillport and Farrowick have in common?")
        assert "Both sections mention Corvane Shipping." in answer.text

    def test_nothing_shared_says_nothing(self, harbours_bot: Chatbot) -> None:
        assert "Both sections mention" not in harbours_bot.ask("Compare Brannock and Dellmere").text


class TestThere:
    @pytest.mark.parametrize(("follow_up", "standalone"), [
        ("Which company runs ferries there?", "Which company runs ferries in Farrowick?"),
        ("Is there a college there?", "Is there a college in Farrowick?"),
        ("What do they train from there?", "What do they train from Farrowick?"),
    ])
    def test_there_becomes_the_place(self, harbours_bot: Chatbot, follow_up: str, standalone: str) -> None:
        first = harbours_bot.ask("Tell me about Farrowick.")
        answer = harbours_bot.ask(follow_up, history=[("Tell me about Farrowick.", first.text)])
        assert answer.standalone_question == standalone


# Made up: a ranking whose profile maps "people" to the article's "passengers".
FERRIES = """# The 3 Busiest Ferry Lines of Velmora

This list ranks the three busiest ferry lines of Velmora by passengers carried in 2030.

## 1. Northline

The Northline serves Gull Island and carried 4 million passengers in 2030.

## 2. Bayline

The Bayline links the two halves of the bay and carried 3 million passengers in 2030.

## 3. Reefline

The Reefline runs to the outer reefs and carried 1 million passengers in 2030.
"""


@pytest.fixture(scope="module")
def ferries_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    root = tmp_path_factory.mktemp("ferries-bot")
    (root / "ferries.profile").mkdir()
    (root / "ferries.profile" / "profile.yaml").write_text("synonyms:\n  people: [passengers]\n", encoding="utf-8")
    return article_bot(root, "ferries.md", FERRIES, embeddings)


class TestResidents:
    def test_a_count_of_residents_is_not_a_count_of_passengers(self, ferries_bot: Chatbot) -> None:
        answer = ferries_bot.ask("How many people live on Gull Island?")
        assert answer.abstained

    def test_a_count_of_people_doing_something_else_still_reads_the_synonym(self, ferries_bot: Chatbot) -> None:
        answer = ferries_bot.ask("How many people did the Northline carry in 2030?")
        assert not answer.abstained and "4 million" in answer.text


class TestSaidOfAnotherEntry:
    """What the article says of one entry, asked of another, is refused and the other entry named; the same
    question asked of the right entry, and questions the named entry's own section answers, are answered."""

    @pytest.mark.parametrize(("question", "holder"), [
        ("How much does Brannock's cold store cut spoilage by?", "Dellmere"),
        ("Which college in Hartsel trains deck officers?", "Farrowick"),
        ("what does glenhaven's tidal barrage feed", "Brannock"),
    ])
    def test_refused_and_the_holder_named(self, harbours_bot: Chatbot, question: str, holder: str) -> None:
        answer = harbours_bot.ask(question)
        assert answer.abstained, answer.text
        assert holder in answer.text and not answer.citations

    @pytest.mark.parametrize(("question", "fact"), [
        ("How much does Dellmere's cold store cut spoilage by?", "25%"),
        ("Which college in Farrowick trains deck officers?", "Farrowick Nautical College"),
        ("What does Brannock's tidal barrage feed?", "cranes"),
        ("What share of container cargo does Quillport handle?", "31%"),
        ("What does Hartsel's dock authority map with its partner?", "seabed"),
    ])
    def test_the_right_entry_is_answered(self, harbours_bot: Chatbot, question: str, fact: str) -> None:
        answer = harbours_bot.ask(question)
        assert not answer.abstained and fact in answer.text, answer.text


class TestOffTopicAboutAnEntry:
    """A question that names an entry but asks about what the article never covers (the weather there, a
    currency's rate) is off-topic; one about what the article covers is answered."""

    @pytest.mark.parametrize("question", [
        "what's the weather going to be like in Quillport tomorrow?",
        "What's today's exchange rate between the Velmoran crown and the euro in Brannock?",
        "Will it rain in Dellmere this weekend?",
    ])
    def test_refused(self, harbours_bot: Chatbot, question: str) -> None:
        answer = harbours_bot.ask(question)
        assert answer.abstained, (answer.route, answer.text)

    def test_what_the_article_covers_is_answered(self, harbours_bot: Chatbot) -> None:
        answer = harbours_bot.ask("What share of Velmora's container cargo goes through Quillport?")
        assert not answer.abstained and "31%" in answer.text


class TestUnknownTopicOfAnEntry:
    """A question that names an entry but asks about what the article never mentions (a tax, a mayor's salary) is
    refused; one asked in other words for what the entry's section has is answered, compounds included."""

    @pytest.mark.parametrize("question", [
        "How big was Quillport's harbour tax in 2019?",
        "what is the average rent in Farrowick",
    ])
    def test_refused(self, harbours_bot: Chatbot, question: str) -> None:
        answer = harbours_bot.ask(question)
        assert answer.abstained, (answer.route, answer.text)

    @pytest.mark.parametrize(("question", "fact"), [
        ("What do Brannock's shipyards build?", "icebreakers"),
        ("How much spoilage does Dellmere's cold store save?", "25%"),
    ])
    def test_answered(self, harbours_bot: Chatbot, question: str, fact: str) -> None:
        answer = harbours_bot.ask(question)
        assert not answer.abstained and fact in answer.text, (answer.route, answer.text)

    def test_a_misspelled_name_is_the_name_not_a_topic(self, harbours_bot: Chatbot) -> None:
        from app.understand.intent import Intent, IntentKind

        evidence = harbours_bot.engine.answerer.evidence
        asked = Intent(kind=IntentKind.FACT, text="(a made-up question)", entries=("Quillport",),
                       terms=("quilport", "berth"))
        assert evidence.known_share(asked) == 1.0
        unknown = Intent(kind=IntentKind.FACT, text="(a made-up question)", entries=("Quillport",),
                         terms=("quilport", "tax"))
        assert evidence.known_share(unknown) == 0.0
