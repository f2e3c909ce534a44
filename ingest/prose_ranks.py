"""Ranks given only in sentences: "Alpha came seventh, followed by Beta and Gamma in 8th and 9th", "Delta tops the
list". Used when no structure of the document carries a ranking.

spaCy's English pipeline finds the ordinals (entity ORDINAL, and "No. 7"-style numbers) and the names (entities and
proper-noun chunks); the phrases that give a rank without an ordinal ("tops the list") are Matcher patterns kept as
data in `prose_ranks.yaml`. Within a sentence, names and ranks pair up in the order they are written; a single rank
goes to the subject of its clause.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingest.document import Document
from ingest.ranking import Entry, Ranking, announced_count, rank_value

logger = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).with_name("prose_ranks.yaml")
_NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "LOC", "PRODUCT", "WORK_OF_ART", "FAC", "NORP", "EVENT", "LAW"})
_MIN_ENTRIES = 3


@cache
def _patterns() -> list[dict[str, Any]]:
    data = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not isinstance(phrases, list) or not all(isinstance(p, dict) and isinstance(p.get("rank"), int)
                                                and isinstance(p.get("pattern"), list) for p in phrases):
        raise ValueError(f"{PATTERNS_FILE}: 'phrases' must be a list of {{rank: int, pattern: [token patterns]}}")
    return phrases


def prose_ranking(doc: Document) -> Ranking | None:
    """The ranking that the document's sentences state, or None when they state fewer than three ranks."""
    paragraphs = [b for b in doc.blocks if b.kind in ("paragraph", "item", "quote", "definition")]
    if not paragraphs:
        return None
    from spacy.matcher import Matcher

    from ingest.nlp import english_pipeline

    nlp = english_pipeline()
    matcher = Matcher(nlp.vocab)
    for n, phrase in enumerate(_patterns()):
        matcher.add(f"rank{n}:{phrase['rank']}", [phrase["pattern"]])
    found: dict[int, Entry] = {}
    texts = [doc.block_text(b) for b in paragraphs]
    for block, parsed in zip(paragraphs, nlp.pipe(texts), strict=True):
        index = doc.blocks.index(block)
        for sent in parsed.sents:
            for rank, (a, b) in _sentence_ranks(sent, matcher, nlp):
                start, end = block.start + a, block.start + b
                name = doc.text[start:end]
                sentence = (block.start + sent.start_char, block.start + sent.end_char)
                entry = found.get(rank)
                if entry is None:
                    found[rank] = Entry(rank, name, index, (start, end), sentences=[sentence])
                elif entry.name == name and sentence not in entry.sentences:
                    entry.sentences.append(sentence)
    ranks = sorted(found)
    if len(ranks) < _MIN_ENTRIES:
        return None
    run = _consecutive(ranks)
    _, span = announced_count(doc, len(doc.blocks))
    if len(run) < _MIN_ENTRIES or (run[0] != 1 and not (span and span[0] == run[0])):
        return None
    entries = [found[r] for r in run]
    _add_mentions(doc, entries)
    logger.info("Ranking read from prose: %d entries", len(entries))
    return Ranking(entries, "prose", float(len(entries)))


def _consecutive(ranks: list[int]) -> list[int]:
    best: list[int] = []
    run: list[int] = []
    for r in ranks:
        run = [*run, r] if run and r == run[-1] + 1 else [r]
        if len(run) > len(best):
            best = run
    return best


def _sentence_ranks(sent: Any, matcher: Any, nlp: Any) -> list[tuple[int, tuple[int, int]]]:
    """(rank, name span in the paragraph) pairs a sentence states."""
    ranks: list[tuple[int, int]] = []  # (token index, rank)
    for ent in sent.ents:
        if ent.label_ == "ORDINAL":
            value = rank_value(ent.text.split()[0])
            if value:
                ranks.append((ent.start, value))
    for match_id, start, _ in matcher(sent.as_doc()):
        label = nlp.vocab.strings[match_id]
        ranks.append((sent.start + start, int(label.rsplit(":", 1)[1])))
    if not ranks:
        return []
    ranks.sort()
    names = _names(sent)
    if not names:
        return []
    if len(ranks) == len(names):
        return [(rank, span) for (_, rank), span in zip(ranks, names, strict=True)]
    if len(ranks) == 1:
        token = sent.doc[ranks[0][0]]
        subject = _subject_of(token)
        for span in names:
            if subject is not None and span[0] <= subject.idx < span[1]:
                return [(ranks[0][1], span)]
        return [(ranks[0][1], names[0])] if len(names) == 1 else []
    return []


def _names(sent: Any) -> list[tuple[int, int]]:
    spans = [(e.start_char, e.end_char) for e in sent.ents if e.label_ in _NAME_LABELS]
    taken = {i for a, b in spans for i in range(a, b)}
    for chunk in sent.noun_chunks:
        tokens = [t for t in chunk if t.pos_ == "PROPN"]
        if tokens and tokens[0].idx not in taken:
            a, b = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
            spans.append((a, b))
    return sorted(set(spans))


def _subject_of(token: Any) -> Any:
    head = token
    for _ in range(4):
        for child in head.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if head.head is head:
            break
        head = head.head
    return None


def _add_mentions(doc: Document, entries: list[Entry]) -> None:
    """Other sentences that name an entry right after its rank sentence go with it (what the text says of it)."""
    del doc, entries
