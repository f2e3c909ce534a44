"""Exact extraction over generated documents: one made-up ranking per seed, rendered in every shape of
`tests/ingest/shapegen.py` (markdown headings, numbered lines, bold paragraphs, countdowns, pipe and HTML tables,
HTML lists with start/reversed/value, definition lists, nested lists, headings in <div>s, ranks after the item or
on their own line, prose-only ranks, plain text), with partial lists, ties and unranked extras.

For each document `parse_source(text, kind)` must give exactly the ranked (rank, name) list, each entry's
description sentences under that entry and no other entry's, no extras among the ranked, no markup in names or
bullets, and verbatim spans. Debug a failure with `python -m tests.ingest.shapegen SHAPE SEED`.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from ingest import parser as parser_module
from ingest.structure import Article, Bullet, Section, Span
from tests.ingest.shapegen import QUOTED_NAMES, SEEDS, SHAPES, Case, build_case

# Reader text of the generated documents never holds these: names and sentences are drawn without them, so in a
# name or bullet they are markup left behind (a heading marker, emphasis, a link, a table pipe, a tag, an entity).
# A lone "#" before a number ("#13", "#2019") is text, not markup.
MARKUP_ANY = re.compile(r"[<>|*_`\[\]]|##|(?:^|\s)#(?:\s|$)|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
MARKUP = [("<", re.compile(r"<")), (">", re.compile(r">")), ("**", re.compile(r"\*\*")), ("|", re.compile(r"\|")),
          ("a '#' heading marker", re.compile(r"##|(?:^|\s)#(?:\s|$)")), ("*", re.compile(r"\*")),
          ("_", re.compile(r"_")), ("[ or ]", re.compile(r"[\[\]]")), ("`", re.compile(r"`")),
          ("an HTML entity", re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);"))]


def norm(text: str) -> str:
    return " ".join(text.split())


def markup_in(text: str) -> str | None:
    """The markup a name or bullet still carries, or None."""
    if not MARKUP_ANY.search(text):
        return None
    for label, pattern in MARKUP:
        if pattern.search(text):
            return label if label.startswith(("a", "an")) else repr(label)
    return None


def spans_problems(article: Article) -> list[str]:
    """Every span must be the source text at its offsets."""
    source = article.source_text
    spans = [("title", article.title), ("intro", article.intro), ("methodology", article.methodology)]
    spans += [("boilerplate", b) for b in article.boilerplate]
    for section in article.sections:
        label = f"section {section.title.text[:40]!r}"
        spans.append((f"{label} title", section.title))
        spans.append((f"{label} row", section.row))
        spans += [(f"{label} bullet", b.body) for b in section.bullets]
    problems = []
    for label, span in spans:
        if span is not None and source[span.start:span.end] != span.text:
            problems.append(f"span not verbatim ({label}): text={span.text[:60]!r} but "
                            f"source[{span.start}:{span.end}]={source[span.start:span.end][:60]!r}")
    return problems


def ranking_problems(case: Case, got: list[tuple[int | None, str | None]]) -> list[str]:
    expected = case.ranked
    if got == expected:
        return []
    problems = [f"ranked (rank, name) differ: expected {len(expected)} entries, got {len(got)}"]
    for i, (want, have) in enumerate(zip(expected, got, strict=False)):
        if want != have:
            problems.append(f"first difference at position {i}: expected {want!r}, got {have!r}")
            break
    missing = [e for e in expected if e not in got]
    unexpected = [g for g in got if g not in expected]
    if missing:
        problems.append(f"missing ({len(missing)}): {missing[:8]!r}{' ...' if len(missing) > 8 else ''}")
    if unexpected:
        problems.append(f"unexpected ({len(unexpected)}): {unexpected[:8]!r}{' ...' if len(unexpected) > 8 else ''}")
    extras = [g for g in got if g[1] in case.extras]
    if extras:
        problems.append(f"unranked extras were ranked: {extras!r}")
    return problems


PREFIX = 12
# the first PREFIX characters from each place a sentence can start: a word, or right after a full stop
STARTS = re.compile(rf"(?:^|(?<=[\s.:;!?)]))(?=(\S.{{0,{PREFIX - 1}}}))")


def content_problems(case: Case, article: Article) -> list[str]:
    """Each entry's sentences under it and nobody else's (checked when the ranked names came out right). In prose-only
    documents one paragraph can rank several entries, so there only each entry's own sentence is required."""
    problems = []
    owners: dict[str, int | str] = {norm(s): i for i, sentences in enumerate(case.sentences) for s in sentences}
    owners.update({norm(s): whose for s, whose in case.foreign.items()})
    by_prefix: dict[str, list[tuple[str, int | str]]] = {}  # a sentence starts where a word does: look there only
    for sentence, owner in owners.items():
        by_prefix.setdefault(sentence[:PREFIX], []).append((sentence, owner))
    for i, (section, (rank, name), own) in enumerate(zip(article.ranked, case.ranked, case.sentences, strict=True)):
        under = norm(" ".join(b.body.text for b in section.bullets))
        for sentence in own:
            if norm(sentence) not in under:
                problems.append(f"#{rank} {name!r}: its sentence {sentence!r} is not under it "
                                f"(its bullets: {under[:160]!r})")
        for key in () if case.prose else by_prefix.keys() & set(STARTS.findall(under)):
            for sentence, owner in by_prefix[key]:
                if owner == i or sentence not in under:
                    continue
                whose = f"#{case.ranked[owner][0]} {case.ranked[owner][1]!r}" if isinstance(owner, int) else owner
                problems.append(f"#{rank} {name!r}: holds {sentence!r}, which belongs to {whose}")
        if len(problems) > 12:
            break
    return problems


def markup_problems(article: Article) -> list[str]:
    problems = []
    for section in article.sections:
        if section.name and (mark := markup_in(section.name)):
            problems.append(f"name {section.name!r} carries markup {mark}")
        for bullet in section.bullets:
            if mark := markup_in(bullet.body.text):
                problems.append(f"bullet under {section.title.text[:40]!r} carries markup {mark}: "
                                f"{bullet.body.text[:80]!r}")
        if len(problems) > 8:
            break
    return problems


def problems_of(case: Case, article: Article) -> list[str]:
    """Everything the article gets wrong about the case; the sentences are checked once the ranking is right."""
    ranking = ranking_problems(case, [(s.rank, s.name) for s in article.ranked])
    content = content_problems(case, article) if not ranking else []
    return spans_problems(article) + ranking + content + markup_problems(article)


def report(case: Case, problems: list[str]) -> str:
    shown = problems[:15] + ([f"... and {len(problems) - 15} more"] if len(problems) > 15 else [])
    return "\n".join([
        f"shape={case.shape} seed={case.seed} kind={case.kind}: {len(problems)} problem(s)",
        *(f"  - {p}" for p in shown),
        f"  reproduce: python -m tests.ingest.shapegen {case.shape} {case.seed}",
        "  document starts:",
        case.head(),
    ])


# Cases the extractor does not get right yet: strict, so a case that starts passing fails here until it is taken off
# the list. Measured on 2026-12-07 at 1,712 of 1,752 exact; the 40 misses then (36 prose rankings the small model
# parsed wrongly, 3 rank badges after their items beside stat headings, 1 countdown joined across a tie) were fixed
# by general mechanisms, so none is left.
KNOWN_MISSES: set[tuple[str, int]] = set()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_generated_shape_is_extracted_exactly(shape: str, seed: int, request: pytest.FixtureRequest) -> None:
    if (shape, seed) in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(reason="a known miss (see KNOWN_MISSES)", strict=True))
    case = build_case(shape, seed)
    parse_source = getattr(parser_module, "parse_source", None)
    if parse_source is None:
        pytest.fail(f"{shape}/{seed}: ingest.parser.parse_source(text, kind) does not exist yet", pytrace=False)
    try:
        article = parse_source(case.text, case.kind)
    except Exception as exc:  # the traceback matters here: keep it
        raise AssertionError(report(case, [f"parse_source raised {type(exc).__name__}: {exc}"])) from exc
    problems = problems_of(case, article)
    if problems:
        pytest.fail(report(case, problems), pytrace=False)  # the report says it all; no traceback to format


# --- the generator itself --------------------------------------------------------------------------------------

def reader_text(case: Case) -> str:
    """What a reader sees of the document, by an independent renderer (markdown-it, lxml): the generator must put
    every expected name and sentence there, with the markup gone."""
    markdown_it = pytest.importorskip("markdown_it")
    lxml_html = pytest.importorskip("lxml.html")
    if case.kind == "text":
        return norm(case.text)
    page = case.text
    if case.kind == "markdown":
        # a container's tag on the line next to markdown needs a blank line before CommonMark reads that markdown
        # (the md_in_html shape writes it without; that is what it tests), so this renderer gives it one
        spaced = re.sub(r"^(</?(?:div|figure)\b[^>\n]*>)$", r"\n\1\n", case.text, flags=re.M)
        # a site generator replaces its directive lines ("{% include video.html … %}", "{{< youtube … >}}") with
        # what they embed (a player): no text of theirs reaches a reader
        spaced = re.sub(r"^(?:\{%.*%\}|\{\{<.*>\}\})$", "", spaced, flags=re.M)
        page = markdown_it.MarkdownIt("commonmark").enable("table").render(spaced)
    tree = lxml_html.fromstring(page)
    for element in tree.xpath("//script|//style"):
        element.drop_tree()
    return norm(tree.text_content())


def test_generator_documents_are_readable_and_consistent() -> None:
    """Every expected name and sentence is in each document's reader text, and no markup character is (so the
    markup check above is sound); ranks run in order; the same seed renders the same document."""
    bad = []
    for shape in SHAPES:
        for seed in SEEDS[::5]:  # a fifth of the seeds keeps this under a few seconds
            case = build_case(shape, seed)
            seen = reader_text(case)
            for _rank, name in case.ranked:
                if set(name) & set("<>|*_#`[]"):
                    bad.append(f"{shape}/{seed}: name {name!r} has a markup character")
                # a name of quoted titles ('"A" / "B"') is named without its quotes: each part is in the text
                parts = name.split(" / ") if shape in QUOTED_NAMES else [name]
                if any(norm(part) not in seen for part in parts):
                    bad.append(f"{shape}/{seed}: name {name!r} not in the reader text")
            for sentence in [s for ss in case.sentences for s in ss] + list(case.foreign):
                if norm(sentence) not in seen:
                    bad.append(f"{shape}/{seed}: sentence {sentence!r} not in the reader text")
            if case.kind != "text" and (left := set(seen) & set("<>|*_[]`")):
                bad.append(f"{shape}/{seed}: the reader text holds markup characters {sorted(left)}")
            ranks = [r for r, _ in case.ranked]
            if ranks != sorted(ranks) or len(set(case.ranked)) != len(case.ranked):
                bad.append(f"{shape}/{seed}: expected ranks out of order or repeated: {ranks}")
            if len(bad) > 20:
                break
    again = build_case.__wrapped__("h2_dot", 7)
    assert again.text == build_case("h2_dot", 7).text, "the generator is not deterministic"
    assert not bad, "\n".join(bad[:20])


def _correct_article(case: Case) -> Article:
    """The article a perfect parser returns for a plain-text case whose sentences sit verbatim in the text."""
    text = case.text
    sections = []
    for (rank, name), sentences in zip(case.ranked, case.sentences, strict=True):
        at = text.index(f". {name}") + 2
        bullets = [Bullet(None, Span(s, text.index(s), text.index(s) + len(s))) for s in sentences]
        sections.append(Section(title=Span(name, at, at + len(name)), bullets=bullets, rank=rank, name=name))
    return Article(source_text=text, sections=sections)


def test_the_checks_pass_a_correct_article_and_catch_each_mistake() -> None:
    case = next(c for c in (build_case("text_bullets", s) for s in SEEDS) if c.extras and len(c.ranked) > 3)
    good = _correct_article(case)
    assert problems_of(case, good) == []
    first, second = good.sections[0], good.sections[1]

    swapped = [dataclasses.replace(first, name=second.name), dataclasses.replace(second, name=first.name),
               *good.sections[2:]]
    found = problems_of(case, dataclasses.replace(good, sections=swapped))
    assert any("ranked (rank, name) differ" in p for p in found)

    stolen = [dataclasses.replace(first, bullets=first.bullets + second.bullets[:1]),
              dataclasses.replace(second, bullets=second.bullets[1:]), *good.sections[2:]]
    found = problems_of(case, dataclasses.replace(good, sections=stolen))
    assert any("belongs to" in p for p in found) and any("is not under it" in p for p in found)

    extra = case.extras[0]
    at = case.text.index(extra)
    ranked_extra = [*good.sections, Section(title=Span(extra, at, at + len(extra)), bullets=[], rank=999, name=extra)]
    assert any("extras were ranked" in p for p in problems_of(case, dataclasses.replace(good, sections=ranked_extra)))

    marked = [dataclasses.replace(first, name=f"**{first.name}**"), *good.sections[1:]]
    assert any("carries markup" in p for p in problems_of(case, dataclasses.replace(good, sections=marked)))

    body = first.bullets[0].body
    shifted = [dataclasses.replace(first, bullets=[Bullet(None, Span(body.text, body.start + 1, body.end + 1))]),
               *good.sections[1:]]
    assert any("not verbatim" in p for p in problems_of(case, dataclasses.replace(good, sections=shifted)))
