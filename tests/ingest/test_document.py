"""The document model's reading of plain text, cells and raw-HTML blocks (ingest/document.py)."""

from __future__ import annotations

import pytest

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


def test_an_empty_inline_element_inside_another_in_a_cell_is_read() -> None:
    """`<b><i></i>x</b>`: an empty mark inside another left the outer one unclosed (marks were matched by value,
    and two marks with no text yet are equal), and the page failed to load."""
    document = read_document("<table><tr><th>Place</th><th>Name</th></tr><tr><td>1</td><td><b><i></i>Ada "
                             "Lowe</b><sup><a href='#n1'></a></sup></td></tr></table>", "html")
    assert "Ada Lowe" in document.text


def test_generated_inline_nestings_in_cells_never_break_the_reader() -> None:
    import random

    tags = ["b", "i", "span", "a", "sup", "small", "em", "strong", "abbr"]
    rng = random.Random(7)

    def inline(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(["", "x", " word ", "&nbsp;", "<br>"])
        tag = rng.choice(tags)
        return f"<{tag}>" + "".join(inline(depth - 1) for _ in range(rng.randint(0, 3))) + f"</{tag}>"

    for _ in range(500):
        cells = "".join(f"<td>{inline(4)}</td>" for _ in range(3))
        document = read_document(f"<table><tr>{cells}</tr></table><p>{inline(4)}</p>", "html")
        assert "<" not in document.text


def test_a_link_whose_address_a_site_generator_fills_in_shows_only_its_text() -> None:
    document = read_document('The team [grew to 40]({{ "/2031/05/01/growth/" | url }}) and [moved]({% link a.md %}); '
                             "[a plain link](https://example.org) stays a link.", "markdown")
    assert document.text == "The team grew to 40 and moved; a plain link stays a link."


@pytest.mark.parametrize("info", ["=html", "{=html}", "{ =html5 }"])
def test_a_fenced_block_marked_as_raw_html_is_read_as_html(info: str) -> None:
    source = (f"# Favourite kites\n\nWhich kite do you fly most?\n\n``` {info}\n<ol class=\"bars\">\n"
              "  <li> <span class=\"label\">Sky Ribbon</span> <div class=\"bar\"></div> 40 </li>\n"
              "  <li> <span class=\"label\">Red Delta</span> <div class=\"bar\"></div> 31 </li>\n</ol>\n```\n\n"
              "```html\n<b>a sample shown as code</b>\n```\n")
    document = read_document(source, "markdown")
    assert "1. Sky Ribbon" in document.text and "2. Red Delta" in document.text
    assert "<span" not in document.text and "<li>" not in document.text
    assert "<b>a sample shown as code</b>" in document.text  # a fence in a language is code, shown as written


def test_a_fixed_width_table_in_a_plain_fenced_block_is_read_as_a_table() -> None:
    rows = "\n".join(f"{name:<22}{wins:>4}{losses:>4}   {points:>3}" for name, wins, losses, points in [
        ("Harrow Kites", 12, 2, 38), ("Dune Gliders", 10, 4, 31), ("Pale Ospreys", 7, 7, 22),
        ("Low Tide Club", 3, 11, 9)])
    source = f"# Kite league\n\nFinal standings:\n\n~~~\n{rows}\n~~~\n\n```\nprint('a code sample')\nx  =  1\n```\n"
    document = read_document(source, "markdown")
    assert "Harrow Kites\t12\t2\t38" in document.text and "|" not in document.text
    assert "print('a code sample')" in document.text  # a block that is no table stays as written
    kept = read_document(source.replace("~~~\n", "~~~python\n", 1), "markdown")
    assert "Harrow Kites\t12\t2\t38" not in kept.text  # a fence in a language is code, not a table
    assert rows in kept.text  # shown as written


def test_a_footnote_is_read_as_the_blocks_it_holds_without_its_marks() -> None:
    source = ("# Kite league [^season]\n\n1. Harrow Kites\n2. Dune Gliders[^tie]\n\n"
              "[^season]:\n    Two rounds were replayed:\n\n    | Team | Points |\n    | ---- | -----: |\n"
              "    | Harrow Kites | 3.5 |\n    | Dune Gliders | 2.0 |\n\n[^tie]: Level on points, ahead on wins.\n")
    document = read_document(source, "markdown")
    heading = next(b for b in document.blocks if b.kind == "heading")
    assert document.text[heading.start:heading.end].strip() == "Kite league"
    rows = [document.text[b.start:b.end] for b in document.blocks if b.kind == "row"]
    assert any("Harrow Kites" in r and "3.5" in r for r in rows) and "|" not in document.text
    assert "[^" not in document.text and "[1]" not in document.text and "↩" not in document.text
    assert "Level on points, ahead on wins." in document.text
    items = [b for b in document.blocks if b.kind == "item"]  # the list is the page's; its footnotes are no list
    assert [document.text[b.start:b.end] for b in items] == ["Harrow Kites", "Dune Gliders"]


def test_a_link_with_html_attributes_left_after_its_address_shows_only_its_text() -> None:
    source = ('_The kite field at dawn (photo by [Ada Brenn](https://a.example/p/1" rel="noopener" target="_blank" '
              'title="))_, with [Osk Kites](https://b.example/q" title="Osk site") and [a plain link](https://c.example)'
              '; a quote ("as said" by="them") stays.')
    document = read_document(source, "markdown")
    assert document.text == ('The kite field at dawn (photo by Ada Brenn), with Osk Kites and a plain link; a quote '
                             '("as said" by="them") stays.')


def test_a_line_that_is_only_a_site_generator_directive_is_not_read() -> None:
    source = ('# Kite league\n\n{% include video.html id="k3x" %}\n\nThe final.\n\n{{< youtube k4y >}}\n\n'
              '  {%- embed url="https://example.org/k5" -%}  \n\n{{% note %}}\n\nA kite {% raw %}inline{% endraw %} '
              "tag stays, and so does {{ a variable }}.\n")
    document = read_document(source, "markdown")
    assert [document.text[b.start:b.end] for b in document.blocks] == [
        "Kite league", "The final.", "A kite {% raw %}inline{% endraw %} tag stays, and so does {{ a variable }}."]


def test_a_reference_definition_whose_address_a_site_generator_fills_in_keeps_the_ones_after_it() -> None:
    source = ("The winner is Team [Harrow Kites][2], ahead of [Dune Gliders][3]. ![kites][1]\n\n"
              '[1]: {{ site.url }}/assets/img/kites.png\n[2]: https://example.org/harrow "Harrow"\n'
              "[3]: {% link teams/dune.md %}\n")
    document = read_document(source, "markdown")
    assert document.text.startswith("The winner is Team Harrow Kites, ahead of Dune Gliders.")
    assert "[" not in document.text and "{{" not in document.text


def _kinds(document) -> list[tuple[str, int, str]]:
    return [(b.kind, b.level, document.block_text(b)) for b in document.blocks]


def test_front_matter_is_no_text_and_its_title_is_the_page_heading() -> None:
    source = ("<!-- copied from a made-up blog -->\n---\nlayout: post\ntitle:  \"Five Quiet Lakes: 2031\"\n"
              "tags: [lakes, travel]\n---\n\nSome lakes are quieter than others.\n\n1. Osk Water\n2. Fennmere\n")
    document = read_document(source, "markdown")
    assert _kinds(document)[0] == ("heading", 1, "Five Quiet Lakes: 2031")
    assert "layout" not in document.text and "tags" not in document.text and "---" not in document.text
    assert "Osk Water" in document.text
    # the text opens with the same heading: it is not written twice
    repeated = read_document(source.replace("Some lakes", "# Five Quiet Lakes: 2031\n\nSome lakes"), "markdown")
    assert repeated.text.count("Five Quiet Lakes") == 1
    # no title: the fields still go
    untitled = read_document(source.replace('title:  "Five Quiet Lakes: 2031"\n', ""), "markdown")
    assert "layout" not in untitled.text and untitled.text.startswith("Some lakes")


def test_a_rule_that_is_no_front_matter_stays_as_written() -> None:
    source = "---\nJust a line between rules, no settings here.\n---\n\nMore text.\n"
    document = read_document(source, "markdown")
    assert "Just a line between rules, no settings here." in document.text


def test_html_indented_inside_containers_is_read_as_html_not_as_code() -> None:
    cards = "\n".join(
        f"  <li>\n    <div class='cover'>\n      <img src='/covers/{n}.jpg' /><div></div>\n    </div>\n"
        f"    <div class='content'>\n      <h6>{artist}</h6>\n      <h4>{album}</h4>\n"
        f"      <p>{artist} made a <em>fine</em> record.</p>\n    </div>\n"
        f"    <div class='player'>\n      <h6>#{n}</h6>\n    </div>\n  </li>"
        for n, artist, album in [(3, "Pale Ospreys", "Low Tide"), (2, "Harrow Bells", "Glass Coast"),
                                 (1, "Dune Choir", "North Light")])
    source = f"## Top 3:\n\n<ul class=\"records\">\n{cards}\n</ul>\n\n    an indented code line stays code\n"
    document = read_document(source, "markdown")
    assert "<" not in document.text.replace("an indented code line", "")
    assert ("heading", 6, "Pale Ospreys") in _kinds(document) and ("heading", 4, "North Light") in _kinds(document)
    assert "Pale Ospreys made a fine record." in document.text
    assert "an indented code line stays code" in document.text


def test_a_line_that_is_only_a_break_or_an_image_leaves_the_markdown_after_it_markdown() -> None:
    for tag in ("<br/>", "<hr>", "<img src=\"/a.png\" alt=\"\">"):
        source = f"{tag}\nAfter seeing [a film](https://example.org/film), I had *my first* slice.\n"
        document = read_document(source, "markdown")
        assert "After seeing a film, I had my first slice." in document.text, tag
        assert "](" not in document.text and "*" not in document.text


def test_front_matter_summary_is_the_paragraph_under_the_title() -> None:
    source = ("---\ntitle: Five Quiet Lakes\ndescription: >\n  A walker's pick of the calmest\n  lakes of Fenby.\n"
              "author: someone\n---\n\nThe list starts here.\n")
    document = read_document(source, "markdown")
    assert _kinds(document)[:3] == [("heading", 1, "Five Quiet Lakes"),
                                    ("paragraph", 0, "A walker's pick of the calmest lakes of Fenby."),
                                    ("paragraph", 0, "The list starts here.")]
    assert "someone" not in document.text


@pytest.mark.parametrize("line", ["[the_ad id='12']", "\\[the\\_ad id='12'\\]  ", '[gallery ids="4,5" size=large]',
                                  "[/caption]", "import Chart from '@site/static/img/chart.png';",
                                  'import { Tabs, Tab } from "@theme/Tabs"', "export const meta = { draft: true };"])
def test_a_line_that_is_only_a_shortcode_or_an_mdx_statement_is_not_read(line: str) -> None:
    document = read_document(f"# Kites\n\n{line}\n\nThe Sky Ribbon flies best. [sic]\n\n[Note]\n", "markdown")
    assert document.text == "Kites\n\nThe Sky Ribbon flies best. [sic]\n\n[Note]"


def test_bold_marks_markdown_could_not_pair_are_not_shown() -> None:
    doc = read_document("# Notes\n\n**Before you start, **read the rules. Then **check** the list.\n\n"
                        "In code 2**3 is 8, and a ** b stays.\n\n**Unclosed bold at the start of a line\n", "markdown")
    body = doc.text[doc.text.index("Before"):]
    assert "Before you start, read the rules. Then check the list." in body
    assert "In code 2**3 is 8, and a ** b stays." in body
    assert "Unclosed bold at the start of a line" in body and "**Unclosed" not in body
