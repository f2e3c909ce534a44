"""Each answering strategy on its own, over the real index of the shipped article: the strategy is called
directly with the analysed intent, so a routing change cannot hide a strategy's bug (and vice versa)."""

from __future__ import annotations

import pytest

from app.answer.draft import Draft
from app.answer.strategies.base import Strategy
from app.answer.strategies.compare import Compare
from app.answer.strategies.conversation import Greeting, OutOfScope
from app.answer.strategies.fact import Fact
from app.answer.strategies.overview import Explain, Overview
from app.answer.strategies.ranking import EntryRank, Order, RankLookup
from app.answer.strategies.selection import Filter, ListEntities, Recommend
from app.answer.strategies.summary import Summary
from app.answer.strategies.yes_no import YesNo
from app.chatbot import Chatbot
from app.verify import template_defects


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
        refusal = router._precheck(intent)
        assert refusal is not None and refusal.abstained and "2024" in refusal.text and "2019" in refusal.text
        assert router._precheck(rivers_bot.engine.analyzer.analyze("Which was the longest river in 2024?")) is None
        assert rivers_bot.ask("Which was the longest river in 2024?").text.startswith("Amberflow")


TOWERS = """# The 4 Tallest Towers of Norland

This list ranks the tallest towers of Norland by their height.

| Rank | Tower | Height (m) | Floors | Opening date | Comment |
|---|---|---|---|---|---|
| 1. | Skyneedle | 540 | 120 | May 1, 2001 | Tallest tower of the country |
| 2. | Harbour Spire | 480 | 98 | June 12, 1995 | Stands at the old port |
| 3. | Granite Point | 410 | 90 | March 3, 2010 | Built of local granite |
| 4. | Old Beacon | 350 | 70 | August 8, 1980 | The oldest of the four |
"""


@pytest.fixture(scope="module")
def towers_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over `TOWERS`, a ranking given as a table."""
    from ingest.core.settings import Settings

    root = tmp_path_factory.mktemp("towers-bot")
    source = root / "towers.md"
    source.write_text(TOWERS, encoding="utf-8")
    chatbot = Chatbot(Settings(source_path=source, chroma_path=root / "chroma", feedback_path=root / "feedback.jsonl"),
                      embeddings=embeddings)
    chatbot.warm_up()
    return chatbot


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
