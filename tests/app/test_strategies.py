"""Each answering strategy on its own, over the real index of the shipped article: the strategy is called
directly with the analysed intent, so a routing change cannot hide a strategy's bug (and vice versa)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from app.answer.draft import Draft
from app.answer.strategies.base import Strategy
from app.answer.strategies.compare import Compare
from app.answer.strategies.conversation import Greeting, OutOfScope
from app.answer.strategies.fact import Fact
from app.answer.strategies.overview import Explain, Overview
from app.answer.strategies.ranking import EntryRank, Order, RankLookup
from app.answer.strategies.selection import ColumnFilter, Filter, ListEntities, Recommend
from app.answer.strategies.summary import Method, Summary, measure_span
from app.answer.strategies.yes_no import YesNo
from app.chatbot import Chatbot
from app.understand.intent import IntentKind
from app.understand.parse import comparative, comparison, extreme, particles
from app.verify import template_defects
from ingest.core.settings import Settings
from tests.conftest import article_bot


def run(bot: Chatbot, cls: type[Strategy], question: str) -> Draft | None:
    engine = bot.engine
    intent = engine.analyzer.analyze(question)
    retrieval = engine.retriever.retrieve(intent)
    router = engine.answerer
    draft = router.strategies[cls].answer(intent, retrieval)
    if draft is not None:
        source = engine.kb.source_text
        assert all(source[c.start:c.end] == c.quote for c in draft.citations)
        assert not template_defects(draft.text), draft.text
    return draft


def sections(draft: Draft) -> set[str]:
    return {c.section for c in draft.citations}


class TestRanking:
    def test_rank_lookup(self, bot: Chatbot) -> None:
        draft = run(bot, RankLookup, "Which city is ranked 8th?")
        assert draft and "Jinan" in draft.text and sections(draft) == {"8. Jinan"}
        assert "cities" in draft.text  # the profile's noun, not a word in code

    def test_rank_beyond_the_ranking_abstains(self, bot: Chatbot) -> None:
        draft = run(bot, RankLookup, "Who is 14th?")
        assert draft and draft.abstained and not draft.citations and "14th" in draft.text

    def test_neighbour(self, bot: Chatbot) -> None:
        draft = run(bot, RankLookup, "Which city comes after Jinan?")
        assert draft and "Tianjin" in draft.text

    def test_entry_rank_and_premise(self, bot: Chatbot) -> None:
        assert "7th" in run(bot, EntryRank, "Where does Chengdu rank?").text
        corrected = run(bot, EntryRank, "Why is Xiamen ranked first?")
        assert "not right" in corrected.text and "10th" in corrected.text and "Beijing" in corrected.text

    def test_yes_no_top_n(self, bot: Chatbot) -> None:
        assert run(bot, EntryRank, "Is Jinan in the top 5?").text.startswith("No")
        assert run(bot, EntryRank, "Is Shanghai in the top 3?").text.startswith("Yes")

    def test_higher_and_between(self, bot: Chatbot) -> None:
        higher = run(bot, EntryRank, "Which ranks higher, Tianjin or Nanjing?")
        assert higher.text.startswith("Nanjing ranks higher")
        between = run(bot, EntryRank, "Which cities are between Shanghai and Nanjing?")
        assert "Shenzhen" in between.text and "Guangzhou" in between.text

    def test_order(self, bot: Chatbot) -> None:
        top = run(bot, Order, "What are the top 3?")
        assert [c.section for c in top.citations] == ["1. Beijing", "2. Hangzhou", "3. Shanghai"]
        bottom = run(bot, Order, "bottom two")
        assert [c.section for c in bottom.citations] == ["9. Tianjin", "10. Xiamen"]
        assert len(run(bot, Order, "Give me the whole ranking").citations) == 10
        assert "10 cities" in run(bot, Order, "How many cities are ranked?").text


class TestEntries:
    def test_overview(self, bot: Chatbot) -> None:
        draft = run(bot, Overview, "Tell me about Jinan")
        assert draft and "8th" in draft.text and "Inspur" in draft.text and sections(draft) == {"8. Jinan"}

    def test_explain_picks_the_sentence_that_answers(self, bot: Chatbot) -> None:
        draft = run(bot, Explain, "What makes Chengdu important for the west of the country?")
        assert draft and "western China" in draft.text

    def test_compare_cites_both_sides_and_compares(self, bot: Chatbot) -> None:
        draft = run(bot, Compare, "How are Hangzhou and Shenzhen different in focus?")
        assert draft and {"2. Hangzhou", "4. Shenzhen"} <= sections(draft)
        assert "ahead of" in draft.text and "Hardware" in draft.text and "E-commerce" in draft.text

    def test_compare_needs_two_entries(self, bot: Chatbot) -> None:
        assert run(bot, Compare, "Compare Beijing") is None


class TestSelection:
    def test_filter_returns_every_match(self, bot: Chatbot) -> None:
        draft = run(bot, Filter, "Which cities does the article connect with Tencent?")
        assert draft and "Shanghai" in draft.text and "Chengdu" in draft.text

    def test_filter_by_topic(self, bot: Chatbot) -> None:
        draft = run(bot, Filter, "Which cities focus on energy?")
        assert draft and "Jinan" in draft.text and "Nanjing" in draft.text

    def test_recommend(self, bot: Chatbot) -> None:
        draft = run(bot, Recommend, "If I'm building a fintech startup, which city looks best?")
        assert draft and "Xiamen" in draft.text.split("\n")[0]
        robots = run(bot, Recommend, "Where should a robotics engineer move?")
        assert robots and any(city in robots.text.split("\n")[0] for city in ("Shenzhen", "Tianjin"))

    def test_list_entities(self, bot: Chatbot) -> None:
        draft = run(bot, ListEntities, "List the companies the article mentions for Shenzhen")
        assert draft is not None
        for company in ("Huawei", "DJI", "UBTech Robotics", "Moonshot AI", "ZhiPu AI"):
            assert company in draft.text
        universities = run(bot, ListEntities, "Which universities does the article name?")
        assert "Tsinghua University" in universities.text and "Nanjing University" in universities.text
        assert "Huawei" not in universities.text


class TestOpen:
    def test_summary(self, bot: Chatbot) -> None:
        draft = run(bot, Summary, "Give me a quick summary of the article")
        assert draft and {"Introduction", "1. Beijing", "Trends & Observations"} <= sections(draft)

    def test_fact_leads_with_the_typed_answer(self, bot: Chatbot) -> None:
        draft = run(bot, Fact, "How many users did DeepSeek's chatbot reach?")
        assert draft and draft.text.startswith("10 million")
        city = run(bot, Fact, "Which city hosts Alibaba's DAMO Academy?")
        assert city and city.text.startswith("Hangzhou")

    @pytest.mark.parametrize(("question", "says"), [
        ("Who is the mayor of Beijing?", "mayor"),
        ("What is the population of Hangzhou?", "population"),
        ("What is Baidu's current share price?", "share price"),
        ("Where is Google headquartered?", "Google"),
        ("Who founded DeepSeek?", "founded"),
    ])
    def test_fact_refuses_by_answer_type(self, bot: Chatbot, question: str, says: str) -> None:
        draft = run(bot, Fact, question)
        assert draft and draft.abstained and not draft.citations and says in draft.text

    def test_yes_no(self, bot: Chatbot) -> None:
        assert run(bot, YesNo, "Is Huawei in Shenzhen?").text.startswith("Yes")
        assert run(bot, YesNo, "Does Beijing host Inspur Group?").text.startswith("No")
        unknown = run(bot, YesNo, "Does Hangzhou have a Google office?")
        assert unknown.text.startswith("The article doesn't say") and unknown.abstained

    def test_greeting_examples_come_from_the_article(self, bot: Chatbot) -> None:
        draft = run(bot, Greeting, "hi")
        assert draft and "Xiamen" in draft.text and not draft.abstained and draft.mode == "help"

    def test_out_of_scope(self, bot: Chatbot) -> None:
        draft = run(bot, OutOfScope, "Write me a poem")
        assert draft and draft.abstained and not draft.citations


def test_router_falls_back_when_a_strategy_fails(bot: Chatbot, monkeypatch: pytest.MonkeyPatch) -> None:
    router = bot.engine.answerer

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(router.strategies[RankLookup], "answer", broken)
    answer = bot.ask("Which city is ranked 8th?")
    assert answer.mode == "fallback" and answer.citations and answer.notice


class TestNamesOfEntries:
    """Names the article mentions, in rank questions: the entry a name belongs to, or a refusal that says the
    article doesn't rank it (derived from the index, not written here)."""

    def test_a_name_of_one_entry_is_answered_with_that_entry_s_rank(self, bot: Chatbot) -> None:
        terms, kb = bot.engine.terms, bot.engine.kb
        name, (entry,) = next((n, o) for n, o in terms.owners.items() if len(o) == 1 and kb.is_proper_name(n))
        answer = bot.ask(f"Where does {name} rank?")
        rank = kb.entry_for(entry).rank
        assert not answer.abstained and answer.text.startswith(f"{entry} is ranked")
        assert any(c.rank == rank for c in answer.citations)
        # a fact question about the name is not turned into a rank answer
        assert not bot.ask(f"Who founded {name}?").text.startswith(f"{entry} is ranked")

    def test_a_name_no_entry_holds_is_not_ranked(self, bot: Chatbot) -> None:
        terms, kb = bot.engine.terms, bot.engine.kb
        name = next(n for n in terms.names if n not in terms.owners and n not in terms.entries and
                    kb.is_proper_name(n))
        draft = run(bot, Fact, f"Where does {name} rank?")
        assert draft is not None and draft.abstained
        assert f"mentions {name} but doesn't rank it" in draft.text and kb.ranking[0].name in draft.text

    def test_a_place_the_article_never_mentions_is_refused_with_what_it_ranks(self, bot: Chatbot) -> None:
        answer = bot.ask("Where does San Francisco rank here?")
        assert answer.abstained and "doesn't mention San Francisco" in answer.text
        assert bot.engine.kb.ranking[0].name in answer.text

# -- an article whose ranking is a table ---------------------------------------------------------------------------
TOWERS = """# The Tallest Towers

Towers ranked by height to the architectural top.

| Rank | Tower | City | Height (m) | Floors | Completed | Notes |
|---|---|---|---|---|---|---|
| 1. | Aurora Needle | Dubai | 828 | 163 | 2010 | Tallest building since 2010 |
| 2. | Meridian Tower | Shanghai | 632 | 128 | 2015 | Twisting facade; fastest lifts of its time |
| 3. | Crown Point | Mecca | 601 | 120 | 2012 | Largest clock face in the world |
| 4. | Harbor One | Shenzhen | 599 | 115 | 2017 |  |
| 5. | Lotus Spire | Seoul | 555 | 123 | 2017 | Tallest in the country |
| 6. | Marina Crest | Dubai | 413 | 101 | 2012 | Residential tower |
"""


class TestRankingClaims:
    """Claims in the ranking's own criterion, over `RIVERS` (a ranking of the five longest rivers)."""

    def test_a_criterion_claim_is_corrected(self, rivers_bot: Chatbot) -> None:
        draft = run(rivers_bot, Explain, "Why is Coldstream the longest river in Norland?")
        assert draft and "not right" in draft.text and "3rd" in draft.text and "Amberflow" in draft.text
        assert rivers_bot.engine.answerer.chain(rivers_bot.engine.analyzer.analyze(
            "Why is Coldstream the longest river in Norland?"))[0] is Explain  # whatever the classifier says

    def test_yes_no_about_the_entry_at_the_criterion_end(self, rivers_bot: Chatbot) -> None:
        yes = run(rivers_bot, YesNo, "Is the longest river known for its salmon hatchery?")
        assert yes and yes.text.startswith("Yes") and "Amberflow" in yes.text
        no = run(rivers_bot, YesNo, "Is the longest river known for its waterfalls?")
        assert no and no.text.startswith("No") and "Brightwater" in no.text and "Amberflow" in no.text
        unknown = run(rivers_bot, YesNo, "Is the longest river known for its lighthouses?")
        assert unknown and unknown.abstained

    def test_comparative_of_the_criterion_compares_ranks(self, rivers_bot: Chatbot) -> None:
        draft = run(rivers_bot, YesNo, "Is Dunmere longer than Brightwater?")
        assert draft and draft.text.startswith("No") and "2nd" in draft.text and "4th" in draft.text
        assert run(rivers_bot, YesNo, "Is Amberflow longer than Eastbrook?").text.startswith("Yes")

    def test_order_in_time_compares_dates(self, rivers_bot: Chatbot) -> None:
        draft = run(rivers_bot, YesNo, "Was Amberflow mapped before Brightwater was?")
        assert draft and draft.text.startswith("No") and "March 3, 1850" in draft.text and "June 1, 1820" in \
            draft.text
        assert run(rivers_bot, YesNo, "Was Amberflow mapped after Brightwater was?").text.startswith("Yes")

    def test_a_ranked_noun_names_the_entry(self, rivers_bot: Chatbot) -> None:
        draft = run(rivers_bot, RankLookup, "What is the number one waterway in the Top 5?")
        assert draft and "Amberflow" in draft.text and sections(draft) == {"1. Amberflow"}
        bottom = run(rivers_bot, Order, "Which are the two shortest rivers?")
        assert bottom and "Dunmere" in bottom.text and "Eastbrook" in bottom.text and "Coldstream" not in bottom.text

    def test_yes_no_about_an_entry_reads_sentences_that_name_it_elsewhere(self, rivers_bot: Chatbot) -> None:
        draft = run(rivers_bot, YesNo, "Did a storm flood the banks of the Dunmere?")
        assert draft and draft.text.startswith("Yes") and "great storm" in draft.text

    def test_the_rank_of_a_name_the_article_does_not_rank(self, rivers_bot: Chatbot) -> None:
        draft = rivers_bot.ask("Where does the Norland Survey Office rank?")
        assert "doesn't rank" in draft.text and "Amberflow" in draft.text and not draft.citations
        assert rivers_bot.ask("Is the Norland Survey Office in the top 3?").text.startswith("No")
        assert "2nd" in rivers_bot.ask("Where does Brightwater rank?").text

    def test_a_criterion_rank_of_another_year_is_refused(self, rivers_bot: Chatbot) -> None:
        router = rivers_bot.engine.answerer
        intent = rivers_bot.engine.analyzer.analyze("Which was the longest river in 2019?")  # 2019 is in the text
        refused = router._precheck(intent, router.signals(intent))
        assert refused is not None
        check, refusal = refused
        assert check == "other_period" and refusal.abstained and "2024" in refusal.text and "2019" in refusal.text
        covered = rivers_bot.engine.analyzer.analyze("Which was the longest river in 2024?")
        assert router._precheck(covered, router.signals(covered)) is None
        assert rivers_bot.ask("Which was the longest river in 2024?").text.startswith("Amberflow")


NORLAND_TOWERS = """# The 4 Tallest Towers of Norland

This list ranks the tallest towers of Norland by their height.

| Rank | Tower | Height (m) | Floors | Opening date | Comment |
|---|---|---|---|---|---|
| 1. | Skyneedle | 540 | 120 | May 1, 2001 | Tallest tower of the country |
| 2. | Harbour Spire | 480 | 98 | June 12, 1995 | Stands at the old port |
| 3. | Granite Point | 410 | 90 | March 3, 2010 | Built of local granite |
| 4. | Old Beacon | 350 | 70 | August 8, 1980 | The oldest of the four |
"""


@pytest.fixture(scope="module")
def table_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over a small article whose ranking is a markdown table."""
    return article_bot(tmp_path_factory.mktemp("table-bot"), "towers.md", TOWERS, embeddings)


@pytest.fixture(scope="module")
def towers_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over `NORLAND_TOWERS`, a ranking given as a table."""
    return article_bot(tmp_path_factory.mktemp("towers-bot"), "towers.md", NORLAND_TOWERS, embeddings)


def row_text(rank: int) -> str:
    """The row as the reader text has it: its cells separated by tabs."""
    line = next(line for line in TOWERS.splitlines() if line.startswith(f"| {rank}. "))
    return "\t".join(cell.strip() for cell in line.strip().strip("|").split("|"))


class TestTableRows:
    def test_rank_answer_gives_the_rows_values_under_their_headers_cited_to_the_row(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, RankLookup, "Which tower is ranked 2nd?")
        assert draft and draft.text.startswith("Meridian Tower is ranked 2nd of the 6 towers: City: Shanghai; ")
        assert "Height (m): 632; Floors: 128; Completed: 2015" in draft.text
        assert [c.quote for c in draft.citations] == [row_text(2)]  # the verbatim row
        assert "|" not in draft.text

    def test_empty_cells_are_left_out(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, RankLookup, "Which tower is 4th?")
        assert draft and "Completed: 2017." in draft.text and "Notes" not in draft.text

    def test_a_question_about_an_entry_gets_its_cells_not_only_its_rank(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, EntryRank, "What kind of record does Crown Point hold?")
        assert draft and "3rd" in draft.text and "Largest clock face in the world" in draft.text
        assert "Largest clock face in the world" in table_bot.ask("What is special about Crown Point?").text

    def test_a_quoted_row_reads_as_labelled_values(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, Fact, "Which tower has a twisting facade?")
        assert draft and "Meridian Tower (2nd): City: Shanghai; Height (m): 632" in draft.text
        assert "|" not in draft.text and row_text(2) in [c.quote for c in draft.citations]

    def test_overview_and_explain_give_the_rank_with_the_rows_values_once(self, table_bot: Chatbot) -> None:
        for cls, question in ((Overview, "Tell me about Crown Point"), (Explain, "Why is Crown Point third?")):
            draft = run(table_bot, cls, question)
            assert draft and draft.text.startswith("Crown Point is ranked 3rd of the 6 towers: City: Mecca;")
            assert draft.text.count("Height (m)") == 1 and [c.quote for c in draft.citations] == [row_text(3)]

    def test_a_topic_its_headers_may_name_in_other_words_is_left_to_the_row(self, table_bot: Chatbot) -> None:
        """A row's cells are what its headers name, in words a question rarely repeats ("storeys" for "Floors"):
        the refusal of a topic the article never mentions is for entries written as prose."""
        from app.answer.strategies.fact import unknown_topic

        engine = table_bot.engine
        for question in ("How many storeys does Harbor One have?", "What is the lift speed at Lotus Spire?"):
            intent = engine.analyzer.analyze(question)
            assert intent.entries and unknown_topic(engine.answerer.evidence, intent) is None

    def test_a_row_named_by_one_of_its_cells(self, table_bot: Chatbot) -> None:
        rank = run(table_bot, EntryRank, "Where does the Seoul tower rank?")
        assert rank and rank.text.startswith("Lotus Spire is ranked 5th")
        after = run(table_bot, RankLookup, "Which tower comes right after the Mecca tower?")
        assert after and after.text.startswith("Harbor One (4th) comes right after Crown Point (3rd)")
        assert run(table_bot, EntryRank, "Where does the Dubai tower rank?") is None  # two rows: no guess
        strategy = table_bot.engine.answerer.strategies[EntryRank]
        both = table_bot.engine.analyzer.analyze("Is the Seoul tower ranked above the Dubai one?")
        assert strategy.entry_by_its_cells(both) is None  # Dubai's rows don't include Seoul's: several rows asked
        premise = run(table_bot, Explain, "Why is the Seoul tower ranked 2nd?")
        assert premise and premise.text.startswith("That premise is not right: Lotus Spire is ranked 5th, not 2nd")

    def test_compare_gives_each_rows_values_once(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, Compare, "Compare Aurora Needle and Lotus Spire")
        assert draft and "Aurora Needle is ranked 1st of the 6 towers: City: Dubai; Height (m): 828" in draft.text
        assert "Lotus Spire is ranked 5th of the 6 towers: City: Seoul; Height (m): 555" in draft.text
        assert draft.text.count("Height (m)") == 2 and "highlights" not in draft.text

    def test_filter_by_a_name_scans_every_entry(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, Filter, "Which entries are in Dubai?")
        assert draft and sections(draft) == {"1. Aurora Needle", "6. Marina Crest"}
        assert "Aurora Needle and Marina Crest" in table_bot.ask("Which entries are in Dubai?").text

    @pytest.mark.parametrize(("question", "ranks"), [
        ("Which towers have a height of at least 600?", [1, 2, 3]),
        ("Which towers have more than 120 floors?", [1, 2, 5]),
        ("Which towers have 101 floors or fewer?", [6]),
        ("Which towers were completed before 2013?", [1, 3, 6]),  # a year compares with a date column
    ])
    def test_column_filter_compares_the_column_the_question_names(self, table_bot: Chatbot, question: str,
                                                                  ranks: list[int]) -> None:
        draft = run(table_bot, ColumnFilter, question)
        assert draft and [c.rank for c in draft.citations] == ranks
        assert [c.quote for c in draft.citations] == [row_text(r) for r in ranks]
        assert table_bot.ask(question).citations == draft.citations  # the router picks it

    @pytest.mark.parametrize(("question", "answer", "ranks"), [
        ("Which tower has the most floors?", "Aurora Needle (1st) has the highest Floors of the 6 towers: 163.", [1]),
        ("Which tower has the fewest floors?", "Marina Crest (6th) has the lowest Floors of the 6 towers: 101.", [6]),
        ("Which tower was completed most recently?",
         "Harbor One (4th) and Lotus Spire (5th) share the highest Completed of the 6 towers: 2017.", [4, 5]),
    ])
    def test_a_superlative_of_a_column_gives_the_rows_at_its_extreme(self, table_bot: Chatbot, question: str,
                                                                       answer: str, ranks: list[int]) -> None:
        draft = run(table_bot, ColumnFilter, question)
        assert draft and draft.text.startswith(answer) and [c.rank for c in draft.citations] == ranks

    def test_column_filter_with_no_match_says_so_and_names_the_extreme(self, table_bot: Chatbot) -> None:
        draft = run(table_bot, ColumnFilter, "Which towers have more than 200 floors?")
        assert draft and draft.text.startswith("None of the 6 towers") and "163" in draft.text

    def test_column_filter_stays_out_without_a_comparison_or_a_column(self, table_bot: Chatbot, bot: Chatbot) -> None:
        assert run(table_bot, ColumnFilter, "Which tower is ranked 2nd?") is None
        assert run(bot, ColumnFilter, "Which cities have more than 500 AI companies?") is None  # prose: no columns


@pytest.mark.parametrize(("question", "op", "value", "first_word"), [
    ("Which earthquakes reached magnitude 9 or more?", ">=", 9.0, "magnitude"),
    ("Which shows ran for more than 7,000 performances?", ">", 7000.0, "performances"),
    ("Which quakes had a magnitude of at least 9.1?", ">=", 9.1, "magnitude"),
    ("Which shows had fewer than 6000 performances?", "<", 6000.0, "performances"),
    ("Which towers are under 500 metres?", "<", 500.0, "metres"),
    ("Which shows opened after 1995?", ">", 1995.0, "shows"),
])
def test_comparison_is_read_off_the_parse(question: str, op: str, value: float, first_word: str) -> None:
    found = comparison(question)
    assert found is not None and (found.op, found.value, found.words[0]) == (op, value, first_word)
    assert found.year == ("after" in question)


def test_extreme_is_read_off_the_parse() -> None:
    most = extreme("Which show has the most performances?")
    assert most is not None and not most.lowest and most.words[0] == "performances"
    fewest = extreme("Which earthquake has the lowest magnitude?")
    assert fewest is not None and fewest.lowest and fewest.words[0] == "magnitude"
    assert extreme("Which tower was completed earliest?").earliest
    assert extreme("Which tower is ranked 2nd?") is None


def test_comparative_is_read_off_the_parse() -> None:
    more = comparative("Does Kestrel Hall have more rooms than Fenwick?")
    assert more is not None and not more.lowest and more.words[0] == "rooms"
    shorter = comparative("Is Kestrel Hall shorter than Fenwick?")
    assert shorter is not None and shorter.lowest and shorter.words[0] == "tall"  # graded on height's scale
    earlier = comparative("Was Kestrel Hall built earlier than Fenwick?")
    assert earlier is not None and earlier.earliest and earlier.lowest
    assert comparative("Is Kestrel Hall ranked 2nd?") is None


@pytest.mark.parametrize("question", ["What is number 5 on the list?", "Which happened in 1960?", "Top 3?"])
def test_no_comparison_without_a_comparative(question: str) -> None:
    assert comparison(question) is None


FRAMEWORKS = """# The Top 4 Web Frameworks of 2025

Four frameworks, ranked by developer adoption this year.

## 1. Alpha

Alpha moved up from third place this year. Its compiler is the fastest of the four.

## 2. Beta

Beta slid down from first place. Its community still answers questions within hours.

## 3. Gamma

Gamma climbed up two places after its new release. Its templates are easy to learn.

## 4. Delta

Delta kept its place. Prices for its hosting start from $5 and go up to $40 a month.
"""


@pytest.fixture(scope="module")
def prose_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over a small ranking written as headed prose."""
    return article_bot(tmp_path_factory.mktemp("prose-bot"), "frameworks.md", FRAMEWORKS, embeddings)


class TestPhrasalFilter:
    def test_every_entry_whose_verb_shares_the_questions_particle(self, prose_bot: Chatbot) -> None:
        up = run(prose_bot, Filter, "Which frameworks moved up compared with last year?")
        assert up and sections(up) == {"1. Alpha", "3. Gamma"}  # not Delta's "go up to $40"
        down = run(prose_bot, Filter, "Which frameworks moved down?")
        assert down and sections(down) == {"2. Beta"}

    def test_particles_are_read_off_the_parse(self) -> None:
        assert particles("Which categories moved up compared with the previous edition?") == {"up"}
        assert particles("Which categories moved down?") == {"down"}
        assert particles("Moving up from the fifth position, it leads.") == {"up"}
        assert particles("It comes with subsidies up to $2.8M for breakthroughs.") == frozenset()
        assert particles("Which shows were still running?") == frozenset()  # an adverb before its verb


class TestTableClaims:
    """Ranking claims over a table: the row's cells under their headers answer what was asked."""

    def test_a_value_of_the_criterion_end_comes_from_its_cell(self, towers_bot: Chatbot) -> None:
        draft = run(towers_bot, Fact, "How many floors does the tallest tower have?")
        assert draft and draft.text.startswith("120") and "Skyneedle" in draft.text

    def test_dates_compared_from_the_cells(self, towers_bot: Chatbot) -> None:
        draft = run(towers_bot, YesNo, "Did Skyneedle open before Harbour Spire did?")
        assert draft and draft.text.startswith("No") and "May 1, 2001" in draft.text and "June 12, 1995" in draft.text

    def test_criterion_claims_over_a_table(self, towers_bot: Chatbot) -> None:
        assert run(towers_bot, YesNo, "Is Granite Point taller than Old Beacon?").text.startswith("Yes")
        corrected = towers_bot.ask("Why is Old Beacon the tallest tower?")
        assert "not right" in corrected.text and "4th" in corrected.text and "Skyneedle" in corrected.text

    @pytest.mark.parametrize(("question", "lead", "values"), [
        ("Does Old Beacon have more floors than Granite Point?", "No. Granite Point", ("90", "70")),
        ("Which has fewer floors, Skyneedle or Harbour Spire?", "Harbour Spire", ("98", "120")),
        ("Is Harbour Spire shorter than Granite Point?", "No. Granite Point", ("410", "480")),
        ("is old beacon lower than skyneedle in height", "Yes. Old Beacon", ("350", "540")),
        ("Did Granite Point open earlier than Old Beacon?", "No. Old Beacon", ("1980", "2010")),
    ])
    def test_named_entries_compared_by_the_column_their_comparative_is_about(
            self, towers_bot: Chatbot, question: str, lead: str, values: tuple[str, str]) -> None:
        answer = towers_bot.ask(question)
        assert answer.route == "column_comparison", answer.route
        assert answer.text.startswith(lead), answer.text
        assert all(v in answer.text for v in values) and len(answer.citations) == 2


FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures"


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory, embeddings):
    """Warmed-up bots over the fixture articles (other ranking articles), built on first use."""
    bots: dict[str, Chatbot] = {}

    def get(name: str) -> Chatbot:
        if name not in bots:
            root = tmp_path_factory.mktemp(name.split(".")[0])
            chatbot = Chatbot(Settings(source_path=FIXTURES / name, chroma_path=root / "chroma",
                                       feedback_path=root / "feedback.jsonl", collection=name.split(".")[0][:40]),
                              embeddings=embeddings)
            chatbot.warm_up()
            bots[name] = chatbot
        return bots[name]

    return get


DGU = "digitalgov-university-2016-training-trends.html"
USGS = "usgs-largest-earthquakes.html"
OWASP = "owasp-top10-2021.md"


class TestSummaryAndMethod:
    def test_framing_prefers_informative_intro_sentences(self, other) -> None:
        draft = run(other(DGU), Summary, "Sum it up in two sentences")
        assert draft and "6,648" in draft.text  # the intro's second sentence: its numbers, not only the first line

    def test_table_ranking_gives_the_span_of_its_measure(self, other) -> None:
        bot = other(USGS)
        span = measure_span(bot.engine.kb)
        assert span and (span.first_value, span.last_value) == ("9.5", "8.4") and span.header == "Mag"
        draft = run(bot, Summary, "Summarize what this page lists")
        assert draft and "9.5" in draft.text and "8.4" in draft.text
        assert {c.rank for c in draft.citations} >= {1, 20}

    def test_no_measure_without_a_table(self, bot: Chatbot) -> None:
        assert measure_span(bot.engine.kb) is None

    def test_table_rows_have_their_sentences(self, other) -> None:
        kb = other(USGS).engine.kb
        assert all(kb.entry_sentences(e) for e in kb.ranking)

    def test_method_answers_from_the_methodology_section(self, other) -> None:
        draft = run(other(OWASP), Method, "How were the ten categories chosen?")
        assert draft and "Methodology" in sections(draft) and "eight" in draft.text

    def test_method_answers_from_the_intro_framing(self, bot: Chatbot) -> None:
        draft = run(bot, Method, "How did the authors decide the order of the cities?")
        assert draft and "policy support" in draft.text and sections(draft) == {"Introduction"}

    def test_router_sends_how_was_it_ordered_to_method(self, bot: Chatbot) -> None:
        answer = bot.ask("How were the cities chosen?")
        assert not answer.abstained and "industry influence" in answer.text

    @pytest.mark.parametrize("question", ["How do cities with ports use AI?", "How are cities supporting startups?"])
    def test_how_questions_about_a_topic_are_not_method_questions(self, bot: Chatbot, question: str) -> None:
        intent = bot.engine.analyzer.analyze(question)
        assert Method not in bot.engine.answerer.chain(intent)

    def test_method_of_a_bare_table_is_its_ordering_column(self, other) -> None:
        draft = run(other(USGS), Method, "How are the earthquakes ordered?")
        assert draft and "ordered by Mag" in draft.text and "9.5" in draft.text and "8.4" in draft.text

    def test_criteria_question_goes_to_method(self, bot: Chatbot) -> None:
        answer = bot.ask("What criteria were used to rank the cities?")
        assert not answer.abstained and "policy support" in answer.text

    def test_the_word_summarize_does_not_make_a_summary_specific(self, other) -> None:
        answer = other(DGU).ask("How would you summarize the article?")
        assert "Introduction" in {c.section for c in answer.citations}

    def test_summary_asked_how_adds_the_method_note(self, bot: Chatbot) -> None:
        draft = run(bot, Summary, "How was the ranking compiled?")
        assert draft and "Methodology" in sections(draft)
        plain = run(bot, Summary, "Give me a quick summary of the article")
        assert plain and "Methodology" not in sections(plain)


class TestEvidenceWords:
    def test_word_family_matches(self, bot: Chatbot) -> None:
        evidence = bot.engine.answerer.evidence
        assert "competit" in evidence.expanded("compet")
        assert not any(v.startswith("port") and v != "port" for v in evidence.expanded("port"))  # short: exact

    def test_a_paraphrase_the_vectors_miss_is_found_by_its_words(self, bot: Chatbot) -> None:
        draft = run(bot, Fact, "How are Chinese firms competing with American AI models?")
        assert draft and "cost efficiency" in draft.text and "Trends & Observations" in sections(draft)


class TestRefusalsByType:
    def test_who_with_nobody_named_about_the_subject(self, other) -> None:
        draft = run(other(DGU), Fact, "Who presented the Health Literacy Online webinar?")
        assert draft and draft.abstained and not draft.citations and "presented" in draft.text

    def test_who_with_a_person_named_answers(self, other) -> None:
        draft = run(other(DGU), Fact, "Who shared the need for actionable analytics?")
        assert draft and not draft.abstained and "Sam Bronson" in draft.text

    def test_one_of_is_no_count(self, other) -> None:
        draft = run(other(DGU), Fact, "Exactly how many people attended the FedRAMP High Baseline webinar?")
        assert draft and draft.abstained and "number of people" in draft.text

    def test_a_count_of_the_doing(self, other) -> None:
        draft = run(other(DGU), Fact, "How many people attended DGU events?")
        assert draft and not draft.abstained and "6,648" in draft.text

    def test_a_number_written_before_the_counted_noun_is_a_count(self, other) -> None:
        draft = run(other(OWASP), Fact, "How many injection occurrences were found in the data?")
        assert draft and not draft.abstained and draft.text.startswith("274k")  # the tagger calls "274k" a name

    def test_year_outside_the_title_period_mentioned_in_passing(self, other) -> None:
        answer = other(DGU).ask("What was DGU's most attended event in 2017?")
        assert answer.abstained and "2016" in answer.text and "2017" in answer.text

    def test_year_of_the_title_is_not_refused(self, other) -> None:
        assert not other(DGU).ask("How many events did DGU host in 2016?").abstained


def test_a_how_question_about_what_followed_an_entry_asks_no_neighbour(bot: Chatbot) -> None:
    first = bot.engine.kb.ranking[0].name
    router, analyzer = bot.engine.answerer, bot.engine.analyzer
    assert router.chain(analyzer.analyze(f"Which city comes right after {first}?"))[0] is RankLookup
    how = analyzer.analyze(f"How did investment grow in the years after {first}?")
    assert how.relation == "down" and how.entries == (first,)  # "after" is read, but it orders no ranks here
    assert router.chain(how)[0] is not RankLookup


def test_a_neighbour_several_places_away(rivers_bot: Chatbot) -> None:
    ranking = rivers_bot.engine.kb.ranking
    answer = rivers_bot.ask(f"Which river is ranked two places below {ranking[0].name}?")
    assert answer.text.startswith(f"{ranking[2].name} (3rd) is ranked 2 places below {ranking[0].name}")
    beyond = rivers_bot.ask(f"Which river is ten places below {ranking[0].name}?")
    assert beyond.abstained and "10 places below" in beyond.text


def test_a_top_n_of_something_the_article_ranks_is_its_ranking_whatever_the_classifier_says(bot: Chatbot) -> None:
    router, analyzer = bot.engine.answerer, bot.engine.analyzer
    intent = dataclasses.replace(analyzer.analyze("Give me the top three cities."), kind=IntentKind.OUT_OF_SCOPE)
    assert router.chain(intent)[0] is Order
    foreign = dataclasses.replace(analyzer.analyze("What are the top 3 restaurants?"), kind=IntentKind.OUT_OF_SCOPE)
    assert Order not in router.chain(foreign)


def test_a_top_n_of_something_else_of_an_entry_is_not_its_membership(bot: Chatbot) -> None:
    first = bot.engine.kb.ranking[0].name
    answer = bot.ask(f"What are the top 5 hotels in {first}?")
    assert answer.abstained and "doesn't rank any hotel" in answer.text
    assert bot.ask(f"Is {first} in the top 5?").text.startswith("Yes")


# -- a countdown of paragraphs with an unranked mention after it -----------------------------------------------
COOKBOOKS = "\n\n".join([
    "# My Top 3 Cookbooks of 2020",
    "I cook every night, and these are the three books I open most, counted down to my favourite.",
    "3. **Salt Kitchen**—A small book about seasoning, with one chapter per salt. It was written by Mara Quell, "
    "who ran a bistro for ten years.",
    "2. **Green Table**—Vegetables first, with a long chapter on pickling. Readers can join a monthly video call to "
    "cook along live with the author.",
    "1. **Bread Daily**—The best book on baking I know, and the one I give as a present. It starts with a chapter "
    "on sourdough starters.",
    "### Honourable mentions",
    "**Fire Pit Nights** is a grilling book published by Harbor Press. It is written by Tomas Reyle, a former "
    "firefighter, and every recipe fits a small grill.",
]) + "\n"


@pytest.fixture(scope="module")
def cookbooks_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over `COOKBOOKS`."""
    return article_bot(tmp_path_factory.mktemp("cookbooks-bot"), "cookbooks.md", COOKBOOKS, embeddings)


class TestPassages:
    """What a passage says after naming something is about it; a question about something in particular gets the
    sentences that answer it."""

    def test_a_person_named_after_the_mention_answers_who(self, cookbooks_bot: Chatbot) -> None:
        draft = run(cookbooks_bot, Fact, "Who wrote Fire Pit Nights?")
        assert draft and "Tomas Reyle: It is written by Tomas Reyle" in draft.text

    def test_an_entry_question_about_something_in_particular(self, cookbooks_bot: Chatbot) -> None:
        draft = run(cookbooks_bot, Overview, "How can readers cook along live with Green Table?")
        assert draft and "monthly video call" in draft.text
        plain = run(cookbooks_bot, Overview, "Tell me about Green Table.")
        assert plain and plain.text.startswith("Green Table is ranked 2nd") and "pickling" in plain.text


def test_a_message_with_two_questions_answers_both(cookbooks_bot: Chatbot) -> None:
    answer = cookbooks_bot.ask("Who publishes Fire Pit Nights, and who wrote it?")
    assert "Harbor Press" in answer.text and "Tomas Reyle" in answer.text and not answer.abstained
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.text)]
    assert sorted(set(markers)) == list(range(1, len(answer.citations) + 1))  # renumbered, none dangling
    assert len(answer.text.split("It is written by")) == 2  # a sentence both answers quote is said once
    assert answer.standalone_question.endswith("who wrote Fire Pit Nights?")  # "it" resolved to the name asked about


def test_a_message_with_two_questions_streams_its_joined_answer(cookbooks_bot: Chatbot) -> None:
    items = list(cookbooks_bot.stream("Who publishes Fire Pit Nights, and who wrote it?"))
    final = items[-1]
    assert not isinstance(final, str) and "Harbor Press" in final.text and "Tomas Reyle" in final.text
    assert all(isinstance(i, str) for i in items[:-1]) and items[-2] == final.text


def test_a_column_question_over_a_table_whose_numbers_have_no_header_finds_no_column() -> None:
    """A ranking table whose numeric cells sit under no header: the column filter finds no column (it raised
    "argmax of an empty sequence" and the answer fell back to the retrieved passages)."""
    from types import SimpleNamespace

    from app.answer.strategies.selection import ColumnFilter

    assert ColumnFilter._header_meant(SimpleNamespace(), [], ("requests",)) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "defective"), [
    ("Alder has the latest planting date of the 3 trees: May 2, 1990. [1]", False),
    ("The number of the visitors grew. [1]", False),
    ("The article doesn't give the number of are.", True),
    ("It gives the date of the. [1]", True),
    ("It gives the amount of the [1]", True),
])
def test_the_slot_check_tells_a_filled_slot_from_english(text: str, defective: bool) -> None:
    """A slot filled with a verb, or with an article and nothing after it, is a defect; "the date of the 3 trees"
    is English."""
    assert ("function word in a slot" in template_defects(text)) is defective


GLIDER_CUP = """<h1>The 2032 Ostmark Glider Cup: final results</h1>
<p>Nine pilots flew every round of the cup over the Ostmark hills; points are summed over the rounds.</p>
<table>
<tr><th>Place</th><th>Pilot</th><th>Glider</th><th>Points</th></tr>
<tr><td>1</td><td>Runa Falk</td><td>Kestrel IV</td><td>912</td></tr>
<tr><td>2</td><td>Emil Sarto</td><td>Heron</td><td>880</td></tr>
<tr><td rowspan="2">T3</td><td>Dana Pryce</td><td>Swift 2</td><td rowspan="2">861</td></tr>
<tr><td>Oskar Weil</td><td>Lark</td></tr>
<tr><td>5</td><td>Mina Osei</td><td>Plover</td><td>840</td></tr>
<tr><td rowspan="3">T6</td><td>Jo Varga</td><td>Curlew</td><td rowspan="3">812</td></tr>
<tr><td>Tove Lind</td><td>Osprey</td></tr>
<tr><td>Aram Duca</td><td>Merlin</td></tr>
<tr><td>9</td><td>Lio Brandt</td><td>Petrel</td><td>790</td></tr>
</table>
"""


@pytest.fixture(scope="module")
def cup_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over `GLIDER_CUP`, a leaderboard whose tied rows share one place cell."""
    return article_bot(tmp_path_factory.mktemp("cup-bot"), "cup.html", GLIDER_CUP, embeddings)


class TestTies:
    def test_a_tied_rank_names_every_entry_there(self, cup_bot: Chatbot) -> None:
        text = cup_bot.ask("Who tied for 6th?").text
        assert text.startswith("Jo Varga, Tove Lind and Aram Duca are tied 6th.")

    def test_a_rank_a_tie_took_says_so(self, cup_bot: Chatbot) -> None:
        text = cup_bot.ask("Who finished fourth?").text
        assert text.startswith("No pilot is ranked 4th: Dana Pryce and Oskar Weil are tied 3rd, and Mina Osei is 5th.")

    def test_neighbours_step_over_a_tie(self, cup_bot: Chatbot) -> None:
        assert cup_bot.ask("Who came right after Oskar Weil?").text.startswith("Mina Osei (5th) comes right after")
        assert cup_bot.ask("Who finished just ahead of Lio Brandt?").text.startswith(
            "Jo Varga, Tove Lind and Aram Duca (tied 6th) come right before Lio Brandt (9th).")

    def test_a_value_of_the_entry_at_a_rank(self, cup_bot: Chatbot) -> None:
        answer = cup_bot.ask("Which glider did the runner-up fly?")
        assert answer.route == "value_of_the_entry_at_a_rank" and "Heron" in answer.text

    def test_a_rank_word_as_the_focus_names_the_entry_there(self, cup_bot: Chatbot) -> None:
        """The article never says "winner" or "runner-up": the words name the entries at those ranks."""
        assert cup_bot.ask("Who was the winner?").text.startswith("Runa Falk is ranked 1st")
        assert cup_bot.ask("who is the runner-up?").text.startswith("Emil Sarto is ranked 2nd")

    def test_a_rank_of_another_list_is_no_subject_to_put_first(self, cup_bot: Chatbot) -> None:
        """"Which hill came out on top?" may rank something else than the pilots: no pilot's row leads."""
        assert not cup_bot.ask("Which hill came out on top?").text.startswith("Runa Falk (1st)")

    def test_a_rank_asked_for_another_year_is_refused(self, cup_bot: Chatbot) -> None:
        """The cup is of 2032: its ranking says nothing of where a pilot placed in 2030."""
        answer = cup_bot.ask("Where did Emil Sarto place in 2030?")
        assert answer.abstained and "2032" in answer.text and "2030" in answer.text
        assert cup_bot.ask("Where did Emil Sarto place in 2032?").text.startswith("Emil Sarto is ranked 2nd")


def test_the_making_asked_as_an_order_gets_the_method(towers_bot: Chatbot) -> None:
    """"On what basis were they put in order?" asks how the ranking was made, not for the order."""
    answer = towers_bot.ask("On what basis were the towers put in this order?")
    assert "by their height" in answer.text and "Skyneedle" not in answer.text.split("\n")[0]
