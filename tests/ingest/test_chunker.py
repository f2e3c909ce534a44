"""Chunks of table rows (one chunk per row, verbatim, embedded with its column headers), the row's sentence and
entities, and the chunks of list- and heading-shaped articles, which table rows must not change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.annotate import annotate_chunks, annotate_row
from ingest.chunker import ROW_KIND, chunk_article
from ingest.loader import load_source
from ingest.parser import parse_article
from ingest.pipeline import structure_of

QUAKES = """# Largest Earthquakes

Ranked by moment magnitude.

| # | Magnitude | Location | Date |
|---|---|---|---|
| 1. | 9.5 | Valdivia, Chile | 1960-05-22 |
| 2. | 9.2 | Prince William Sound, Alaska |  |
| 3. | 9.1 | Sumatra, Indonesia | 2004-12-26 |

## References

- Kanamori, H. (1977). The energy release in great earthquakes. J. Geophys. Res., 82(20), 2981-2987.
- Okal, E. A. (1992). Use of the mantle magnitude Mm. Pure Appl. Geophys., 139(1), 17-57.
"""


def test_a_table_row_is_one_verbatim_chunk_with_its_headers_in_the_embedded_text() -> None:
    article = parse_article(QUAKES)
    rows = [c for c in chunk_article(article) if c.kind == ROW_KIND]
    assert [c.text for c in rows] == ["1.\t9.5\tValdivia, Chile\t1960-05-22",
                                      "2.\t9.2\tPrince William Sound, Alaska",  # an empty last cell is not kept
                                      "3.\t9.1\tSumatra, Indonesia\t2004-12-26"]
    for chunk in rows:
        assert article.source_text[chunk.start:chunk.end] == chunk.text
    first = rows[0]
    assert (first.section, first.rank, first.city, first.topic) == ("1. Valdivia, Chile", 1, "Valdivia, Chile", None)
    assert first.embed_text == "1. Valdivia, Chile (rank 1): Magnitude: 9.5; Date: 1960-05-22"
    assert (first.section_start, first.section_end) == (first.start, first.end)
    # no lone cell is a chunk of its own; the cells stay the entry's topics for the profile
    assert not any(c.text in {"9.5", "1960-05-22"} for c in chunk_article(article))
    assert [b.topic for b in article.ranked[0].bullets] == ["Magnitude", "Date"]


def test_a_row_is_one_sentence_whose_entities_stay_inside_their_cells() -> None:
    text = "4. | 9.1 | Near the East Coast of Honshu, Japan | Tohoku Earthquake | 2011-03-11 | 05:46 | 38.30°N"
    [sentence] = annotate_row(text, offset=100)
    assert (sentence["start"], sentence["end"]) == (100, 100 + len(text))
    cells = [(text.index(c), text.index(c) + len(c)) for c in (p.strip() for p in text.split("|"))]
    for start, end, _label in sentence["entities"]:
        assert any(a <= start - 100 and end - 100 <= b for a, b in cells), text[start - 100:end - 100]
    assert any(text[s - 100:e - 100] == "2011-03-11" for s, e, _ in sentence["entities"])


def test_row_chunks_are_annotated_as_one_sentence_and_bullets_sentence_by_sentence() -> None:
    chunks = annotate_chunks(chunk_article(parse_article(QUAKES)))
    row = next(c for c in chunks if c.kind == ROW_KIND)
    assert row.annotations.count('"start"') == 1
    reference = next(c for c in chunks if c.text.startswith("Kanamori"))
    assert reference.annotations.count('"start"') > 1  # prose is still split into sentences


def test_the_shipped_article_chunks_exactly_as_before_table_rows_existed(source_text: str) -> None:
    # the ids of the chunks of the shipped article's reader text (kind, offsets and text of every chunk): the
    # document model reads it into the same 30 chunks, and a list article has no table row
    ids = [c.id for c in chunk_article(parse_article(source_text))]
    assert len(ids) == 30
    assert hashlib.sha256("\n".join(ids).encode()).hexdigest() == \
        "5e50f5231b07b4fb63b22d86f10228a37c71c091bdd88120ccae9dbeeffdad2b"


def test_an_html_table_row_is_one_chunk(tmp_path: Path) -> None:
    page = tmp_path / "table.html"
    page.write_text(
        "<h1>Top Universities 2025</h1><p>Our ranking of universities by research output.</p>"
        "<table><thead><tr><th>Rank</th><th>University</th><th>Country</th><th>Score</th></tr></thead><tbody>"
        "<tr><td>1</td><td>MIT</td><td>USA</td><td>100</td></tr>"
        "<tr><td>2</td><td>Imperial College London</td><td>UK</td><td>98.5</td></tr></tbody></table>",
        encoding="utf-8")
    text = load_source(page).text
    rows = [c for c in chunk_article(parse_article(text)) if c.kind == ROW_KIND]
    assert [(c.text, c.embed_text) for c in rows] == [
        ("1\tMIT\tUSA\t100", "1. MIT (rank 1): Country: USA; Score: 100"),
        ("2\tImperial College London\tUK\t98.5", "2. Imperial College London (rank 2): Country: UK; Score: 98.5")]


def test_the_structure_lists_a_table_rows_cells_with_their_headers_and_offsets() -> None:
    article = parse_article(QUAKES)
    sections = [s for s in structure_of(article)["sections"] if s["rank"]]
    first, second = sections[0], sections[1]
    assert [(c["header"], article.source_text[c["start"]:c["end"]]) for c in first["cells"]] == [("Magnitude", "9.5"),
                                                                                    ("Date", "1960-05-22")]
    assert [c["header"] for c in second["cells"]] == ["Magnitude"]  # an empty cell is not a cell
    prose = structure_of(parse_article("# Top Picks\n\n## 1. Alpha\n\nAlpha is first.\n\n## 2. Beta\n\nBeta next.\n"))
    assert all(s["cells"] == [] for s in prose["sections"])


def test_a_sentence_that_ranks_two_entries_gives_each_its_own_chunk() -> None:
    text = ("Kite clubs\n\nAlder Hall came first. Birch Lane came second, followed by Cedar Row in third.\n\n"
            "Dunmore came fourth.")
    chunks = chunk_article(parse_article(text))
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids))
    shared = "Birch Lane came second, followed by Cedar Row in third."
    assert sorted(c.rank for c in chunks if c.text == shared) == [2, 3]
