"""Structure of the shipped article, boilerplate removal, and other source shapes (markdown, plain text)."""

from __future__ import annotations

from ingest.chunker import chunk_article
from ingest.parser import parse_article

CITIES = ["Beijing", "Hangzhou", "Shanghai", "Shenzhen", "Guangzhou", "Nanjing", "Chengdu", "Jinan", "Tianjin",
          "Xiamen"]
BOILERPLATE = ["Hangzhou skyline, Deepseek was born to this city.", "Beatiful Shenzhen bay view",
               "Leave a Comment", "Your email address will not be published", "Wordpress Social Share Plugin",
               "Ultimatelysocial", "Follow by Email", "LinkedIn", "RSS", "Required fields are marked"]


def test_shipped_article_has_ten_ranked_cities_in_order(source_text: str) -> None:
    article = parse_article(source_text)
    assert [s.rank for s in article.ranked] == list(range(1, 11))
    assert [s.city for s in article.ranked] == CITIES
    assert [s.title.text for s in article.ranked][:2] == ["1. Beijing", "2. Hangzhou"]


def test_bullets_have_topics_and_verbatim_offsets(source_text: str) -> None:
    article = parse_article(source_text)
    counts = [len(s.bullets) for s in article.ranked]
    assert counts == [3, 3, 3, 3, 2, 2, 2, 1, 2, 2]
    shenzhen = article.ranked[3]
    assert [b.topic for b in shenzhen.bullets] == ["Hardware & Manufacturing Integration", "Policy Support",
                                                   "Startup Ecosystem"]
    for section in article.sections:
        assert source_text[section.title.start:section.title.end] == section.title.text
        for bullet in section.bullets:
            assert source_text[bullet.start:bullet.end] == bullet.body.text
            assert bullet.topic and bullet.topic not in bullet.body.text[:len(bullet.topic) + 1]


def test_title_intro_trends_and_methodology(source_text: str) -> None:
    article = parse_article(source_text)
    assert article.title and article.title.text == "China’s Top 10 AI Cities in 2025: The Complete Ranking"
    assert article.intro and article.intro.text.startswith("Here’s an expanded analysis")
    trends = [s for s in article.sections if s.rank is None]
    assert [s.title.text for s in trends] == ["Trends & Observations"]
    assert [b.topic for b in trends[0].bullets] == ["Decentralization", "Vertical Focus", "Global Competition",
                                                   "Government Backing"]
    assert article.methodology and "IDC China and McKinsey" in article.methodology.text


def test_boilerplate_is_recognised_and_never_chunked(source_text: str) -> None:
    article = parse_article(source_text)
    dropped = " ".join(b.text for b in article.boilerplate)
    for phrase in BOILERPLATE:
        assert phrase in dropped
    assert "Shenzhen" in [b.text for b in article.boilerplate]  # the lone caption line under the photo
    for chunk in chunk_article(article):
        for phrase in BOILERPLATE:
            assert phrase not in chunk.text and phrase not in chunk.embed_text
        assert chunk.text.strip() not in {"Shenzhen", "Share"}


def test_chunks_are_bullets_with_heading_paths(source_text: str) -> None:
    chunks = chunk_article(parse_article(source_text))
    kinds = [c.kind for c in chunks]
    assert kinds.count("bullet") == 27 and kinds.count("intro") == 1 and kinds.count("methodology") == 1
    policy = next(c for c in chunks if c.topic == "Policy Support")
    assert policy.embed_text.startswith("4. Shenzhen (rank 4) › Policy Support: Designated")
    assert (policy.rank, policy.city, policy.section) == (4, "Shenzhen", "4. Shenzhen")
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.id for c in chunks] == [c.id for c in chunk_article(parse_article(source_text))]
    for chunk in chunks:
        assert source_text[chunk.start:chunk.end] == chunk.text


def test_markdown_article_parses_the_same_way() -> None:
    md = (
        "# Best Robot Towns\n\nAn overview of the towns that lead in robots, with their strengths listed below.\n\n"
        "## 1. Alpha City\n\n- **Policy Support**: Alpha gives grants to robot firms.\n"
        "- **Talent:** Many engineers live here.\n\n## 2. Beta\n\n- Research: Beta hosts two labs.\n\n"
        "## Trends\n\n- Growth: Robots everywhere.\n"
    )
    article = parse_article(md)
    assert article.title and article.title.text == "Best Robot Towns"
    assert [(s.rank, s.city) for s in article.ranked] == [(1, "Alpha City"), (2, "Beta")]
    assert [b.topic for b in article.ranked[0].bullets] == ["Policy Support", "Talent"]
    assert article.ranked[0].bullets[0].body.text == "Alpha gives grants to robot firms."
    assert [s.title.text for s in article.sections if s.rank is None] == ["Trends"]


def test_text_without_ranking_still_parses_as_plain_text(caplog) -> None:
    article = parse_article("Some notes about cities.\n\nA paragraph about robots that is long enough to count.\n")
    assert not article.has_ranking
    assert chunk_article(article)
    assert "No ranked sections" in caplog.text
