"""Tests of eval.baseline: section mapping (fast, pure) and the Chroma pipeline (slow: chromadb import)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from eval.baseline import SectionSpan, section_spans, sections_for_chunk
from eval.dataset import source_sections

SOURCE = (Path(__file__).resolve().parents[2] / "data" / "china-ai-cities-2025.txt").read_text(
    encoding="utf-8"
)
KNOWN_SECTIONS = source_sections(SOURCE)  # the titles the app cites, as the parser finds them


def test_section_spans_of_the_article() -> None:
    spans = section_spans(SOURCE)
    assert [s.title for s in spans] == list(KNOWN_SECTIONS)
    assert spans[0].start == 0 and spans[-1].end == len(SOURCE)
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    by_title = {s.title: SOURCE[s.start : s.end] for s in spans}
    assert by_title["8. Jinan"].startswith("8. Jinan") and "Inspur" in by_title["8. Jinan"]
    assert "Tianjin" not in by_title["8. Jinan"]
    assert by_title["Methodology"].startswith("For methodology details")
    assert "Here’s an expanded analysis" in by_title["Introduction"]


def test_section_spans_take_the_unnumbered_headings_they_are_given() -> None:
    text = "Intro.\n\n1. Alpha\nbody\n\nOutlook\nmore\n"
    assert [s.title for s in section_spans(text, headings=())] == ["Introduction", "1. Alpha"]
    assert [s.title for s in section_spans(text, headings=("Outlook",))] == ["Introduction", "1. Alpha", "Outlook"]


def test_section_spans_without_headings() -> None:
    assert section_spans("Just one paragraph of prose.") == [SectionSpan("Introduction", 0, 28)]
    assert section_spans("") == [SectionSpan("Introduction", 0, 0)]


def test_section_spans_ignore_sentences_that_start_with_a_number() -> None:
    text = "Intro.\n\n1. Alpha\n\n2. This line is a sentence, not a heading at all.\n\n2. Beta\nbody\n"
    assert [s.title for s in section_spans(text)] == ["Introduction", "1. Alpha", "2. Beta"]


def test_sections_for_chunk() -> None:
    spans = [SectionSpan("A", 0, 10), SectionSpan("B", 10, 20), SectionSpan("C", 20, 30)]
    assert sections_for_chunk(spans, 0, 5) == ["A"]
    assert sections_for_chunk(spans, 5, 25) == ["A", "B", "C"]
    assert sections_for_chunk(spans, 12, 20) == ["B"]  # end is exclusive: C is not touched
    assert sections_for_chunk(spans, 10, 10) == ["B"]
    assert sections_for_chunk([], 0, 5) == []


@pytest.mark.slow
def test_naive_baseline_answers_with_the_top_chunk() -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from eval.baseline import NaiveBaseline, make_client

    baseline = NaiveBaseline(
        SOURCE, DeterministicFakeEmbedding(size=32), make_client(), collection_name="t-naive"
    )
    try:
        assert len(baseline.chunks) > 1
        assert all(SOURCE[c.start : c.end] == c.text for c in baseline.chunks)
        answer = baseline.ask("Which city is ranked eighth?", history=[("q", "a")])
        assert answer.abstained is False and answer.citations == []
        assert answer.text in {c.text for c in baseline.chunks}
        assert answer.retrieved and {r.section for r in answer.retrieved} <= set(KNOWN_SECTIONS)
        assert set(answer.timings_ms) == {"retrieval_ms", "answer_ms", "total_ms"}
        again = NaiveBaseline(
            SOURCE, DeterministicFakeEmbedding(size=32), baseline.client, collection_name="t-naive"
        )  # replaces the collection, no duplicates
        assert again.store._collection.count() == len(again.chunks)
    finally:
        baseline.drop()
