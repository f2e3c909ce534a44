"""The document model's reading of plain text (ingest/document.py)."""

from __future__ import annotations

from ingest.document import read_document


def test_a_hard_wrapped_line_ending_in_an_abbreviation_goes_on_in_the_next_line() -> None:
    text = ("Our walk ended at the harbour, where we had lunch at the bakery on St.\n"
            "Anne's Quay before the ferry left.\n\nThe next day it rained.")
    doc = read_document(text, "text")
    paragraphs = [doc.block_text(b) for b in doc.blocks if b.kind == "paragraph"]
    assert paragraphs == ["Our walk ended at the harbour, where we had lunch at the bakery on St. Anne's Quay before "
                          "the ferry left.", "The next day it rained."]


def test_a_hard_wrapped_line_ending_a_sentence_still_ends_its_paragraph() -> None:
    text = "We visited every bakery in the old town at least twice last year.\nOpening hours change often."
    doc = read_document(text, "text")
    assert [doc.block_text(b) for b in doc.blocks] == [
        "We visited every bakery in the old town at least twice last year.", "Opening hours change often."]


def test_a_cell_that_spans_rows_fills_its_column_in_each_of_them() -> None:
    page = ("<table><tr><th>Place</th><th>Flyer</th><th>Score</th></tr>"
            "<tr><td rowspan='2'>T1</td><td>Bo Chen</td><td rowspan='2'>95</td></tr>"
            "<tr><td>Cal Ortiz</td></tr>"
            "<tr><td>3</td><td colspan='2'>Dee Park, 91</td></tr></table>")
    doc = read_document(page, "html")
    rows = [[doc.text[a:b] for a, b in block.cells] for block in doc.blocks if block.kind == "row"]
    assert rows == [["Place", "Flyer", "Score"], ["T1", "Bo Chen", "95"], ["T1", "Cal Ortiz", "95"],
                    ["3", "Dee Park, 91", ""]]
    assert "Cal Ortiz" in doc.text and doc.text.count("T1") == 1  # the spanning cell's text is written once
