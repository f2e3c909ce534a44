"""The rankings of real articles, labelled by hand (eval/fixtures/rankings/*.yaml, written by a helper who never read
the code): the extractor must read each one exactly, ranks and names in order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingest.loader import load_source
from ingest.parser import parse_article

ROOT = Path(__file__).resolve().parents[2]
LABELS = sorted((ROOT / "eval" / "fixtures" / "rankings").glob("*.yaml"))
# Articles whose ranking is not read exactly yet (first run 2026-12-07: 2 of 9 exact; 3 of 9 after the general
# fixes made from generated shapes; 7 of 9 after the mechanisms of shapes linked_titles, italic_titles, quoted_pairs,
# long_phrases and value_sorted_table; 8 of 9 after the prose mechanisms of tests/ingest/test_prose_ranks.py and a
# parenthesis inside a name; none of these are first runs). Strict: one that starts passing fails here until it is
# taken off the list. The one left reads "The UK" where the label says "UK".
# Ten more articles (a second helper, also blind to the code) were first read on 2026-12-07 after all of the above:
# 5 of 10 exact. The five misses below are spent cases from then on: fixes only by general mechanisms (6 of 10
# after cells that span rows were read into each row they span, shape html_rowspan_ties; 7 of 10 after a list's
# lead-in paragraph may announce its count, shape report_bullets; 8 of 10 after names that open with a code
# numbering them are read after the code, shape coded_table; none of these is a first run).
# Ten more (a third helper, blind to the code) were first read on 2026-12-07 after all of the above: 0 of 10 exact,
# two of them crashed on load. After the crash fix and pictographs dropped from names ("🥇 Name"), one reads
# exactly (not a first run).
# Ten more (a fourth helper, blind to the code, asked for articles whose main subject is a ranking) were first read on
# 2026-12-07 at fd97037: 2 of 10 exact, none crashed. Ten more (a fifth helper, the same brief) were first read at
# 67ddbf3: 1 of 10 exact, none crashed. Ten more (a sixth helper, the same brief, no Wikipedia) were first read at
# bebdfd4: 3 of 10 exact, none crashed; 4 of 10 after places written as ordinals in headings ("3rd Place ($200):
# Name") and site-generator directive lines were read (shape place_headings; not a first run); 5 of 10 after a credit
# on every entry of a run ("Game by Author") was read as no part of the names (also place_headings).
# Ten more (a seventh helper, the same brief, no site used before) were first read on 2026-12-08 at 11a0bd7: 0 of 10
# exact, none crashed. Ten more (an eighth helper, the same brief, no site used before) were first read on 2026-12-08
# at c71e315: 3 of 10 exact, none crashed.
KNOWN_MISSES = {
    "icfp-contest-2021-scoreboard", "koding-hackathon-2014-winners", "kostya-language-benchmarks-2015",
    "supabase-launch-week-12-top-10",
    "supabase-open-source-hackathon-2021-winners", "web-frameworks-benchmark-2019-05-06", "wikipedia-1929-us-open-golf",
    "wikipedia-austrias-next-topmodel-cycle-4",
    "footballcsv-england-1963-64-standings", "npmrank-dependencies-2016", "pydis-game-jam-2020",
    "rdr-2019-index-ranking", "squad-leaderboard-2017-09", "wikipedia-1st-unofficial-chess-olympiad",
    "wikipedia-israel-eurovision-1986", "wikipedia-mountains-of-bangladesh",
    "okfn-open-data-index-2014-press-release",
    "go-survey-2016-results", "nim-community-survey-2018",
    "18f-year-two-by-the-numbers", "carpentries-2010-survey-results", "carpentries-top-10-myths-teaching-cs",
    "gleam-developer-survey-2022", "k8s-state-of-container-world-2016-01", "nodejs-foundation-survey-2016",
    "wikipedia-2006-world-indoor-mens-high-jump", "wikipedia-most-lethal-american-battles",
    "wikipedia-swedish-general-election-1998",
    "godivas-quest-1t5-winners",
    "phme-2022-data-challenge-leaderboard", "simpler-grants-spring-2025-winners", "tiobe-index-may-2022",
    "wmffl-2005-final-standings",
    "awardwinningfjords-best-albums-2010", "biccn-enhancer-challenge-final-leaderboard",
    "broseley-camera-club-july-2018-news", "dicechess-2024-alternative-champions", "grantham-rc-2013-race-results",
    "halyph-programming-language-popularity-2022", "interbrand-best-global-brands-2019-top10",
    "lotsdoin-icpc-world-finals-results", "open-data-barometer-2013-global-ranking", "rorydbain-pizza-places-2020",
    "colour-battle-coding-challenge-standings", "craigmunro-best-films-2011", "felix-austria-election-2017",
    "fiinix-eurovision-2015-points", "kernelcurry-top-games-2010s", "kunrt-top-albums-2019",
    "streatham-chess-club-championship-2020",
}


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("label", LABELS, ids=lambda p: p.stem)
def test_the_labelled_ranking_is_read_exactly(label: Path, request: pytest.FixtureRequest) -> None:
    if label.stem in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(reason="not read exactly yet (KNOWN_MISSES)", strict=True))
    data = yaml.safe_load(label.read_text(encoding="utf-8"))
    article = parse_article(load_source(ROOT / data["source"]).text)
    got = [(s.rank, _norm(s.name or "")) for s in article.ranked]
    want = [(int(e["rank"]), _norm(str(e["name"]))) for e in data["entries"]]
    assert got == want
    unranked = {_norm(str(n)) for n in data.get("unranked") or []}
    assert not unranked & {name for _, name in got}, "an unranked mention was ranked"


def test_every_label_names_an_article() -> None:
    assert len(LABELS) >= 8
    for label in LABELS:
        data = yaml.safe_load(label.read_text(encoding="utf-8"))
        assert (ROOT / data["source"]).is_file(), label.name
        assert data["entries"], label.name
