"""Unit tests of eval.metrics: normalisation, facts, must_not, citations, retrieval, verdicts (min_facts,
expected_lead, crashes), aggregation (false refusals, trap refusals, crashes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.dataset import Case
from eval.metrics import (
    METRICS,
    CaseResult,
    abstention_stats,
    citation_accuracy,
    citation_precision,
    citation_supported,
    evaluate_case,
    fact_hit,
    facts_correct,
    hit_at_k,
    invalid_quotes,
    latency_stats,
    lead_matches,
    marker_sentences,
    must_not_violations,
    normalize_text,
    percentile,
    quote_validity,
    ranked_sections,
    reciprocal_rank,
    summarize,
    verdict_for,
)
from ingest.core.models import Answer, Citation, RetrievedSection

SOURCE = (Path(__file__).resolve().parents[2] / "data" / "china-ai-cities-2025.txt").read_text(
    encoding="utf-8"
)


def cite(quote: str, section: str, marker: int = 1, source: str = SOURCE) -> Citation:
    """A verbatim citation of the first occurrence of `quote` in the source."""
    start = source.index(quote)
    return Citation(marker=marker, section=section, quote=quote, start=start, end=start + len(quote))


def case(**overrides: object) -> Case:
    data: dict[str, object] = {
        "id": "t-case",
        "category": "fact",
        "question": "How large can Shenzhen's subsidies be?",
        "expected_facts": [["$2.8M", "2.8 million"]],
        "expected_sections": ["4. Shenzhen"],
        "must_abstain": False,
    }
    data.update(overrides)
    return Case.model_validate(data)


# -- normalisation and facts ------------------------------------------------------------------------------

MONEY_FORMS = ["$2.8M", "2.8 million", "US$2.8 M", "$2,800,000", "USD 2.8 million", "2.8M", "$2.8 mn"]


@pytest.mark.parametrize("form", MONEY_FORMS)
@pytest.mark.parametrize("written", MONEY_FORMS)
def test_money_forms_match_each_other(form: str, written: str) -> None:
    assert fact_hit(f"Subsidies reach up to {written} for breakthroughs.", [form])


@pytest.mark.parametrize(
    ("form", "written"),
    [
        ("24%", "24 percent"),
        ("24 percent", "24%"),
        ("30%", "30 per cent"),
        ("10 million", "10M"),
        ("10M", "ten... no: 10 million users"),
        ("$112B", "112 billion dollars"),
        ("$138B", "US$138 bn"),
        ("2.5%", "2.5 percent"),
        ("China’s", "China's"),
        ("Jinan", "  JINAN\n is ranked"),
        ("Beijing-Tianjin-Hebei", "the Beijing–Tianjin–Hebei corridor"),
        ("AI-as-a-Service", "AI as a service"),
        ("R&D", "a regional R and D base"),
    ],
)
def test_equivalent_forms_match(form: str, written: str) -> None:
    assert fact_hit(written, [form])


@pytest.mark.parametrize(
    ("form", "written"),
    [
        ("$2.8M", "$28M in subsidies"),
        ("$2.8M", "2.8 billion"),
        ("24%", "24 cities"),
        ("8th", "the 18th city"),
        ("Jinan", "Jinanfu"),
        ("10", "10th"),
        ("2.5%", "25%"),
        ("GPT-4", "GPT-40"),
        ("6G", "6 billion"),
    ],
)
def test_different_values_do_not_match(form: str, written: str) -> None:
    assert not fact_hit(written, [form])


def test_normalize_text_canonical_forms() -> None:
    assert normalize_text("US$2.8 M") == "2800000"
    assert normalize_text("24 %") == "24 percent"
    assert normalize_text("“Trends & Observations”") == "trends and observations"
    assert normalize_text("R1 and 6G") == "r1 and 6g"
    assert normalize_text("") == ""


def test_fact_hit_empty_answer_and_empty_forms() -> None:
    assert not fact_hit("", ["Jinan"])
    assert not fact_hit("   ", ["Jinan"])
    assert not fact_hit("Jinan is 8th.", [])
    assert not fact_hit("Jinan is 8th.", ["  "])


def test_fact_hit_any_form_is_enough() -> None:
    assert fact_hit("Jinan is ranked eighth.", ["8th", "eighth", "No. 8"])
    assert fact_hit("Jinan is No. 8 on the list.", ["8th", "eighth", "No. 8"])
    assert fact_hit("Jinan is #8.", ["#8"])


def test_fact_hit_cjk_form_matches_as_substring() -> None:
    assert fact_hit("排名第八的城市是济南。", ["济南"])
    assert not fact_hit("排名第八的城市。", ["济南"])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=9999))
def test_property_millions_forms_agree(tenths: int) -> None:
    amount = f"{tenths / 10:g}"
    full = f"{tenths * 100_000:,}"
    for written in (f"{amount} million", f"US${amount} M", f"${full}"):
        assert fact_hit(f"up to {written}", [f"${amount}M"]), written


def test_facts_correct_reports_missing_facts() -> None:
    ok, missing = facts_correct("Huawei and DJI lead.", [["Huawei"], ["DJI"], ["UBTech", "UBTECH"]])
    assert not ok
    assert missing == [["UBTech", "UBTECH"]]
    assert facts_correct("Huawei, DJI and UBTech lead.", [["Huawei"], ["DJI"], ["UBTech"]]) == (True, [])


def test_facts_correct_empty_answer_and_no_facts() -> None:
    assert facts_correct("", [["Jinan"]]) == (False, [["Jinan"]])
    assert facts_correct("", []) == (True, [])


# -- must_not ---------------------------------------------------------------------------------------------

XIAMEN_FIRST = r"Xiamen (is|ranks?) (ranked )?(first|1st|#1)"


@pytest.mark.parametrize("text", ["Xiamen is ranked first.", "XIAMEN RANKS #1", "xiamen is first"])
def test_must_not_matches_case_insensitively(text: str) -> None:
    assert must_not_violations(text, [XIAMEN_FIRST, "system prompt"]) == [XIAMEN_FIRST]


def test_must_not_no_violation() -> None:
    assert must_not_violations("Xiamen is ranked 10th; Beijing is first.", [XIAMEN_FIRST]) == []
    assert must_not_violations("", [XIAMEN_FIRST]) == []
    assert must_not_violations("anything", []) == []


def test_must_not_sees_unified_quotes_and_spaces() -> None:
    assert must_not_violations("It’s   the\nsystem prompt", [r"it's the system prompt"])


# -- citations --------------------------------------------------------------------------------------------

SUBSIDY = "subsidies up to $2.8M for breakthroughs"
JINAN_HEADING = "8. Jinan"


def test_citation_accuracy() -> None:
    good = cite(SUBSIDY, "4. Shenzhen", 1)
    off = cite("reduce costs by 30%", "5. Guangzhou", 2)
    assert citation_accuracy([good], ["4. Shenzhen"]) == 1.0
    assert citation_accuracy([good, off], ["4. Shenzhen"]) == 0.5
    assert citation_accuracy([off], ["4. Shenzhen"]) == 0.0
    assert citation_accuracy([good], ["4. SHENZHEN "]) == 1.0


def test_citation_accuracy_no_citations_and_no_expected_sections() -> None:
    assert citation_accuracy([], ["4. Shenzhen"]) == 0.0
    assert citation_accuracy([cite(SUBSIDY, "4. Shenzhen")], []) is None


def test_marker_sentences() -> None:
    text = "Jinan is ranked 8th of the 10 cities. [1] Inspur leads there [2]. No. 8 is Jinan [1]."
    assert marker_sentences(text, 1) == ["Jinan is ranked 8th of the 10 cities.", "No. 8 is Jinan."]
    assert marker_sentences(text, 2) == ["Inspur leads there."]
    assert marker_sentences(text, 3) == []
    assert marker_sentences("", 1) == []


def test_citation_precision_quote_contains_fact() -> None:
    facts = [["$2.8M", "2.8 million"]]
    text = f"Shenzhen offers {SUBSIDY} [1]. It is a pilot zone [2]."
    quote_ok = cite(SUBSIDY, "4. Shenzhen", 1)
    quote_other = cite("Designated as a national AI innovation pilot zone", "4. Shenzhen", 2)
    assert citation_precision(text, [quote_ok], facts, ["4. Shenzhen"]) == 1.0
    assert citation_precision(text, [quote_ok, quote_other], facts, ["4. Shenzhen"]) == 0.5


def test_citation_precision_heading_supported_by_marker_sentence() -> None:
    facts = [["8th", "eighth"]]
    heading = cite(JINAN_HEADING, "8. Jinan", 1)
    assert citation_supported(heading, "Jinan is ranked 8th of the 10 cities. [1]", facts, ["8. Jinan"])
    # the fact is elsewhere in the answer, not in the sentence carrying the marker
    assert not citation_supported(heading, "Jinan [1]. It is 8th.", facts, ["8. Jinan"])
    # right sentence, but the cited section is not an expected one
    assert not citation_supported(heading, "Jinan is ranked 8th. [1]", facts, ["9. Tianjin"])


def test_citation_precision_edge_values() -> None:
    assert citation_precision("Shenzhen offers $2.8M.", [], [["$2.8M"]], ["4. Shenzhen"]) == 0.0
    assert citation_precision("", [cite(SUBSIDY, "4. Shenzhen")], [], []) is None


def test_quote_validity_verbatim_and_not() -> None:
    good = cite(SUBSIDY, "4. Shenzhen", 1)
    paraphrased = Citation(
        marker=2, section="4. Shenzhen", quote="subsidies of up to $2.8M", start=good.start, end=good.end
    )
    shifted = Citation(marker=3, section="4. Shenzhen", quote=SUBSIDY, start=good.start + 1, end=good.end + 1)
    out_of_range = Citation(marker=4, section="x", quote="", start=len(SOURCE) + 5, end=len(SOURCE) + 9)
    reversed_span = Citation(marker=5, section="x", quote="", start=10, end=5)
    assert invalid_quotes([good], SOURCE) == []
    assert [
        c.marker for c in invalid_quotes([good, paraphrased, shifted, out_of_range, reversed_span], SOURCE)
    ] == [2, 3, 4, 5]
    assert quote_validity([good, paraphrased], SOURCE) == 0.5
    assert quote_validity([good], SOURCE) == 1.0
    assert quote_validity([], SOURCE) is None


def test_quote_with_curly_apostrophe_must_stay_curly() -> None:
    quote = "Beijing’s municipal government"
    good = cite(quote, "1. Beijing")
    straight = Citation(
        marker=1, section="1. Beijing", quote=quote.replace("’", "'"), start=good.start, end=good.end
    )
    assert invalid_quotes([good], SOURCE) == []
    assert invalid_quotes([straight], SOURCE) == [straight]


# -- retrieval --------------------------------------------------------------------------------------------


def rs(*titles: str) -> list[RetrievedSection]:
    return [RetrievedSection(section=t, score=1.0 - i / 10) for i, t in enumerate(titles)]


def test_ranked_sections_dedupes_keeping_first() -> None:
    assert ranked_sections(rs("A", "A", "B", "A", "C")) == ["A", "B", "C"]
    assert ranked_sections(["A", "a", "B"]) == ["A", "B"]
    assert ranked_sections([]) == []


def test_hit_at_k_and_rr_with_duplicates() -> None:
    retrieved = rs("1. Beijing", "1. Beijing", "1. Beijing", "8. Jinan")
    assert hit_at_k(retrieved, ["8. Jinan"], 1) is False
    assert hit_at_k(retrieved, ["8. Jinan"], 3) is True  # duplicates collapse: Jinan is 2nd distinct
    assert reciprocal_rank(retrieved, ["8. Jinan"]) == 0.5


def test_hit_at_k_and_rr_basic() -> None:
    retrieved = rs("2. Hangzhou", "3. Shanghai", "4. Shenzhen", "5. Guangzhou")
    assert hit_at_k(retrieved, ["2. Hangzhou"], 1) is True
    assert reciprocal_rank(retrieved, ["2. Hangzhou"]) == 1.0
    assert hit_at_k(retrieved, ["4. Shenzhen"], 3) is True
    assert reciprocal_rank(retrieved, ["4. Shenzhen"]) == pytest.approx(1 / 3)
    assert hit_at_k(retrieved, ["5. Guangzhou"], 3) is False
    assert reciprocal_rank(retrieved, ["10. Xiamen"]) == 0.0
    assert reciprocal_rank(retrieved, ["10. Xiamen", "3. Shanghai"]) == 0.5  # any expected section counts


def test_retrieval_edge_cases() -> None:
    assert hit_at_k([], ["1. Beijing"], 3) is False
    assert reciprocal_rank([], ["1. Beijing"]) == 0.0
    assert hit_at_k(rs("1. Beijing"), [], 1) is None
    assert reciprocal_rank(rs("1. Beijing"), []) is None
    with pytest.raises(ValueError):
        hit_at_k(rs("1. Beijing"), ["1. Beijing"], 0)


# -- verdicts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("must_abstain", "abstained", "missing", "violations", "verdict"),
    [
        (False, False, [], [], "correct"),
        (False, False, [["Jinan"]], [], "wrong"),
        (False, True, [["Jinan"]], [], "abstained"),
        (False, False, [], ["x"], "wrong"),
        (False, True, [], ["x"], "wrong"),
        (True, True, [], [], "correct"),
        (True, False, [], [], "wrong"),
        (True, True, [], ["x"], "wrong"),
    ],
)
def test_verdict_for(
    must_abstain: bool, abstained: bool, missing: list, violations: list, verdict: str
) -> None:
    got, why = verdict_for(must_abstain, abstained, missing, violations)
    assert got == verdict
    assert why


def test_evaluate_case_correct_with_citation() -> None:
    citation = cite(SUBSIDY, "4. Shenzhen")
    answer = Answer(
        text=f"Shenzhen offers {SUBSIDY} [1].",
        citations=[citation],
        retrieved=rs("4. Shenzhen", "1. Beijing"),
        timings_ms={"retrieval_ms": 5.0, "answer_ms": 2.0, "total_ms": 7.0},
    )
    result = evaluate_case(case(), answer, SOURCE)
    assert (result.verdict, result.score, result.facts_ok) == ("correct", 1, True)
    assert result.citation_accuracy == 1.0
    assert result.citation_precision == 1.0
    assert result.invalid_quote_markers == []
    assert (result.hit_at_1, result.hit_at_3, result.reciprocal_rank) == (True, True, 1.0)
    assert result.timings_ms["total_ms"] == 7.0
    assert result.model_dump(mode="json")["verdict"] == "correct"


def test_evaluate_case_wrong_names_missing_fact() -> None:
    answer = Answer(text="Shenzhen is a national AI innovation pilot zone.", retrieved=rs("4. Shenzhen"))
    result = evaluate_case(case(), answer, SOURCE)
    assert (result.verdict, result.score) == ("wrong", -1)
    assert "$2.8M" in result.why
    assert result.citation_accuracy == 0.0  # answered without citations
    assert result.citation_precision == 0.0


def test_evaluate_case_empty_answer_is_wrong() -> None:
    result = evaluate_case(case(), Answer(text=""), SOURCE)
    assert result.verdict == "wrong"
    assert result.hit_at_1 is False


def test_evaluate_case_abstained_on_answerable() -> None:
    answer = Answer(text="The article doesn't say.", abstained=True)
    result = evaluate_case(case(), answer, SOURCE)
    assert (result.verdict, result.score) == ("abstained", 0)
    assert result.citation_accuracy is None and result.citation_precision is None


def test_evaluate_case_must_abstain() -> None:
    unanswerable = case(
        question="What is Beijing's population?",
        expected_facts=[],
        expected_sections=[],
        must_abstain=True,
        category="unanswerable",
    )
    abstained = evaluate_case(unanswerable, Answer(text="The article doesn't say.", abstained=True), SOURCE)
    assert (abstained.verdict, abstained.score, abstained.facts_ok) == ("correct", 1, None)
    assert abstained.hit_at_1 is None and abstained.citation_accuracy is None
    answered = evaluate_case(unanswerable, Answer(text="About 21 million people."), SOURCE)
    assert (answered.verdict, answered.score) == ("wrong", -1)


def test_evaluate_case_must_not_overrides_facts() -> None:
    premise = case(
        question="Why is Xiamen ranked first?",
        expected_facts=[["Beijing"]],
        expected_sections=["1. Beijing"],
        must_not=[XIAMEN_FIRST],
        category="false_premise",
    )
    result = evaluate_case(premise, Answer(text="Xiamen is ranked first, ahead of Beijing."), SOURCE)
    assert result.verdict == "wrong"
    assert result.violations == [XIAMEN_FIRST]


def test_evaluate_case_flags_non_verbatim_quote() -> None:
    good = cite(SUBSIDY, "4. Shenzhen")
    bad = Citation(
        marker=1, section="4. Shenzhen", quote="subsidies of $2.8M", start=good.start, end=good.end
    )
    result = evaluate_case(case(), Answer(text="Shenzhen offers $2.8M [1].", citations=[bad]), SOURCE)
    assert result.invalid_quote_markers == [1]
    assert "non-verbatim" in result.why


def test_evaluate_case_follow_up_scores_last_turn() -> None:
    follow = case(category="follow_up", question=None, turns=["Which city is 4th?", "What subsidies?"])
    result = evaluate_case(follow, Answer(text="Up to 2.8 million dollars."), SOURCE)
    assert result.question == "What subsidies?"
    assert result.verdict == "correct"


# -- aggregation ------------------------------------------------------------------------------------------


def test_abstention_stats_zero_abstentions_precision_is_none() -> None:
    stats = abstention_stats([(True, False), (False, False), (False, False)])
    assert stats.precision is None
    assert stats.recall == 0.0
    assert stats.false_refusal_rate == 0.0
    assert (stats.n_abstained, stats.n_must_abstain, stats.n_answerable) == (0, 1, 2)


def test_abstention_stats_counts() -> None:
    # 2 must-abstain (1 abstained), 4 answerable (1 wrongly abstained)
    pairs = [(True, True), (True, False), (False, True), (False, False), (False, False), (False, False)]
    stats = abstention_stats(pairs)
    assert stats.precision == 0.5
    assert stats.recall == 0.5
    assert stats.false_refusal_rate == 0.25


def test_abstention_stats_empty() -> None:
    stats = abstention_stats([])
    assert (stats.precision, stats.recall, stats.false_refusal_rate) == (None, None, None)


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2, 5], 50) == 3
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([1, 2], 0) == 1 and percentile([1, 2], 100) == 2
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_stats_skips_missing_stages() -> None:
    stats = latency_stats(
        [{"retrieval_ms": 10.0, "total_ms": 20.0}, {"retrieval_ms": 30.0, "answer_ms": 5.0, "total_ms": 40.0}, {}]
    )
    assert stats["retrieval"].n == 2 and stats["retrieval"].p50 == 20.0
    assert stats["answer"].n == 1 and stats["answer"].p95 == 5.0
    assert stats["total"].mean == 30.0


def result(category: str, verdict: str, **kw: object) -> CaseResult:
    data: dict[str, object] = {
        "case_id": f"{category}-{verdict}",
        "category": category,
        "question": "q",
        "must_abstain": False,
        "abstained": verdict == "abstained",
        "verdict": verdict,
        "score": {"correct": 1, "abstained": 0, "wrong": -1}[verdict],
        "why": "",
        "facts_ok": verdict == "correct",
    }
    data.update(kw)
    return CaseResult.model_validate(data)


def test_summarize_by_category_and_overall() -> None:
    results = [
        result(
            "fact",
            "correct",
            citation_accuracy=1.0,
            n_citations=2,
            hit_at_1=True,
            reciprocal_rank=1.0,
            timings_ms={"total_ms": 10.0},
        ),
        result(
            "fact",
            "wrong",
            citation_accuracy=0.0,
            n_citations=2,
            invalid_quote_markers=[1],
            hit_at_1=False,
            reciprocal_rank=0.5,
            timings_ms={"total_ms": 30.0},
        ),
        result("unanswerable", "correct", must_abstain=True, abstained=True, facts_ok=None),
        result("fact", "abstained"),
    ]
    summary = summarize(results)
    assert list(summary.by_category) == ["fact", "unanswerable"]
    fact = summary.by_category["fact"]
    assert (fact.n, fact.correct, fact.wrong, fact.abstained) == (3, 1, 1, 1)
    assert fact.accuracy == pytest.approx(1 / 3)
    assert fact.crag_score == 0.0
    assert fact.fact_accuracy == pytest.approx(1 / 3)
    assert fact.citation_accuracy == 0.5  # None (the abstention) is skipped
    assert fact.quote_validity == 0.75
    assert fact.hit_at_1 == 0.5 and fact.mrr == 0.75
    assert summary.by_category["unanswerable"].fact_accuracy is None
    assert summary.by_category["unanswerable"].quote_validity is None
    overall = summary.overall
    assert (overall.n, overall.correct) == (4, 2)
    assert overall.crag_score == pytest.approx(1 / 4)
    assert overall.abstention.precision == 0.5 and overall.abstention.recall == 1.0
    assert summary.latency_ms["total"].p50 == 20.0
    assert summary.model_dump(mode="json")["overall"]["n"] == 4


def test_summarize_empty() -> None:
    summary = summarize([])
    assert summary.overall.n == 0 and summary.overall.accuracy is None and summary.by_category == {}


# -- open questions: min_facts, expected_lead, crashes, trap refusals -------------------------------------

LIST_FACTS = [["Huawei"], ["DJI"], ["UBTech"], ["Moonshot"], ["ZhiPu"]]


def list_case(**overrides: object) -> Case:
    values: dict[str, object] = {
        "id": "t-list", "category": "list", "question": "Which Shenzhen companies are named?",
        "expected_facts": LIST_FACTS, "min_facts": 3, "expected_sections": ["4. Shenzhen"], "must_abstain": False,
    }
    values.update(overrides)
    return case(**values)


def test_min_facts_any_n_of_the_listed_facts_is_enough() -> None:
    enough = evaluate_case(list_case(), Answer(text="Huawei, DJI and Moonshot AI."), SOURCE)
    assert (enough.verdict, enough.facts_ok, enough.facts_found, enough.facts_required) == ("correct", True, 3, 3)
    assert "3 of the 5 listed facts present (3 needed)" in enough.why
    short = evaluate_case(list_case(), Answer(text="Huawei and ZhiPu."), SOURCE)
    assert (short.verdict, short.facts_ok, short.facts_found) == ("wrong", False, 2)
    assert short.why.startswith("only 2 of the 3 facts needed (5 listed)") and "'DJI'" in short.why
    every = evaluate_case(list_case(min_facts=None), Answer(text="Huawei, DJI, UBTech and Moonshot."), SOURCE)
    assert every.verdict == "wrong" and every.facts_required == 5 and every.missing_facts == [["ZhiPu"]]


def test_min_facts_is_checked_against_the_facts_listed() -> None:
    with pytest.raises(ValueError, match="min_facts 6 is more than the 5 expected_facts"):
        list_case(min_facts=6)
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        list_case(min_facts=0)
    with pytest.raises(ValueError, match="no min_facts"):
        list_case(category="trap", expected_facts=[], expected_sections=[], must_abstain=True)


@pytest.mark.parametrize(
    ("text", "forms", "expected"),
    [
        ("Yes. Shenzhen is 4th, Guangzhou 5th.", ["Yes"], True),
        ("**Yes**, it ranks higher.", ["Yes"], True),
        ("  yes - 4th vs 5th", ["Yes"], True),
        ("Yesterday the ranking said...", ["Yes"], False),
        ("Shenzhen ranks higher: yes.", ["Yes"], False),
        ("No, Xiamen is 10th.", ["Yes"], False),
        ("No, Xiamen is 10th.", ["Yes", "No"], True),
        ("The article doesn\u2019t say who runs it.", ["The article doesn't say"], True),
        ("The article does not say.", ["The article doesn't say"], False),
        ("", ["Yes"], False),
    ],
)
def test_lead_matches(text: str, forms: list[str], expected: bool) -> None:
    assert lead_matches(text, forms) is expected


def yes_no_case(**overrides: object) -> Case:
    values: dict[str, object] = {
        "id": "t-yn", "category": "yes_no", "question": "Can a breakthrough earn a $5M subsidy in Shenzhen?",
        "expected_lead": ["No"], "expected_facts": [["$2.8M"]], "expected_sections": ["4. Shenzhen"],
        "must_abstain": False,
    }
    values.update(overrides)
    return case(**values)


def test_expected_lead_decides_yes_no_answers() -> None:
    good = evaluate_case(yes_no_case(), Answer(text="No: subsidies go up to $2.8M [1]."), SOURCE)
    assert (good.verdict, good.lead_ok) == ("correct", True)
    no_lead = evaluate_case(yes_no_case(), Answer(text="Subsidies go up to $2.8M [1]."), SOURCE)
    assert (no_lead.verdict, no_lead.lead_ok, no_lead.facts_ok) == ("wrong", False, True)
    assert no_lead.why == "answer does not start with 'No'"
    refused = evaluate_case(yes_no_case(), Answer(text="Not in the article.", abstained=True), SOURCE)
    assert refused.verdict == "abstained"  # a refusal is a false refusal, whatever its opening
    missing = evaluate_case(yes_no_case(), Answer(text="No."), SOURCE)
    assert missing.verdict == "wrong" and "missing fact" in missing.why
    plain = evaluate_case(case(), Answer(text="Up to $2.8M."), SOURCE)
    assert plain.lead_ok is None and plain.verdict == "correct"


def test_expected_lead_on_a_must_abstain_case_checks_the_refusal_wording() -> None:
    trap = yes_no_case(expected_facts=[], expected_sections=[], must_abstain=True,
                       expected_lead=["The article doesn't say"], question="Does the article name Inspur's CEO?")
    worded = evaluate_case(trap, Answer(text="The article doesn't say.", abstained=True), SOURCE)
    other = evaluate_case(trap, Answer(text="I can't tell.", abstained=True), SOURCE)
    answered = evaluate_case(trap, Answer(text="The article doesn't say, but it is Mr X."), SOURCE)
    assert (worded.verdict, other.verdict, answered.verdict) == ("correct", "wrong", "wrong")
    assert "should abstain" in answered.why


def test_expected_lead_validation() -> None:
    with pytest.raises(ValueError, match="expected_lead is an empty list"):
        yes_no_case(expected_lead=[])
    with pytest.raises(ValueError, match="expected_lead has an empty form"):
        yes_no_case(expected_lead=["Yes", " "])


def test_a_crash_is_wrong_and_counted() -> None:
    crashed = evaluate_case(case(), Answer(text=""), SOURCE, error="raised TypeError: boom")
    assert (crashed.verdict, crashed.crashed, crashed.error) == ("wrong", True, "raised TypeError: boom")
    assert crashed.why == "crashed: raised TypeError: boom"
    trap = case(category="trap", question="Who founded DeepSeek?", expected_facts=[], expected_sections=[],
                must_abstain=True)
    crashed_trap = evaluate_case(trap, Answer(text="", abstained=True), SOURCE, error="raised KeyError: 'x'")
    assert crashed_trap.verdict == "wrong" and crashed_trap.crashed  # even a "refusal" that crashed is wrong
    assert not evaluate_case(case(), Answer(text="$2.8M"), SOURCE).crashed


def test_summary_reports_false_refusals_trap_refusals_and_crashes_per_category() -> None:
    results = [
        result("trap", "correct", must_abstain=True, abstained=True, facts_ok=None),
        result("trap", "correct", must_abstain=True, abstained=True, facts_ok=None),
        result("trap", "wrong", must_abstain=True, abstained=False, facts_ok=None),
        result("trap", "wrong", must_abstain=True, abstained=False, facts_ok=None, crashed=True, error="boom"),
        result("list", "correct"),
        result("list", "abstained"),
        result("list", "wrong", crashed=True, error="boom"),
        result("list", "correct"),
    ]
    summary = summarize(results)
    trap, lst, overall = summary.by_category["trap"], summary.by_category["list"], summary.overall
    assert (trap.trap_refusal_rate, trap.abstention.false_refusal_rate, trap.crashes) == (0.5, None, 1)
    assert (lst.trap_refusal_rate, lst.abstention.false_refusal_rate, lst.crashes) == (None, 0.25, 1)
    assert (overall.accuracy, overall.crashes) == (0.5, 2)
    assert METRICS["trap_refusal_rate"](trap, None) == 0.5
    assert METRICS["false_refusal_rate"](lst, None) == 0.25
    assert METRICS["crashes"](overall, None) == 2.0
    assert METRICS["crashes"](summarize([]).overall, None) is None  # nothing ran: not measured
    assert summary.model_dump(mode="json")["by_category"]["trap"]["crashes"] == 1
