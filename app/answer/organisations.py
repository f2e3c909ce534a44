"""Which names of a sentence stand for organisations, read off the entity recogniser's label of the name in that
sentence and the sentence's dependency parse, never off capital letters.

A name is an organisation where the recogniser labels it ORG, or leaves it unlabelled (a proper noun it does not
know), and the sentence uses it as a name of its own: not as a word modifying a common noun ("the Q7 model", "MeshOS
projects"), not as a common noun itself (tagged as one, with an article, or coordinated with one: "AI-powered MeshOS
and robotics"), and not as a part of another name ("Acme's Science Park"). A name the sentence introduces as an
organisation ("companies like Acme", "the logistics firm Acme") is one whatever the recogniser labelled it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.knowledge import Sentence
from app.understand.parse import doc_of
from ingest.annotate import Entity
from ingest.core.lexicon import ORGANISATION_NOUNS
from ingest.core.text import stem

# the recogniser's label for an organisation, and the one ingest gives a proper noun the recogniser left unlabelled
_ORGANISATION_LABELS = frozenset({"ORG", "PROPN"})
_MODIFIER_DEPS = frozenset({"compound", "amod"})


def is_organisation(entity: Entity, sentence: Sentence) -> bool:
    """True when `entity` (a name of `sentence`) stands for an organisation there."""
    span = _span(entity, sentence)
    if span is None:
        return entity.label == "ORG"
    if _introduced_as_organisation(span):
        return True
    return entity.label in _ORGANISATION_LABELS and _used_as_a_name(span, entity, sentence)


def _common_nouns(sentence: Sentence, entity: Entity) -> Callable[[Any], bool]:
    """A test for tokens of the sentence that are common nouns: tagged as nouns, and in none of its other names
    (the small tagger reads an unfamiliar name as a noun now and then)."""
    names = [(e.start - sentence.start, e.end - sentence.start) for e in sentence.entities if e != entity]
    return lambda t: t.pos_ == "NOUN" and not any(a <= t.idx < b for a, b in names)


def _used_as_a_name(span: Any, entity: Entity, sentence: Sentence) -> bool:
    """The sentence uses the name as a name of its own (see the module docstring)."""
    root = span.root
    inside = range(span.start, span.end)
    common = _common_nouns(sentence, entity)
    tagged_common = root.pos_ != "PROPN"  # the tagger reads it as a common word ("MeshOS", "AI-powered MeshOS")
    outside = [c for c in root.children if c.i not in inside]
    if root.dep_ in _MODIFIER_DEPS and root.head.i not in inside and common(root.head):
        return False  # it modifies a common noun: "the Q7 model", "MeshOS projects"
    if any(c.dep_ == "det" and "Ind" in c.morph.get("Definite") for c in outside):
        return False  # "a Portal"
    listed_with_common = any(c.dep_ == "conj" and common(c) for c in outside) or (
        root.dep_ == "conj" and common(root.head))
    if listed_with_common and (tagged_common or entity.label != "ORG"):
        return False  # in a list of common nouns: "SaaSly and vertical apps", "MeshOS and robotics"
    if tagged_common and any(c.dep_ == "amod" for c in outside):
        return False  # an adjective modifies it as it does a common noun: "AI-powered MeshOS"
    owners = [c for c in outside if c.dep_ == "poss"]
    others = [e for e in sentence.entities if e != entity]
    return not any(e.start <= sentence.start + o.idx < e.end for o in owners for e in others)


def _span(entity: Entity, sentence: Sentence) -> Any:
    doc = doc_of(sentence.text)
    return doc.char_span(entity.start - sentence.start, entity.end - sentence.start, alignment_mode="expand")


_ORGANISATION_STEMS = frozenset(stem(n) for n in ORGANISATION_NOUNS)


def _organisation_noun(token: Any) -> bool:
    """An organisation noun, by its stem (the small tagger sometimes reads a plural noun as a verb)."""
    return token.pos_ in {"NOUN", "VERB"} and stem(token.lower_) in _ORGANISATION_STEMS


def _introduced_as_organisation(span: Any) -> bool:
    """"companies like Acme", "startups such as Acme", "the firm Acme", "Acme and other startups": the noun the
    sentence gives the name (or the first name of its list) is an organisation noun."""
    root = span.root
    while root.dep_ == "conj" and root.head.pos_ == "PROPN" and root.head.i not in range(span.start, span.end):
        root = root.head  # "like Acme and Zenith": the list's first name is what the noun introduces
    if any(_organisation_noun(c) for c in root.children if c.dep_ in {"amod", "compound", "nmod", "appos", "conj"}):
        return True
    if root.dep_ in {"appos", "conj"} and _organisation_noun(root.head):
        return True
    return root.dep_ == "pobj" and root.head.dep_ == "prep" and _organisation_noun(root.head.head)
