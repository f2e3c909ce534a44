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
    RANKED_SECTIONS,
    Case,
    DatasetError,
    load_cases,
    parse_cases,
    select_categories,
)
from eval.metrics import fact_hit

SOURCE = (Path(__file__).resolve().parents[2] / "data" / "china-ai-cities-2025.txt").read_text(
    encoding="utf-8"
)
CASES = load_cases(DEFAULT_CASES_PATH)
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
        parse_cases(doc(case), "cases-x.yaml")
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
        ({"cases": [GOOD]}, "`version`"),
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
