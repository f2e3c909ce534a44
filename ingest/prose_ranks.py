"""Ranks given only in sentences: "Alpha came seventh, followed by Beta and Gamma in 8th and 9th", "Delta tops the
list". Used when no structure of the document carries a ranking.

spaCy's dependency parse finds, for each ordinal ("seventh", "8th"), the verb whose rank it states ("came",
"takes … place", "in 4th place is"); that verb's subject, or the object of its agent ("followed by X and Y"), names
the entries, which pair with its ordinals in the order written. The verbs, the place nouns, the verbs that give one
rank to several names (a tie: "share") and the phrases that give a rank without an ordinal ("tops the list", spaCy
Matcher patterns) are data in `prose_ranks.yaml`. Every other sentence that names an entry goes with it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingest.core.lexicon import ORDINAL_WORDS, rank_value
from ingest.document import Document
from ingest.ranking import Entry, Ranking, announced_count

logger = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).with_name("prose_ranks.yaml")
_MIN_ENTRIES = 3


@dataclass(frozen=True)
class _Vocabulary:
    """`prose_ranks.yaml`, validated: rank phrases (Matcher patterns), rank verbs, place nouns and tie verbs."""

    phrases: list[dict[str, Any]]
    verbs: frozenset[str]
    place_nouns: frozenset[str]
    tie_verbs: frozenset[str]


@cache
def _vocabulary() -> _Vocabulary:
    data = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{PATTERNS_FILE}: expected a mapping of phrases, verbs, place_nouns and tie_verbs")
    phrases = data.get("phrases")
    if not isinstance(phrases, list) or not all(isinstance(p, dict) and isinstance(p.get("rank"), int)
                                                and isinstance(p.get("pattern"), list) for p in phrases):
        raise ValueError(f"{PATTERNS_FILE}: 'phrases' must be a list of {{rank: int, pattern: [token patterns]}}")
    lists = {key: data.get(key, []) for key in ("verbs", "place_nouns", "tie_verbs")}
    for key, words in lists.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{PATTERNS_FILE}: '{key}' must be a list of words")
    return _Vocabulary(phrases, frozenset(lists["verbs"]), frozenset(lists["place_nouns"]),
                       frozenset(lists["tie_verbs"]))


def prose_ranking(doc: Document) -> Ranking | None:
    """The ranking that the document's sentences state, or None when they state fewer than three ranks."""
    paragraphs = [b for b in doc.blocks if b.kind in ("paragraph", "item", "quote", "definition")]
    if not paragraphs:
        return None
    from spacy.matcher import Matcher

    from ingest.nlp import english_pipeline

    nlp = english_pipeline()
    matcher = Matcher(nlp.vocab)
    for n, phrase in enumerate(_vocabulary().phrases):
        matcher.add(f"rank{n}:{phrase['rank']}", [phrase["pattern"]])
    found: dict[int, list[Entry]] = {}
    sentences: list[tuple[int, int]] = []
    texts = [doc.block_text(b) for b in paragraphs]
    for block, parsed in zip(paragraphs, nlp.pipe(texts), strict=True):
        index = doc.blocks.index(block)
        for sent in parsed.sents:
            sentence = (block.start + sent.start_char, block.start + sent.end_char)
            sentences.append(sentence)
            for rank, (a, b) in _sentence_ranks(sent, matcher, nlp):
                start, end = block.start + a, block.start + b
                name = doc.text[start:end]
                same = [e for e in found.get(rank, []) if e.name == name]
                if same:
                    if sentence not in same[0].sentences:
                        same[0].sentences.append(sentence)
                elif not any(e.name == name for others in found.values() for e in others):
                    found.setdefault(rank, []).append(Entry(rank, name, index, (start, end), sentences=[sentence]))
    run = _consecutive({rank: len(entries) for rank, entries in found.items()})
    _, span = announced_count(doc, len(doc.blocks))
    if len(run) < _MIN_ENTRIES or (run[0] != 1 and not (span and span[0] == run[0])):
        return None
    entries = [e for rank in run for e in found[rank]]
    _add_mentions(doc, entries, sentences)
    logger.info("Ranking read from prose: %d entries", len(entries))
    return Ranking(entries, "prose", float(len(entries)))


def _consecutive(sizes: dict[int, int]) -> list[int]:
    """The longest run of ranks that follow each other, a tie of k entries at rank r followed by rank r + k."""
    best: list[int] = []
    run: list[int] = []
    for rank in sorted(sizes):
        run = [*run, rank] if run and rank in (run[-1] + 1, run[-1] + sizes[run[-1]]) else [rank]
        if len(run) > len(best):
            best = run
    return best


def _sentence_ranks(sent: Any, matcher: Any, nlp: Any) -> list[tuple[int, tuple[int, int]]]:
    """(rank, name span in the paragraph) pairs a sentence states: for each verb that governs rank ordinals,
    its subjects (or the agents of a passive "followed by X and Y") pair with its ordinals in the order written."""
    vocabulary = _vocabulary()
    words = (vocabulary.verbs, vocabulary.place_nouns)
    pairs: list[tuple[int, tuple[int, int]]] = []
    ordinals: dict[int, list[tuple[int, int]]] = {}  # governing verb -> [(token index, rank)]
    for token in sent:
        value = _ordinal(token)
        if value is None:
            continue
        governor = _governor(token, words)
        if governor is not None:
            ordinals.setdefault(governor.i, []).append((token.i, value))
    for match_id, start, _ in matcher(sent.as_doc()):
        token = sent[start]
        governor = _governor(token, words, phrase=True)
        if governor is not None:
            ordinals.setdefault(governor.i, []).append((token.i, int(nlp.vocab.strings[match_id].rsplit(":", 1)[1])))
    for verb_index, ranks in ordinals.items():
        verb = sent.doc[verb_index]
        names = _arguments(verb)
        ranks.sort()
        if names and len(names) == len(ranks):
            pairs.extend((rank, span) for (_, rank), span in zip(ranks, names, strict=True))
        elif len(ranks) == 1 and len(names) > 1 and verb.lemma_.lower() in _vocabulary().tie_verbs:
            pairs.extend((ranks[0][1], span) for span in names)  # "X and Y share 4th place": a tie
    return pairs


def _ordinal(token: Any) -> int | None:
    text = token.text.lower()
    if not (text in ORDINAL_WORDS or (text[:-2].isdigit() and text[-2:] in ("st", "nd", "rd", "th"))):
        return None  # a bare number ("seats 37") is no rank
    return rank_value(text)


def _governor(token: Any, words: tuple[frozenset[str], frozenset[str]], phrase: bool = False) -> Any:
    """The verb whose rank an ordinal states ("came 2nd", "takes first place", "in 4th place is", "followed by …
    in sixth"), or None when the ordinal is about something else ("the first bus")."""
    verbs, nouns = words
    head = token
    seen_place = phrase
    for _ in range(8):
        if head.lemma_.lower() in nouns:
            seen_place = True
        if head.pos_ in ("VERB", "AUX") and (head.lemma_.lower() in verbs or seen_place):
            return head
        if head.head is head:
            return None
        if head.pos_ in ("VERB", "AUX") and not seen_place:
            return None
        head = head.head
    return None


def _arguments(verb: Any) -> list[tuple[int, int]]:
    """The names a verb ranks, in the order written: its subject, else what its agent governs ("followed by X
    and Y"), else the attribute of a copula; a coordination ("X, Y and Z") is split at its commas and word
    conjunctions, while "&" or "+" inside a name ("Smith & Sons") keeps it whole."""
    for dep in ("nsubj", "nsubjpass", "agent", "attr"):
        for child in verb.children:
            if child.dep_ == dep:
                tokens = [t for t in child.subtree if t.i != child.i] if dep == "agent" else list(child.subtree)
                return _split_coordination(tokens)
    return []


def _split_coordination(tokens: list[Any]) -> list[tuple[int, int]]:
    spans: list[list[Any]] = [[]]
    for token in tokens:
        if token.dep_ == "prep" and spans[-1] and spans[-1][-1].whitespace_:
            break  # "… in 17th and 18th": the names have ended
        if (token.dep_ == "cc" and token.text.isalpha()) or (token.dep_ == "punct" and token.text in (",", ":")):
            spans.append([])
            continue
        spans[-1].append(token)
    out = []
    for span in spans:
        if not span:
            continue
        last = span[-1]
        doc = last.doc
        # a name ending in a number ("Pantry No. 10") that the parse cut short before the number or its dot
        for step in (1, 2):
            nxt = doc[last.i + step] if last.i + step < len(doc) else None
            if nxt is not None and nxt.like_num and _ordinal(nxt) is None and \
                    all(doc[k].text == "." for k in range(last.i + 1, nxt.i)):
                last = nxt
                break
        if any(_name_like(t) for t in span):
            out.append((span[0].idx, last.idx + len(last)))
        # else "the winner", "our favourite": a common noun phrase, no name ("the winner: X" keeps X)
    return out


_FUNCTION_POS = frozenset({"DET", "CCONJ", "SCONJ", "ADP", "PRON", "ADV", "AUX", "PART", "INTJ"})


def _name_like(token: Any) -> bool:
    """A token that can be part of a name: a capital (not just the sentence's first word), a digit, or a script
    without case (CJK, Hangul)."""
    capital = token.text[:1].isupper() and (token.i != token.sent.start or token.pos_ not in _FUNCTION_POS)
    caseless = token.is_alpha and not token.text.isascii() and token.text.lower() == token.text.upper()
    return capital or caseless or token.like_num


def _add_mentions(doc: Document, entries: list[Entry], sentences: list[tuple[int, int]]) -> None:
    """Every other sentence that names an entry goes with it: it is what the text says of that entry."""
    for entry in entries:
        pattern = re.compile(rf"(?<!\w){re.escape(entry.name)}(?!\w)")
        for sentence in sentences:
            if sentence not in entry.sentences and pattern.search(doc.text, *sentence):
                entry.sentences.append(sentence)
        entry.sentences.sort()
