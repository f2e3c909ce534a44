"""`ingest.core.text.cell_number`: the value of a text that is one number, as tables write them."""

from __future__ import annotations

import pytest

from ingest.core.text import cell_number


@pytest.mark.parametrize(("text", "value"), [
    ("1,204", 1204.0), ("-3.5", -3.5), ("+4", 4.0), ("96%", 96.0), ("12.", 12.0), (" 7 ", 7.0),
    ("$2.8M", 2.8e6), ("€30K", 3e4), ("12 bn", 1.2e10), ("2.1 million", 2.1e6), ("1\u202f500", 1500.0),
    ("4.5 km", 4.5), ("300 m", 300.0), ("81 kg", 81.0),  # a lower-case unit is no scale
])
def test_numbers_with_their_marks(text: str, value: float) -> None:
    assert cell_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["n/a", "", "—", "3 of 5", "1999–2004", "Route 66 North", "about 40", "7 (est.)"])
def test_texts_that_are_not_one_number(text: str) -> None:
    assert cell_number(text) is None


def test_a_column_with_mixed_scales_orders_by_value() -> None:
    cells = ["$900K", "$2.8M", "$1.1M", "$75,000"]
    assert sorted(cells, key=lambda c: cell_number(c) or 0.0, reverse=True) == ["$2.8M", "$1.1M", "$900K", "$75,000"]
