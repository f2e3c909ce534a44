"""Tests of eval.dataset: the shipped cases.yaml (size, coverage, consistency with the article) and the
loader's validation errors."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from eval.baseline import section_spans
from eval.dataset import (
    CATEGORIES,
    DEFAULT_CASES_PATH,
    Case,
    DatasetError,
    load_cases,
    load_cases_file,
    parse_cases,
    select_categories,
    source_sections,
)
from eval.metrics import fact_hit
from ingest.core.errors import SourceError
from ingest.core.settings import DEFAULT_SOURCE
from ingest.parser import parse_article

SOURCE = (Path(__file__).resolve().parents[2] / "data" / "china-ai-cities-2025.txt").read_text(
    encoding="utf-8"
)
CASES = load_cases(DEFAULT_CASES_PATH, source=DEFAULT_SOURCE)
SECTIONS = source_sections(SOURCE)
RANKED_SECTIONS = tuple(s.title.text for s in parse_article(SOURCE).ranked)
ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$")
CJK = re.compile(r"[\u4e00-\u9fff]")

MINIMUMS = {
    "fact": 36,
    "ranking": 8,
    "multi_section": 6,
    "follow_up": 6,
    "unanswerable": 14,
    "false_premise": 4,
    "robustness": 6,
    "chinese": 5,
    "injection": 4,
    "summary": 8,
    "recommend": 8,
    "list": 8,
    "yes_no": 8,
    "explain": 8,
    "trap": 8,
}


# -- the shipped dataset ----------------------------------------------------------------------------------


def test_shipped_file_is_versioned_and_large_enough() -> None:
    data = yaml.safe_load(DEFAULT_CASES_PATH.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert len(CASES) >= 90


def test_every_category_meets_its_minimum() -> None:
    counts = Counter(c.category for c in CASES)
    assert set(counts) == set(CATEGORIES)
    for category, minimum in MINIMUMS.items():
        assert counts[category] >= minimum, f"{category}: {counts[category]} < {minimum}"


@pytest.mark.parametrize(
    "section", [*RANKED_SECTIONS, "Trends & Observations", "Introduction", "Methodology"]
)
def test_fact_questions_cover_every_section(section: str) -> None:
    facts = [c for c in CASES if c.category == "fact" and section in c.expected_sections]
    assert len(facts) >= (3 if section in RANKED_SECTIONS else 1), section


def test_unanswerable_mix() -> None:
    questions = " ".join(c.scored_question for c in CASES if c.category == "unanswerable")
    for outside in (
        "Wuhan",
        "Suzhou",
        "Chongqing",
        "11th",
        "recipe",
        "weather",
        "population",
        "CEO",
        "founded",
    ):
        assert outside in questions, outside
    assert all(c.must_abstain for c in CASES if c.category == "unanswerable")


def test_open_question_categories_use_their_fields() -> None:
    yes_no = [c for c in CASES if c.category == "yes_no"]
    assert all(c.expected_lead for c in yes_no)
    assert {lead for c in yes_no for lead in c.expected_lead or []} >= {"Yes", "No"}
    assert all(c.must_abstain for c in CASES if c.category == "trap")
    assert any(c.min_facts for c in CASES if c.category == "list")
    assert any(c.min_facts for c in CASES if c.category == "summary")
    traps = " ".join(c.scored_question for c in CASES if c.category == "trap").lower()
    for kind in ("founded", "chairman", "cost", "population", "how many people", "year"):
        assert kind in traps, kind


def test_ids_are_unique_slugs() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_follow_ups_have_two_or_three_turns() -> None:
    for c in CASES:
        if c.category == "follow_up":
            assert c.turns is not None and 2 <= len(c.turns) <= 3, c.id
    assert any(c.turns and len(c.turns) == 3 for c in CASES)


def test_chinese_cases_ask_in_chinese_and_expect_english() -> None:
    chinese = [c for c in CASES if c.category == "chinese"]
    for c in chinese:
        assert CJK.search(c.scored_question), c.id
        assert not any(CJK.search(form) for fact in c.expected_facts for form in fact), c.id
    asked = "".join(c.scored_question for c in chinese)
    for word in ("北京", "杭州", "深圳", "阿里巴巴", "华为", "腾讯", "第八"):
        assert word in asked, word


def test_injection_cases_have_must_not_patterns() -> None:
    injections = [c for c in CASES if c.category == "injection"]
    assert all(c.must_not for c in injections)
    assert any(c.must_abstain for c in injections) and any(not c.must_abstain for c in injections)


def test_false_premise_xiamen_first_expects_the_real_ranks() -> None:
    case = next(c for c in CASES if c.category == "false_premise" and "Xiamen" in c.scored_question)
    assert any("10th" in fact for fact in case.expected_facts)
    assert ["Beijing"] in case.expected_facts
    assert case.must_not


def _section_texts() -> dict[str, str]:
    return {span.title: SOURCE[span.start : span.end] for span in section_spans(SOURCE)}


def test_expected_facts_are_in_the_expected_sections() -> None:
    """Every non-ordinal fact of an answerable case is written in one of its expected sections."""
    texts = _section_texts()
    problems = []
    for c in CASES:
        if c.must_abstain:
            continue
        evidence = " ".join(texts[s] for s in c.expected_sections)
        for forms in c.expected_facts:
            if any(ORDINAL.match(f) for f in forms):
                continue  # rank facts ("8th") are stated by the heading "8. Jinan", not in words
            if not fact_hit(evidence, forms):
                problems.append(f"{c.id}: {forms}")
    assert not problems, problems


def test_questions_do_not_copy_the_article() -> None:
    """No question shares a run of 6 words with the article (questions are written in our own words)."""
    article_words = re.findall(r"\w+", SOURCE.lower().replace("’", "'"))
    grams = {tuple(article_words[i : i + 6]) for i in range(len(article_words) - 5)}
    for c in CASES:
        for q in c.questions:
            words = re.findall(r"\w+", q.lower().replace("’", "'"))
            copied = [g for g in zip(*(words[i:] for i in range(6)), strict=False) if g in grams]
            assert not copied, (c.id, copied)


def test_case_helpers() -> None:
    follow = next(c for c in CASES if c.turns and len(c.turns) == 3)
    assert follow.questions == follow.turns
    assert follow.scored_question == follow.turns[-1]
    assert follow.history_questions == follow.turns[:-1]
    single = next(c for c in CASES if c.question)
    assert single.questions == [single.question] and single.history_questions == []


def test_select_categories() -> None:
    assert select_categories(CASES, None) == CASES
    assert select_categories(CASES, []) == CASES
    chosen = select_categories(CASES, ["chinese", "injection"])
    assert chosen and {c.category for c in chosen} == {"chinese", "injection"}
    with pytest.raises(DatasetError, match="unknown category"):
        select_categories(CASES, ["facts"])


# -- validation errors ------------------------------------------------------------------------------------

GOOD = {
    "id": "jinan-rank",
    "category": "ranking",
    "question": "Where does Jinan rank?",
    "expected_facts": [["8th", "eighth"]],
    "expected_sections": ["8. Jinan"],
    "must_abstain": False,
}


def doc(*cases: dict) -> dict:
    return {"version": 1, "cases": list(cases)}


def bad(**changes: object) -> dict:
    case = {**GOOD, **changes}
    return {k: v for k, v in case.items() if v is not ...}


def test_a_yes_no_whose_lead_is_the_answer_needs_no_facts() -> None:
    (case,) = parse_cases(doc(bad(question="Is Wuhan one of the ten?", category="yes_no", expected_facts=[],
                                  expected_sections=[], expected_lead=["No"])), "x.yaml")
    assert case.expected_lead == ["No"] and not case.expected_facts


def test_good_case_parses() -> None:
    (case,) = parse_cases(doc(GOOD), "x.yaml")
    assert isinstance(case, Case) and case.must_not == []


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (bad(category="facts"), "category"),
        (bad(question="   "), "question is empty"),
        (bad(question=..., turns=[]), "turns is an empty list"),
        (bad(question=..., turns=["Where is Jinan?", " "]), "turn 2 is empty"),
        (bad(turns=["Where is Jinan?"]), "exactly one of"),
        (bad(question=...), "exactly one of"),
        (bad(category="follow_up"), "at least 2"),
        (bad(expected_facts=[]), "expected_facts is empty"),
        (bad(expected_facts=[], expected_lead=["No"]), "expected_facts is empty"),  # it has sections to cite
        (bad(expected_sections=[], expected_lead=["No"]), "expected_sections is empty"),
        (bad(expected_facts=[[]]), "fact 1 has no forms"),
        (bad(expected_facts=[[8]]), "valid string"),
        (bad(expected_sections=[]), "expected_sections is empty"),
        (bad(expected_sections=["Jinan"]), "unknown section"),
        (bad(must_abstain=True), "must_abstain case has expected_facts: []"),
        (bad(must_abstain=...), "must_abstain"),
        (bad(must_not=["Xiamen (is"]), "does not compile"),
        (bad(id="Jinan Rank!"), "id"),
        (bad(category="unanswerable"), "must_abstain: true"),
        (bad(extra_field=1), "extra_field"),
    ],
)
def test_invalid_case_is_reported_with_file_and_id(case: dict, message: str) -> None:
    with pytest.raises(DatasetError) as err:
        parse_cases(doc(case), "cases-x.yaml", sections=SECTIONS)
    text = str(err.value)
    assert "cases-x.yaml" in text
    assert "#1" in text
    assert message in text


def test_duplicate_ids_and_all_problems_listed() -> None:
    with pytest.raises(DatasetError) as err:
        parse_cases(doc(GOOD, GOOD, bad(id="other", category="nope")), "c.yaml")
    text = str(err.value)
    assert "duplicate id" in text and "'jinan-rank' (#2)" in text
    assert "'other' (#3)" in text
    assert text.startswith("2 problem(s) in c.yaml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping"),
        ({"version": 2, "cases": [GOOD]}, "`version`"),
        ({"version": 1, "cases": [GOOD], "source": 3}, "`source` must be a file path"),
        ({"version": 1, "cases": [GOOD], "thresholds": [1]}, "`thresholds` must be a mapping"),
        ({"version": 1, "cases": []}, "non-empty list"),
        ({"version": 1}, "non-empty list"),
        ({"version": 1, "cases": [GOOD], "extra": 1}, "unknown top-level"),
        ({"version": 1, "cases": ["just a string"]}, "expected a mapping"),
    ],
)
def test_invalid_file_shape(data: object, message: str) -> None:
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_cases(data, "f.yaml")


def test_load_cases_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_cases(tmp_path / "nope.yaml")


def test_load_cases_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\ncases: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="not valid YAML"):
        load_cases(path)


def test_load_cases_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(doc(GOOD), allow_unicode=True), encoding="utf-8")
    assert [c.id for c in load_cases(path)] == ["jinan-rank"]


# -- any article: sections come from the source being evaluated -------------------------------------------

TINY_ARTICLE = """Top 3 Robot Towns in 2030: The Short Ranking

This short ranking looks at three towns that build robots, judged on factories, research and local support.

1. Alphaville

Key Strengths:

  \u2022 Factories: Alphaville makes 40% of the country's warehouse robots.

2. Betatown

Key Strengths:

  \u2022 Ports: Betatown's harbour robots unload container ships in half the usual time.

Outlook

  \u2022 Consolidation: Smaller towns are expected to merge their robot programmes by 2032.
"""


def test_source_sections_of_the_shipped_article() -> None:
    assert ("Introduction", *RANKED_SECTIONS, "Trends & Observations", "Methodology") == SECTIONS


def test_source_sections_of_another_article() -> None:
    assert source_sections(TINY_ARTICLE) == ("Introduction", "1. Alphaville", "2. Betatown", "Outlook")
    with_note = TINY_ARTICLE + "\nFor methodology details, refer to the Robot Census 2030.\n"
    assert source_sections(with_note)[-1] == "Methodology"


def tiny_cases(tmp_path: Path, sections: list[str], *, header: str = "") -> Path:
    path = tmp_path / "cases.yaml"
    case = {**GOOD, "question": "What share of warehouse robots come from Alphaville?",
            "expected_facts": [["40%"]], "expected_sections": sections}
    path.write_text(header + yaml.safe_dump({"version": 1, "cases": [case]}), encoding="utf-8")
    return path


def test_cases_are_checked_against_the_sections_of_the_evaluated_source(tmp_path: Path) -> None:
    article = tmp_path / "robots.txt"
    article.write_text(TINY_ARTICLE, encoding="utf-8")
    ok = load_cases_file(tiny_cases(tmp_path, ["1. Alphaville", "Introduction"]), source=article)
    assert [c.expected_sections for c in ok.cases] == [["1. Alphaville", "Introduction"]]

    with pytest.raises(DatasetError) as err:  # this article's cases against the shipped article
        load_cases_file(tiny_cases(tmp_path, ["1. Alphaville"]), default_source=DEFAULT_SOURCE)
    assert "unknown section(s) ['1. Alphaville']" in str(err.value) and str(DEFAULT_SOURCE) in str(err.value)
    assert "'1. Beijing'" in str(err.value)  # the valid titles are listed

    with pytest.raises(DatasetError, match=re.escape("unknown section(s) ['8. Jinan', 'Methodology']")):
        load_cases_file(tiny_cases(tmp_path, ["8. Jinan", "Methodology"]), source=article)


def test_the_source_header_names_the_article(tmp_path: Path) -> None:
    (tmp_path / "robots.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    loaded = load_cases_file(tiny_cases(tmp_path, ["2. Betatown"], header="source: robots.txt\n"),
                             default_source=DEFAULT_SOURCE)  # the header wins over the default article
    assert loaded.source == tmp_path / "robots.txt" and loaded.thresholds is None
    with pytest.raises(DatasetError, match="unknown section"):  # --source wins over the header
        load_cases_file(tmp_path / "cases.yaml", source=DEFAULT_SOURCE)
    with pytest.raises(SourceError, match="Source not found"):
        load_cases_file(tiny_cases(tmp_path, ["2. Betatown"], header="source: data/fixtures/nope.txt\n"))


def test_sections_are_not_checked_without_an_article() -> None:
    (case,) = parse_cases(doc({**GOOD, "expected_sections": ["Anything"]}), "x.yaml")
    assert case.expected_sections == ["Anything"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (bad(category="trap"), "a trap case must have must_abstain: true"),
        (bad(min_facts=2), "min_facts 2 is more than the 1 expected_facts"),
        (bad(expected_lead=[]), "expected_lead is an empty list"),
    ],
)
def test_open_question_fields_are_validated(case: dict, message: str) -> None:
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_cases(doc(case), "x.yaml")


def test_version_is_optional_and_thresholds_section_is_kept() -> None:
    data = {"cases": [GOOD], "thresholds": {"min": {"accuracy": 0.5}}}
    assert [c.id for c in parse_cases(data, "x.yaml")] == ["jinan-rank"]
