"""Finding the ranking among a document's blocks (ingest/ranking.py), on made-up documents."""

from __future__ import annotations

import pytest

from ingest.parser import parse_source
from ingest.ranking import entry_name


def ranked(text: str) -> list[tuple[int | None, str | None]]:
    return [(s.rank, s.name) for s in parse_source(text, "markdown").ranked]


def test_headings_whose_names_repeat_are_each_entrys_stats_not_a_ranking_in_order() -> None:
    # the rank badge comes after each write-up, beside small stat headings ("Seats: 40") of the same level; the
    # stat headings are as many as the announced count, but their names repeat
    blocks = ["# The 10 best reading rooms, part 2 (6–10)", "We read in each of them for a week."]
    for rank, name, seats in ((10, "Lamplight Library", 40), (9, "Ferry House Books", 25),
                              (8, "Gull Point Reading Room", 12), (7, "The Map Room", 30), (6, "Quiet Corner", 8)):
        blocks += [f"### {name}", f"{name} has a fireplace and a cat.", f"##### Seats: {seats}",
                   f"##### Since: {1950 + rank}", f"##### #{rank}"]
    assert ranked("\n\n".join(blocks)) == [(6, "Quiet Corner"), (7, "The Map Room"), (8, "Gull Point Reading Room"),
                                           (9, "Ferry House Books"), (10, "Lamplight Library")]


def test_runs_at_two_heading_levels_join_past_a_tie_at_the_last_rank() -> None:
    # 1, then 2 twice (a tie), then the smaller headings go on at 4: competition ranking
    blocks = ["# Our 5 favourite ferries"]
    for level, rank, tie, name in ((2, 1, "", "Blue Heron"), (2, 2, " (tie)", "Morning Star"),
                                   (2, 2, " (tie)", "Island Queen"), (3, 4, "", "Sea Lark"), (3, 5, "", "Old Tern")):
        blocks += [f"{'#' * level} {rank}{tie}. {name}", f"The {name} crosses the sound twice a day."]
    assert ranked("\n\n".join(blocks)) == [(1, "Blue Heron"), (2, "Morning Star"), (2, "Island Queen"),
                                           (4, "Sea Lark"), (5, "Old Tern")]


@pytest.mark.parametrize(("written", "name"), [
    ("🥇 Sky Ribbon", "Sky Ribbon"), ("★ Red Delta", "Red Delta"), ("Box Kite 🏆", "Box Kite"),
    ("🇫🇷 Port Vance", "Port Vance"), ("👍🏽 Gull Wing", "Gull Wing"),
    ("C++ Kite", "C++ Kite"), ("Ω Labs", "Ω Labs"), ("云山小馆", "云山小馆"), ("¥en Bank", "¥en Bank"),
])
def test_pictographs_around_a_name_are_decoration(written: str, name: str) -> None:
    assert entry_name(written) == name


def test_a_credit_on_every_entry_is_not_part_of_its_name_but_a_single_by_is() -> None:
    credited = ("# Kite jam results\n\n## 1st Place ($300) - Sky Ribbon by Ada Brenn\n\nText.\n\n"
                "## 2nd Place - Stand by Me by osk_dev\n\nText.\n\n## 3rd Place - Box Kite by the Fen Crew\n\nText.\n")
    assert [(s.rank, s.name) for s in parse_source(credited, "markdown").ranked] == [
        (1, "Sky Ribbon"), (2, "Stand by Me"), (3, "Box Kite")]
    songs = "# Top kite songs\n\n1. Stand by Me\n2. Wind Song\n3. High Line\n"
    assert [s.name for s in parse_source(songs, "markdown").ranked] == ["Stand by Me", "Wind Song", "High Line"]
