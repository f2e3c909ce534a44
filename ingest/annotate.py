"""Annotate chunks at ingest: their sentences and named entities, stored with each chunk.

Listing ("which companies …") and answer-type checks ("does the evidence hold a date?") then become lookups
instead of guesses at question time. Entities come from spaCy's English pipeline; sentence offsets come from
`ingest.core.text.split_sentences`, so they agree with every citation's offsets.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from ingest.chunker import ROW_KIND, Chunk
from ingest.core.text import blank_markup, split_sentences, unmarked
from ingest.nlp import english_pipeline

logger = logging.getLogger(__name__)

# spaCy labels grouped into the answer types the app reasons about.
ENTITY_TYPES: dict[str, str] = {
    "ORG": "name", "PERSON": "name", "PRODUCT": "name", "FAC": "name", "EVENT": "name", "WORK_OF_ART": "name",
    "LAW": "name", "NORP": "name", "PROPN": "name", "GPE": "place", "LOC": "place", "MONEY": "money",
    "PERCENT": "percent", "DATE": "date", "TIME": "date", "CARDINAL": "count", "QUANTITY": "quantity",
}
_EDGE_POS = frozenset({"DET", "PUNCT", "VERB", "AUX", "ADP", "CCONJ", "PART", "SPACE"})

_SUFFIXES = ("", "s", "es", "ed", "d", "ing", "ly", "er", "est", "ies")


@lru_cache(maxsize=1)
def _english_lemmas() -> frozenset[str]:
    tables = english_pipeline().get_pipe("lemmatizer").lookups
    index = tables.get_table("lemma_index")
    exceptions = tables.get_table("lemma_exc")
    words: set[str] = set()
    for table in (index, exceptions):
        for _, values in table.items():
            words.update(values if isinstance(values, (list, tuple, set)) else values.keys())
    return frozenset(w for w in words if isinstance(w, str))


def is_english_word(word: str) -> bool:
    """True when spaCy's English lemma tables know the word (or its stem with a common suffix removed)."""
    low = word.lower()
    lemmas = _english_lemmas()
    if low in lemmas:
        return True
    for suffix in _SUFFIXES[1:]:
        if low.endswith(suffix) and len(low) - len(suffix) >= 3:
            base = low[: -len(suffix)]
            if base in lemmas or base + "e" in lemmas or (suffix == "ies" and base + "y" in lemmas):
                return True
    return False



@dataclass(frozen=True)
class Entity:
    """A named entity inside a sentence: its text (the source at start:end, less any markdown markers inside it
    such as "Harbour **Watch** Radio"), its spaCy label and type."""

    text: str
    start: int
    end: int
    label: str

    @property
    def type(self) -> str:
        """The coarse answer type: name, place, money, percent, date, count or quantity."""
        return ENTITY_TYPES.get(self.label, "other")


def _trimmed(span: Any, source: str = "") -> tuple[int, int] | None:
    """Token range of an entity without leading or trailing function words and punctuation
    ("Visits Springfield University" -> "Springfield University"; "Acme’s" -> "Acme"). `source` is the text
    the doc was parsed from before its markdown was blanked: spaces that stand for markup ("Harbour **Wat**")
    may sit inside a name, other runs of space may not."""
    tokens = list(span)
    while tokens and (tokens[0].pos_ in _EDGE_POS or tokens[0].is_space):
        tokens = tokens[1:]
    # a capitalised sentence opener that is an ordinary English word ("Visits Acme University")
    if len(tokens) > 1 and tokens[0].is_sent_start and is_english_word(tokens[0].text) and \
            not is_english_word(tokens[1].text):
        tokens = tokens[1:]
    while tokens and (tokens[-1].pos_ in _EDGE_POS or tokens[-1].is_space or tokens[-1].tag_ == "POS"):
        tokens = tokens[:-1]
    if not tokens or any("\n" in t.text or (t.is_space and source[t.idx:t.idx + len(t.text)] == t.text)
                         for t in tokens):
        return None
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _with_compounds(span: Any) -> Any:
    """The entity widened over the proper nouns right before it that no other entity holds: the recogniser
    sometimes types only the last word of a name ("Hall" of "the Meridian Concert Hall"). Places are not
    widened: a proper noun before a place is mostly whose branch it is ("Acme Springfield")."""
    doc, start = span.doc, span.start
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].ent_iob_ == "O" and \
            not doc[start - 1].is_sent_start:
        start -= 1
    return doc[start:span.end] if start < span.start else span


def _proper_noun_runs(doc: Any) -> list[tuple[int, int]]:
    """Runs of proper nouns the entity recogniser missed ("Acme", "Foo.io"): names all the same."""
    runs: list[tuple[int, int]] = []
    current: list[Any] = []
    for token in [*doc, None]:
        if token is not None and token.pos_ == "PROPN" and not token.is_sent_start:
            current.append(token)
            continue
        if current:
            runs.append((current[0].idx, current[-1].idx + len(current[-1].text)))
            current = []
    return runs


_LOWER_WORD = re.compile(r"(?<![^\W\d_])[a-z]+(?![^\W\d_])")


def lower_case_words(texts: Iterable[str]) -> frozenset[str]:
    """The words the texts write in lower case ("longest" in "the longest-running show")."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))


def is_common_word(name: str, lower_words: Collection[str]) -> bool:
    """True when a recognised "name" is no name: a single capitalised English word that the article also writes
    in lower case (a sentence or cell opener such as "Longest running show", "Earthquake" of a table cell), or a
    phrase written without any capital ("jukebox musical")."""
    text = name.strip()
    if any(c.isalpha() for c in text) and not any(c.isupper() for c in text) and text.isascii():
        return True
    return " " not in text and "-" not in text and text[:1].isupper() and text[1:].islower() and \
        text.lower() in lower_words and is_english_word(text)


# Annotations read tags, parts of speech, sentence starts and entities, never lemmas: the lemmatizer is skipped.
_UNUSED_PIPES = ("lemmatizer",)


def annotate_text(text: str, offset: int = 0, lower_words: Collection[str] = (),
                  emphasis: Sequence[tuple[int, int]] = ()) -> list[dict[str, Any]]:
    """Sentences of `text` with their entities, as JSON-able dicts with source offsets (shifted by `offset`).

    `lower_words`: the words the whole article writes in lower case (see `is_common_word`). `emphasis`: spans
    (source offsets) the document set in bold or italics, where names often are (`Article.emphasis`)."""
    return annotate_texts([(text, offset)], lower_words, emphasis)[0]


def annotate_texts(texts: Sequence[tuple[str, int]], lower_words: Collection[str] = (),
                   emphasis: Sequence[tuple[int, int]] = ()) -> list[list[dict[str, Any]]]:
    """`annotate_text` of each (text, offset), in order, with every sentence of every text going through one
    `nlp.pipe` stream: many short texts cost one spaCy batch, not one call each."""
    jobs = [_Job(text, offset, False, emphasis) for text, offset in texts]
    docs = english_pipeline().pipe((t for job in jobs for t in job.texts()), disable=_UNUSED_PIPES)
    return [job.annotations([next(docs) for _ in job.pieces], lower_words) for job in jobs]


def annotate_row(text: str, offset: int = 0, lower_words: Collection[str] = (),
                 emphasis: Sequence[tuple[int, int]] = ()) -> list[dict[str, Any]]:
    """A table row as one sentence (a row is quoted whole), its entities found cell by cell so that no entity
    spans two cells."""
    job = _Job(text, offset, True, emphasis)
    return job.annotations(list(english_pipeline().pipe(job.texts(), disable=_UNUSED_PIPES)), lower_words)


class _Job:
    """One chunk's text to annotate: the pieces spaCy reads (its sentences, or a table row's cells), and how the
    entities found in them become the chunk's annotations."""

    def __init__(self, text: str, offset: int, row: bool, emphasis: Sequence[tuple[int, int]] = ()) -> None:
        self.text, self.offset, self.row = text, offset, row
        end = offset + len(text)
        self.emphasis = [(a, b) for a, b in emphasis if offset <= a and b <= end]
        if row:
            cells = [(m.start(), m.end()) for m in re.finditer(r"[^|\t]*[^|\s][^|\t]*", text)]
            self.pieces = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b - len(text[a:b]) + len(text[a:b].rstrip()))
                           for a, b in cells]
        else:
            self.pieces = list(split_sentences(text, 0))

    def texts(self) -> list[str]:
        """The pieces as spaCy reads them: without markdown (offsets stay those of the source)."""
        plain = blank_markup(self.text)
        return [plain[s:e] for s, e in self.pieces]

    def annotations(self, docs: Sequence[Any], lower_words: Collection[str]) -> list[dict[str, Any]]:
        """The chunk's sentences with their entities, from the spaCy docs of its pieces (in order)."""
        found = _entities(self.text, self.pieces, docs, self.offset, lower_words, self.emphasis)
        if self.row:
            entities = [e for piece in found for e in piece]
            return [{"start": self.offset, "end": self.offset + len(self.text.rstrip()), "entities": sorted(entities)}]
        return [{"start": self.offset + start, "end": self.offset + end, "entities": entities}
                for (start, end), entities in zip(self.pieces, found, strict=True)]


def _entities(text: str, pieces: list[tuple[int, int]], docs: Sequence[Any], offset: int,
              lower_words: Collection[str] = (), emphasis: Sequence[tuple[int, int]] = ()) -> list[list[list[Any]]]:
    """The entities of each piece (start, end) of `text`, read from its spaCy doc, as [start, end, label] with
    source offsets; names that are common words of the article (`is_common_word`) are left out."""
    out = []
    for (start, end), doc in zip(pieces, docs, strict=True):
        entities = []
        for ent in doc.ents:
            if ent.label_ not in ENTITY_TYPES:
                continue
            trimmed = _trimmed(ent if ENTITY_TYPES[ent.label_] == "place" else _with_compounds(ent),
                               text[start:end])
            if trimmed is None:
                continue
            s, e = trimmed
            entities.append([offset + start + s, offset + start + e, ent.label_])
        entities += [[offset + start + s, offset + start + e, "PROPN"] for s, e in _proper_noun_runs(doc)
                     if not any(a < offset + start + e and offset + start + s < b for a, b, _ in entities)]
        marked = [(a - offset - start, b - offset - start) for a, b in emphasis
                  if offset + start <= a and b <= offset + end]
        entities = _with_emphasised_names(entities, text[start:end], offset + start, lower_words, marked)
        entities = [e for e in entities if ENTITY_TYPES[e[2]] not in {"name", "place"} or
                    not is_common_word(unmarked(text[e[0] - offset:e[1] - offset]), lower_words)]
        entities.sort()
        out.append(entities)
    return out


_EMPHASISED = re.compile(r"(?<![\w*_])(\*\*|__)(?=\S)([^*_\n]{2,80}?)(?<=\S)\1(?![\w*_])")
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")
_NAME_JOINERS = frozenset({"of", "and", "the", "for", "on", "in", "at", "de", "du", "la", "von", "van", "&"})


def emphasised_names(text: str, lower_words: Collection[str] = (),
                     marked: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans (start, end) of names a writer marked with strong emphasis ("**Acme Radio** is a podcast …"):
    a run of title-case words in "**" or "__" that opens its text or sentence, or stands alone, and is no label
    ("**Note:**"), no common word of the article ("**Important**") and no lower-case phrase ("**really**").
    A bullet or sentence may begin after its opening mark ("Acme Radio** is …"); that counts as emphasis too.
    `marked`: spans of `text` the document model read as emphasis (its reader text has no marks left)."""
    plain = blank_markup(text)
    spans: list[tuple[int, int]] = [(m.start(2), m.end(2)) for m in _EMPHASISED.finditer(text)] + list(marked)
    lead = len(text) - len(text.lstrip())
    opener = re.match(r"[^*_\n]{2,80}?(?<=\S)(\*\*|__)(?![\w*_])", text[lead:])
    if opener and not re.match(r"\*\*|__", text[lead:]):
        spans.append((lead, lead + opener.start(1)))
    sentence_starts = {s for s, _ in split_sentences(plain)}
    out = []
    for s, e in spans:
        name = text[s:e].strip()
        words = name.split()
        if not words or len(words) > 8 or text[e:].lstrip("*_ ").startswith(":") or name.endswith(":"):
            continue
        if not all(w.lower() in _NAME_JOINERS or (_NAME_WORD.fullmatch(w) and w[0].isupper()) for w in words):
            continue
        if not words[0][0].isupper() or is_common_word(name, lower_words) or \
                (len(words) == 1 and is_english_word(name)):
            continue
        before = plain[:s].rstrip()
        opens = not before or before.endswith((".", "!", "?", "|", "\t")) or s in sentence_starts or \
            any(a <= s and not plain[a:s].strip() for a in sentence_starts)
        alone = not plain[e:].strip() or plain[e:].lstrip()[:1] in ("|", "\t", "")
        if opens or alone:
            out.append((s, e))
    return out


def _with_emphasised_names(entities: list[list[Any]], text: str, offset: int, lower_words: Collection[str],
                           marked: Sequence[tuple[int, int]] = ()) -> list[list[Any]]:
    """The entities with each emphasised name (`emphasised_names`) that the recogniser missed or cut: a name
    or place entity overlapping it gives way to it; a number or date inside it stays as it is."""
    for s, e in emphasised_names(text, lower_words, marked):
        a, b = offset + s, offset + e
        if any((x, y) == (a, b) for x, y, _ in entities):
            continue
        overlapping = [x for x in entities if x[0] < b and a < x[1]]
        if any(ENTITY_TYPES[x[2]] not in {"name", "place"} and not (a <= x[0] and x[1] <= b) for x in overlapping):
            continue
        label = next((x[2] for x in overlapping if ENTITY_TYPES[x[2]] == "name"), "PROPN")
        entities = [x for x in entities if x not in overlapping or ENTITY_TYPES[x[2]] not in {"name", "place"}]
        entities.append([a, b, label])
    return entities


def annotate_chunks(chunks: Sequence[Chunk], advance: Callable[[int], None] | None = None,
                    emphasis: Sequence[tuple[int, int]] = ()) -> list[Chunk]:
    """Each chunk with its sentences and entities attached (as compact JSON in its metadata).

    Every piece of every chunk goes through one `nlp.pipe` stream (spaCy batches them), not one call per chunk.

    Args:
        chunks: the article's chunks.
        advance: called with the number of chunks done, as they are done (a progress bar).
        emphasis: the article's emphasised spans (source offsets), `Article.emphasis`.
    """
    lower_words = lower_case_words(c.text for c in chunks)
    jobs = [_Job(c.text, c.start, c.kind == ROW_KIND, emphasis) for c in chunks]
    docs = english_pipeline().pipe((t for job in jobs for t in job.texts()), disable=_UNUSED_PIPES)
    out = []
    for chunk, job in zip(chunks, jobs, strict=True):
        sentences = job.annotations([next(docs) for _ in job.pieces], lower_words)
        out.append(replace(chunk, annotations=json.dumps(sentences, separators=(",", ":"))))
        if advance is not None:
            advance(1)
    logger.info("Annotated %d chunks with sentences and entities", len(out))
    return out


def read_annotations(raw: str, source_text: str) -> list[tuple[int, int, list[Entity]]]:
    """Parse a chunk's stored annotations back into (start, end, entities) per sentence."""
    if not raw:
        return []
    sentences = []
    for item in json.loads(raw):
        entities = [Entity(unmarked(source_text[s:e]), s, e, label) for s, e, label in item.get("entities", [])]
        sentences.append((int(item["start"]), int(item["end"]), entities))
    return sentences
