"""No markup in answers, citation labels and quotes over every even-numbered article under data/ (the other half
is in `test_no_markup_answers_odd.py`, so the two test workers share the articles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.test_no_markup import ARTICLES, check_answers_carry_no_markup


@pytest.mark.slow
@pytest.mark.parametrize("path", ARTICLES[0::2], ids=lambda p: p.name)
def test_answers_carry_no_markup(path: Path, tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    check_answers_carry_no_markup(path, tmp_path, embeddings)
