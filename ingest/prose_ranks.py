"""Ranks given only in sentences: "Alpha came seventh, followed by Beta and Gamma in 8th and 9th", "Delta tops the
list". Used when no structure of the document carries a ranking.

First the frames of `prose_ranks.yaml` (spaCy Matcher patterns such as "<rank verb> [the] <ordinal> [place]" or
"In <ordinal> place is", each with the side its names stand on) are matched: the names are the words on that side up
to the clause's edge, split at "and" and commas, and they count when their number fits the ranks. This holds where
the small model's parse does not ("share" tagged as a noun, a Korean or Japanese name read as an adverb, "Table +
Crumb" parsed as two phrases). Where no frame fits, spaCy's dependency parse finds, for each ordinal ("seventh",
"8th"), the verb whose rank it states ("came", "takes … place", "in 4th place is"); that verb's subject, or the
object of its agent ("followed by X and Y"), names the entries, which pair with its ordinals in the order written.
The verbs, the place nouns, the verbs that give one rank to several names (a tie: "share"), the frames and the
phrases that give a rank without an ordinal ("tops the list") are data in `prose_ranks.yaml`. Every other sentence
that names an entry goes with it; sentences are the parser's, joined where one ends without a full stop.
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
from ingest.ranking import Entry, Ranking, announced_count, count_in

logger = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).with_name("prose_ranks.yaml")
_MIN_ENTRIES = 3


_SIDES = ("before", "after")


@dataclass(frozen=True)
class _Frame:
    """A Matcher pattern for a phrase that states ranks, the side of it its names stand on, and the rank it states
    when it has no ordinal ("tops the list": 1)."""

    pattern: list[dict[str, Any]]
    names: str
    rank: int | None = None


@dataclass(frozen=True)
class _Vocabulary:
    """`prose_ranks.yaml`, validated: rank phrases and frames (Matcher patterns), rank verbs, place nouns and tie
    verbs."""

    phrases: list[dict[str, Any]]
    frames: list[_Frame]
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
    frames = data.get("frames", [])
    if not isinstance(frames, list) or not all(isinstance(f, dict) and f.get("names") in _SIDES
                                               and isinstance(f.get("pattern"), list) for f in frames):
        raise ValueError(f"{PATTERNS_FILE}: 'frames' must be a list of {{names: before|after, pattern: [...]}}")
    lists = {key: data.get(key, []) for key in ("verbs", "place_nouns", "tie_verbs")}
    for key, words in lists.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{PATTERNS_FILE}: '{key}' must be a list of words")
    all_frames = [_Frame(p["pattern"], "before", p["rank"]) for p in phrases]
    all_frames += [_Frame(f["pattern"], f["names"]) for f in frames]
    return _Vocabulary(phrases, all_frames, frozenset(lists["verbs"]), frozenset(lists["place_nouns"]),
                       frozenset(lists["tie_verbs"]))


@cache
def _register_token_attributes() -> None:
    """The custom token attributes the patterns use: `verb_lemma` (the word's lemma as a verb, whatever the tagger
    made of it: "tops" read as a plural noun is still "top"), `rank_verb`, `place_noun` and `ordinal`."""
    from spacy.tokens import Token

    vocabulary = _vocabulary()
    Token.set_extension("verb_lemma", getter=lambda t: _verb_lemma(t.vocab, t.lower_), force=True)
    Token.set_extension("rank_verb", getter=lambda t: t.lemma_.lower() in vocabulary.verbs
                        or _verb_lemma(t.vocab, t.lower_) in vocabulary.verbs, force=True)
    Token.set_extension("place_noun", getter=lambda t: t.lemma_.lower() in vocabulary.place_nouns, force=True)
    Token.set_extension("ordinal", getter=lambda t: _ordinal(t, signed=True) is not None, force=True)


@cache
def _verb_lemma(vocab: Any, word: str) -> str:
    """The lemma spaCy's rule lemmatizer gives `word` read as a verb ("tops" -> "top", "came" -> "come")."""
    from spacy.tokens import Doc

    from ingest.nlp import english_pipeline

    lemmatizer = english_pipeline().get_pipe("lemmatizer")
    lemmas = lemmatizer.rule_lemmatize(Doc(vocab, words=[word], pos=["VERB"])[0])
    return lemmas[0] if lemmas else word


def _matchers(nlp: Any) -> tuple[Any, Any]:
    """A Matcher of the rank phrases (key "rank<n>:<rank>") and one of the frames (key "frame<n>"), longest match
    of each pattern."""
    from spacy.matcher import Matcher

    _register_token_attributes()
    phrases, frames = Matcher(nlp.vocab), Matcher(nlp.vocab)
    vocabulary = _vocabulary()
    for n, phrase in enumerate(vocabulary.phrases):
        phrases.add(f"rank{n}:{phrase['rank']}", [phrase["pattern"]], greedy="LONGEST")
    for n, frame in enumerate(vocabulary.frames):
        frames.add(f"frame{n}", [frame.pattern], greedy="LONGEST")
    return phrases, frames


def prose_ranking(doc: Document) -> Ranking | None:
    """The ranking that the document's sentences state, or None when they state fewer than three ranks."""
    paragraphs = [b for b in doc.blocks if b.kind in ("paragraph", "item", "quote", "definition")]
    if not paragraphs:
        return None
    from ingest.nlp import english_pipeline

    nlp = english_pipeline()
    matcher = _matchers(nlp)
    found: dict[int, list[Entry]] = {}
    sentences: list[tuple[int, int]] = []
    texts = [doc.block_text(b) for b in paragraphs]
    for block, parsed in zip(paragraphs, nlp.pipe(texts), strict=True):
        index = doc.blocks.index(block)
        framed = _frame_matches(parsed, matcher[1])
        for sent in _sentences(parsed):
            sentence = (block.start + sent.start_char, block.start + sent.end_char)
            sentences.append(sentence)
            for rank, (a, b) in _sentence_ranks(sent, matcher[0], nlp, framed):
                start, end = block.start + a, block.start + b
                name = doc.text[start:end]
                same = [e for e in found.get(rank, []) if e.name.casefold() == name.casefold()]
                if same:
                    if sentence not in same[0].sentences:
                        same[0].sentences.append(sentence)
                elif not any(e.name.casefold() == name.casefold() for others in found.values() for e in others):
                    found.setdefault(rank, []).append(Entry(rank, name, index, (start, end), sentences=[sentence]))
    last = found.pop(_LAST, [])
    run = _consecutive({rank: len(entries) for rank, entries in found.items()})
    _, span = announced_count(doc, len(doc.blocks))
    if len(run) < _MIN_ENTRIES or (run[0] != 1 and not (span and span[0] == run[0])):
        return None
    # a text that ranks the first few in order may then name a few further down, skipping ranks ("… and Vell at
    # number 10"): those ranks stand as stated
    run += [rank for rank in sorted(found) if rank > run[-1]]
    if len(last) == 1:
        # "X came last": the place after every other the text gives, or the count the title announces
        after = run[-1] + len(found[run[-1]])
        count = _title_count(doc)
        last[0].rank = count if count and count >= after else after
        if last[0].rank not in found:
            found[last[0].rank] = last
            run.append(last[0].rank)
    entries = [e for rank in run for e in found[rank]]
    _add_mentions(doc, entries, sentences)
    logger.info("Ranking read from prose: %d entries", len(entries))
    return Ranking(entries, "prose", float(len(entries)))


_LAST = 0
"""The rank a phrase of `prose_ranks.yaml` gives for the last place ("X came last")."""


def _title_count(doc: Document) -> int | None:
    """The count the page's title or first heading announces ("The 6 teams of …"), if any."""
    heading = next((doc.block_text(b) for b in doc.blocks if b.kind == "heading"), "")
    return next((n for n in (count_in(t) for t in (doc.page_title or "", heading)) if n), None)


def _consecutive(sizes: dict[int, int]) -> list[int]:
    """The longest run of ranks that follow each other, a tie of k entries at rank r followed by rank r + k."""
    best: list[int] = []
    run: list[int] = []
    for rank in sorted(sizes):
        run = [*run, rank] if run and rank in (run[-1] + 1, run[-1] + sizes[run[-1]]) else [rank]
        if len(run) > len(best):
            best = run
    return best


def _sentence_ranks(sent: Any, matcher: Any, nlp: Any,
                    framed: list[tuple[int, int, int]]) -> list[tuple[int, tuple[int, int]]]:
    """(rank, name span in the paragraph) pairs a sentence states: first those of the frames that fit (see
    `_framed_ranks`); then for each verb that governs the other rank ordinals, its subjects (or the agents of a
    passive "followed by X and Y") pair with its ordinals in the order written."""
    vocabulary = _vocabulary()
    words = (vocabulary.verbs, vocabulary.place_nouns)
    pairs, covered = _framed_ranks(sent, [m for m in framed if sent.start <= m[1] and m[2] <= sent.end])
    ordinals: dict[int, list[tuple[int, int]]] = {}  # governing verb -> [(token index, rank)]
    for token in sent:
        value = _ordinal(token)
        if value is None or token.i in covered or (token.i > 0 and sent.doc[token.i - 1].lower_ == "from"):
            continue  # "up from 9th" is the place it held before
        governor = _governor(token, words)
        if governor is not None:
            ordinals.setdefault(governor.i, []).append((token.i, value))
    for match_id, start, _ in matcher(sent.as_doc()):
        token = sent[start]
        if token.i in covered:
            continue
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


def _frame_matches(parsed: Any, matcher: Any) -> list[tuple[int, int, int]]:
    """(frame index, start, end) of every frame in a parsed paragraph, in the order written; of overlapping
    matches the first and longest."""
    matches = sorted(((int(parsed.vocab.strings[key][5:]), start, end) for key, start, end in matcher(parsed)),
                     key=lambda m: (m[1], -m[2]))
    kept: list[tuple[int, int, int]] = []
    for match in matches:
        if not kept or match[1] >= kept[-1][2]:
            kept.append(match)
    return kept


def _framed_ranks(sent: Any, matches: list[tuple[int, int, int]]) -> tuple[list[tuple[int, tuple[int, int]]],
                                                                           set[int]]:
    """(rank, name span) pairs of the frames that fit in a sentence, and the tokens those frames cover. A frame
    fits when the names on its side (up to the clause's edge) are as many as its ranks, or several names share
    one rank with a tie verb ("X and Y share 4th place")."""
    vocabulary = _vocabulary()
    doc = sent.doc
    pairs: list[tuple[int, tuple[int, int]]] = []
    covered: set[int] = set()
    previous = sent.start
    for index, start, end in matches:
        frame = vocabulary.frames[index]
        ordinals = [t for t in doc[start:end] if _ordinal(t, signed=True) is not None]
        if frame.names == "before":
            names = _chunks(doc, _clause_start(doc, max(previous, sent.start), start), start)
            after = end
        else:
            ranks_follow = not ordinals and frame.rank is None  # "followed by X and Y in 8th and 9th"
            stop = _clause_end(doc, end, sent.end, parser_ends=not ranks_follow)
            names = _chunks(doc, end, stop)
            after = stop
            if ranks_follow:
                ordinals = _ordinals_from(doc, stop, sent.end)
                after = ordinals[-1].i + 1 if ordinals else stop
                if not ordinals and names and pairs and not _ordinals_in(doc, end, sent.end):
                    # "X tops the list, closely followed by Y": Y comes next, after the rank just stated
                    pairs.append((pairs[-1][0] + 1, names[0]))
                    covered.update(range(start, end))
                    previous = next(t.i for t in doc[end:stop] if t.idx + len(t) >= names[0][1]) + 1
                    continue
        ranks = [_ordinal(t, signed=True) or 0 for t in ordinals] or ([frame.rank] if frame.rank is not None else [])
        tie = len(ranks) == 1 and len(names) > 1 and any(t.lemma_.lower() in vocabulary.tie_verbs
                                                         for t in doc[start:end])
        if frame.names == "before" and len(ranks) == 1 and not tie and names and (
                len(names) > 1 or _is_clause(doc, names[0])):
            # one rank, no tie, and several names or a clause before it: it is the nearest name's ("…, closely
            # followed by Ostmark and then Vell at number 3", "results came from Vell at #10")
            names = _trailing_name(doc, names[-1])
        if not names or not (len(names) == len(ranks) or tie):
            continue
        pairs.extend(zip(ranks * len(names) if tie else ranks, names, strict=True))
        covered.update(range(start, end), (t.i for t in ordinals))
        previous = after
    return pairs, covered


_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]"})


def _sentences(parsed: Any) -> list[Any]:
    """The parser's sentences, joined where one does not end in a full stop: the small model also ends sentences
    inside names ("Table +" | "Crumb came 35th", "Gate No." | "19 overlooks …", "St." | "Brendan's Yard …")."""
    out: list[Any] = []
    for sent in parsed.sents:
        tokens = [t for t in sent if not t.is_space]
        while len(tokens) > 1 and tokens[-1].text in _CLOSERS:
            tokens.pop()
        if out and not out[-1][1]:
            out[-1][0] = parsed[out[-1][0].start:sent.end]
        else:
            out.append([sent, False])
        out[-1][1] = bool(tokens) and tokens[-1].text in (".", "!", "?", "…")
    return [sent for sent, _ in out]


def _full_stop(doc: Any, i: int) -> bool:
    """A token that ends a sentence or clause even where the parse ran on: ":", ";", a dash, or a full stop that
    a number does not follow ("No. 5" goes on)."""
    text = doc[i].text
    if text in (":", ";", "—", "–"):
        return True
    return text in (".", "!", "?") and (i + 1 >= len(doc) or not doc[i + 1].like_num)


def _clause_start(doc: Any, low: int, start: int) -> int:
    """Where the clause that ends at `start` begins: after the last full stop, colon or dash before it."""
    for i in range(start - 1, low - 1, -1):
        if _full_stop(doc, i):
            return i + 1
    return low


def _clause_end(doc: Any, end: int, high: int, parser_ends: bool) -> int:
    """Where the names after a frame end: at a full stop, colon or dash, at a preposition whose ordinals follow
    ("… in 8th and 9th"), or (with `parser_ends`) where the parser starts a sentence ("… is Quillby & Co. Quillby &
    Co was founded …")."""
    for i in range(end, high):
        if _full_stop(doc, i) or (parser_ends and i > end and doc[i].is_sent_start):
            return i
        if doc[i].pos_ == "ADP" and i > end and _ordinals_from(doc, i, high):
            return i
    return high


def _ordinals_in(doc: Any, start: int, end: int) -> bool:
    """Whether tokens `start` to `end` hold a rank ordinal (a former place, "from 9th", aside)."""
    return any(_ordinal(t) is not None and not (t.i > 0 and doc[t.i - 1].lower_ == "from") for t in doc[start:end])


def _ordinals_from(doc: Any, i: int, high: int) -> list[Any]:
    """The ordinals of "in 8th and 9th" starting at the preposition at `i`: ordinals joined by "and" or commas,
    optionally after "the"."""
    out: list[Any] = []
    if i < len(doc) and doc[i].lower_ == "from":
        return out  # "up from 9th": the place it held before, not a rank it holds
    for token in doc[i + 1:high]:
        if _ordinal(token) is not None:
            out.append(token)
        elif not (token.pos_ in ("CCONJ", "DET") or token.text == "," or token.lemma_.lower() in
                  _vocabulary().place_nouns):
            break
    return out


def _chunks(doc: Any, start: int, end: int) -> list[tuple[int, int]]:
    """The names written from token `start` to `end`, split at "and" and commas ("&" and "+" stay inside a
    name), each as a character span; a part without a name-like word ("the winner") is none. An abbreviation's
    dot that ends the sentence ("… is Quillby & Co.") is the sentence's full stop."""
    parts: list[list[Any]] = [[]]
    for token in doc[start:end]:
        if (token.is_alpha and token.pos_ == "CCONJ") or token.text == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    out = []
    for part in parts:
        while part and (part[0].is_punct or (part[0].pos_ in _LEADING_POS and not _name_like(part[0]))
                        or (part[0].pos_ == "DET" and part[0].is_lower)):  # "the UK" mid-sentence: "UK"
            part = part[1:]
        while part and (part[-1].is_punct or (part[-1].pos_ in _TRAILING_POS and not _name_like(part[-1]))):
            part = part[:-1]  # "Vell who …", "Ostmark, which": the name ends before its relative pronoun
        if not part or not any(_name_like(t) and t.is_alpha for t in part):
            continue  # a name holds a word: "27" of "(up from #27)" is none
        if _is_clause(doc, (part[0].idx, part[-1].idx + len(part[-1]))) or any(
                t.is_lower and t.pos_ == "NOUN" for t in part[:-1]):
            part = [t for t in doc if t.i in range(part[0].i, part[-1].i + 1)]
            trailing = _trailing_name(doc, (part[0].idx, part[-1].idx + len(part[-1])))
            if not trailing:
                continue
            out.append(trailing[0])  # "countries like Vell": the name that ends the phrase
            continue
        last = part[-1]
        stop = last.idx + len(last)
        if last.text.endswith(".") and len(last.text) > 1 and (last.i + 1 == len(doc) or last.is_sent_end):
            stop -= 1
        out.append((part[0].idx, stop))
    return out


_NUMBER_SIGNS = frozenset({"#", "number", "no.", "no", "nr."})


def _is_clause(doc: Any, span: tuple[int, int]) -> bool:
    """Whether a span holds a verb: a clause about a name, not a name."""
    # a capitalised word the tagger read as a verb is a name's ("Spoon No. 7")
    return any(t.pos_ in ("VERB", "AUX") and t.is_lower for t in doc if span[0] <= t.idx < span[1])


def _trailing_name(doc: Any, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The run of name-like words (capitalised, digits, caseless scripts) that ends a span of text, as a list
    of one span, or none when the span does not end in one."""
    tokens = [t for t in doc if span[0] <= t.idx < span[1]]
    run: list[Any] = []
    for token in reversed(tokens):
        # "Larder-on-Sea", "Gate No. 7": hyphenated words and an abbreviation's dot hold a name together
        glued = not token.whitespace_ or (token.text == "." and token.i > 0 and not doc[token.i - 1].whitespace_)
        if _name_like(token) or (run and (glued or token.text in ("&", "+", "-", "of", "de", "la"))):
            run.insert(0, token)
        else:
            break
    while run and not _name_like(run[0]):
        run.pop(0)
    return [(run[0].idx, run[-1].idx + len(run[-1]))] if run else []


def _ordinal(token: Any, signed: bool = False) -> int | None:
    """The rank a token states: an ordinal ("7th", "seventh"), or (`signed`, inside a frame that says it is a
    rank: "at number 7") a number after a number sign ("#7", "number 7", "No. 7"; elsewhere that is part of a
    name, "Gate No. 7"); a bare number ("seats 37") is no rank."""
    text = token.text.lower()
    if text in ORDINAL_WORDS or (text[:-2].isdigit() and text[-2:] in ("st", "nd", "rd", "th")):
        return rank_value(text)
    if signed and text.isdigit() and len(text) <= 3 and token.i > 0 and \
            token.doc[token.i - 1].lower_ in _NUMBER_SIGNS:
        return int(text)
    return None


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
    conjunctions, while "&" or "+" inside a name ("Quillby & Sons") keeps it whole."""
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
_LEADING_POS = _FUNCTION_POS - {"DET"}  # words before a name, no part of it ("Then X came 2nd"); "The X" keeps "The"
_TRAILING_POS = frozenset({"PRON", "SCONJ", "ADV", "AUX", "PART", "DET", "ADP", "CCONJ"})  # words after a name


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
