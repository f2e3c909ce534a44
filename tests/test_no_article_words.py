"""Nothing about one article belongs in code: app/ and ingest/ must not contain the shipped article's entry
names, the names of the organisations it mentions, or the lead words of its bullets. Article knowledge lives in
the article's profile folder and in what ingest derives."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.annotate import annotate_text
from ingest.core.settings import DEFAULT_SOURCE, PROJECT_ROOT
from ingest.loader import load_source
from ingest.parser import parse_article

CODE_DIRS = ("app", "ingest")
CODE_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".txt", ".md"}
# Names that code uses for another reason: the OpenAI-compatible protocol the LLM backend and the API speak.
PROTOCOL_NAMES = {"OpenAI"}


def article_words() -> set[str]:
    """The shipped article's entry names, organisation names and bullet lead words."""
    text = load_source(DEFAULT_SOURCE).text
    article = parse_article(text)
    found: set[str] = set()
    for section in article.sections:
        if section.city:
            found.add(section.city)
        for bullet in section.bullets:
            lead = re.match(r"[A-Z][a-z]+", bullet.body.text)
            if lead and len(lead.group()) > 3:
                found.add(lead.group())
            for sentence in annotate_text(bullet.body.text, bullet.body.start):
                for start, end, label in sentence["entities"]:
                    name = re.sub(r"['’]s$", "", text[start:end])
                    if label in {"ORG", "PRODUCT", "PERSON", "FAC"} and len(name) > 3 and name[0].isupper():
                        found.add(name)
    return found


def test_code_holds_no_words_of_the_shipped_article() -> None:
    words = article_words() - PROTOCOL_NAMES
    assert {"Jinan", "Inspur Group", "Anchored"} <= words or "Jinan" in words  # the scan found the article
    offenders: list[str] = []
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.suffix not in CODE_SUFFIXES or "__pycache__" in path.parts:
                continue
            content = path.read_text(encoding="utf-8")
            for word in words:
                if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", content):
                    offenders.append(f"{Path(path).relative_to(PROJECT_ROOT)}: {word}")
    assert not offenders, "\n".join(offenders)
