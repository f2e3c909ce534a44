"""Polarity and restriction of a yes/no claim, read off the spaCy parse of the question and of the evidence.

"Is the show only about sailing?" claims something (the show is about sailing) and restricts it ("only"). The
sentence that answers it may affirm the claim ("It is a show about sailing"), deny it ("It isn't about sailing"),
deny just the restriction ("It isn't purely about sailing", "not only sailing") or widen it ("sailing and gaming",
"also gaming"). Only the clause of the sentence that carries the claim counts: a negation elsewhere in the
sentence ("It isn't on the radio, but it is about sailing") says nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.understand.parse import doc_of
from ingest.core.lexicon import ADDITIVE_FOCUS, NEGATIVE_DETERMINERS, NEGATIVE_PREPOSITIONS, RESTRICTIVE_FOCUS
from ingest.core.text import stem, terms

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "attr"})
_CLAUSE_LINKS = frozenset({"xcomp"})  # "doesn't want to cover X": the negation of the governing verb holds


@dataclass(frozen=True)
class QuestionPolarity:
    """How a yes/no question puts its claim.

    Attributes:
        negated: the question's main clause is negated ("Is X not Y?", "Isn't X Y?", "Is there no Z?").
        biased: the negation sits on the fronted auxiliary ("Isn't X Y?", "Doesn't X do Y?"): in English this
            asks whether X is Y, expecting yes, so it is answered like "Is X Y?". A negation inside the clause
            ("Is X not Y?", "Does X never do Y?") asks whether the negative holds.
        restricted: the claim carries a restrictive focus word as a modifier ("only", "purely", "just").
        restrictors: the stems of those words, which are no content the evidence must share.
        subject: the stemmed terms of the question's subject ("this edition of the list" in "Is this edition of
            the list data-driven?"): they name what the claim is about, the rest is the claim.
        negated_terms: the stemmed terms of the question's negated clauses, the main one or one inside it ("code
            that does not protect"): the evidence clause that shares them is compared with that clause.
    """

    negated: bool = False
    biased: bool = False
    restricted: bool = False
    restrictors: frozenset[str] = frozenset()
    subject: frozenset[str] = frozenset()
    negated_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Stance:
    """What the evidence clause that carries a claim says of it.

    Attributes:
        matched: a clause of the sentence shares the claim's terms (without one, nothing below is known).
        negated: that clause is negated ("isn't", "never", "no Z", "neither").
        restriction_denied: the negation falls on a restrictive focus word ("isn't purely about X", "not only
            X"): the claim itself holds, its restriction does not.
        widened: the clause adds to what the claim says ("also", "too", or the matched word joined with another:
            "X and Y").
        terms: the claim's terms that clause shares.
    """

    matched: bool = False
    negated: bool = False
    restriction_denied: bool = False
    widened: bool = False
    terms: frozenset[str] = frozenset()


def _negates(token: Any) -> bool:
    """The token is a negation of the word it depends on ("not", "n't", "never", "no", "neither")."""
    return token.dep_ == "neg" or token.lemma_.lower() == "not" or (
        token.dep_ in {"det", "preconj", "advmod"} and token.lower_ in NEGATIVE_DETERMINERS)


def _negating_preposition(token: Any) -> bool:
    """"without": it negates its object only, so it counts where it stands between a matched word and its clause."""
    return token.dep_ == "prep" and token.lower_ in NEGATIVE_PREPOSITIONS


def _restricts(token: Any) -> bool:
    """A restrictive focus word used as one ("only sport", "purely about X"), not as an adjective after a
    determiner ("the only bridge", a uniqueness claim of another kind)."""
    if token.lower_ not in RESTRICTIVE_FOCUS:
        return False
    after_determiner = token.i > 0 and token.doc[token.i - 1].dep_ in {"det", "poss"}
    return not after_determiner and (token.dep_ in {"advmod", "preconj"} or token.pos_ == "ADV")


def question_polarity(text: str) -> QuestionPolarity:
    """The polarity and restriction of a yes/no question's claim, from its parse."""
    return _question_polarity(text)


@lru_cache(maxsize=1024)
def _question_polarity(text: str) -> QuestionPolarity:
    doc = doc_of(text)
    words = [t for t in doc if not t.is_punct and not t.is_space]
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    negated_heads = {_clause_path(t)[-1].i for t in doc if _negates(t)}
    negated_terms = frozenset(term for t in doc if _clause_path(t)[-1].i in negated_heads and not _negates(t)
                              for term in terms(t.text, split_hyphens=True))
    negated_terms |= {term for p in doc if _negating_preposition(p) for t in p.subtree if t.i != p.i
                      for term in terms(t.text, split_hyphens=True)}
    # the main clause's negation is the question's ("Isn't X …?"); one inside it ("code that does not …") is read
    # against the evidence clause that shares its terms
    negations = [t for t in doc if _negates(t) and root is not None and _clause_path(t)[-1].i == root.i]
    # "Isn't …", "Doesn't …", "Is not …": the negation right after the auxiliary that opens the question
    biased = len(words) > 1 and words[0].pos_ == "AUX" and bool(negations) and all(
        n.i == words[1].i for n in negations)
    restrictors = frozenset(stem(t.lower_) for t in doc if _restricts(t))
    subjects = [c for c in (root.children if root is not None else ()) if c.dep_ in {"nsubj", "nsubjpass"}]
    subject = frozenset(term for c in subjects for t in _noun_phrase(c) for term in terms(t.text, split_hyphens=True))
    return QuestionPolarity(bool(negations), biased, bool(restrictors), restrictors, subject,
                            negated_terms)


def _noun_phrase(token: Any) -> list[Any]:
    """A subject's noun phrase: its head with determiners, compounds, modifiers and "of" phrases ("this edition of
    the list"), not what the small parser may hang on it from the predicate ("the show [only about X]")."""
    out = [token]
    for child in token.children:
        if child.dep_ in {"det", "compound", "amod", "poss", "nummod", "case", "conj", "cc", "pobj"} or (
                child.dep_ == "prep" and child.lower_ == "of"):
            out += _noun_phrase(child)
    return out


def _clause_path(token: Any) -> list[Any]:
    """The token and its heads up to the verb (or copula) of its clause, and on through an `xcomp` link."""
    path = [token]
    while not (token.pos_ in {"VERB", "AUX"} and token.dep_ not in {"aux", "auxpass"}) and token.head.i != token.i:
        token = token.head
        path.append(token)
    while token.dep_ in _CLAUSE_LINKS and token.head.i != token.i:
        token = token.head
        path.append(token)
    return path


def stance(sentence: str, weights: dict[str, float], expand: Callable[[str], set[str]]) -> Stance:
    """What `sentence` says of a claim: the first of `stances`, or no stance when no clause matches."""
    return next(iter(stances(sentence, weights, expand)), Stance())


def stances(sentence: str, weights: dict[str, float], expand: Callable[[str], set[str]]) -> list[Stance]:
    """What `sentence` says of a claim: find the clauses that share most of the claim's terms (`weights`: stemmed
    term -> weight, each term matched through `expand`, as the evidence's coverage matches them), then read each
    one's negation, restriction and additions. Several clauses come back when they share the claim equally
    ("shows paintings | that were never restored", "isn't purely about X | but solves problems with X"): the
    claim then needs each of them."""
    doc = doc_of(sentence)
    claim_of = {}
    for term in weights:
        for variant in expand(term):
            claim_of.setdefault(variant, term)
    clauses: dict[int, dict[str, float]] = {}
    paths: dict[int, list[list[Any]]] = {}
    matched_tokens: set[int] = set()
    for token in doc:
        if _negates(token):
            continue  # a question's "never" is its polarity, no term to find
        hit = next((claim_of[t] for t in terms(token.text, split_hyphens=True) if t in claim_of), None)
        if hit is None:
            continue
        matched_tokens.add(token.i)
        path = _clause_path(token)
        head = path[-1].i
        clauses.setdefault(head, {})[hit] = weights[hit]
        paths.setdefault(head, []).append(path)
    content = clauses
    if not content:
        return []
    best = max(sum(w.values()) for w in content.values())
    return [_read_clause(doc, head, paths[head], matched_tokens, content[head])
            for head in sorted(content) if sum(content[head].values()) >= best - 1e-9]


def _read_clause(doc: Any, head: int, clause_paths: list[list[Any]], matched_tokens: set[int],
                 shared_weights: dict[str, float]) -> Stance:
    """The stance of one clause (its head, and the paths from its matched words up to it)."""
    on_path = {t.i: t for path in clause_paths for t in path}
    clause_head = doc[head]
    governors = list(on_path.values()) + [c for c in clause_head.children if c.dep_ in _SUBJECTS]
    modifiers = [c for t in governors for c in t.children]
    # "isn't purely about X" (on the path), "not only X" (under the negation)
    restrictors = [m for m in modifiers if _restricts(m)] + [
        c for m in modifiers if _negates(m) for c in m.children if _restricts(c)]
    negated = any(_negates(m) for m in modifiers) or any(_negates(c) for r in restrictors for c in r.children) or \
        any(_negating_preposition(t) for t in on_path.values())
    # the matched word joined with words the claim doesn't have ("sailing and gaming"), or an additive focus word
    # in the clause or in a clause joined to it ("…, but it also covers gaming")
    joined = [c for i in matched_tokens if i in on_path for c in doc[i].conjuncts if c.i not in matched_tokens]
    linked = [clause_head, *clause_head.conjuncts]
    additive = any(t.lower_ in ADDITIVE_FOCUS and t.dep_ == "advmod" for c in linked for t in c.subtree
                   if _clause_path(t)[-1].i in {x.i for x in linked})
    shared = frozenset(shared_weights)
    return Stance(True, negated, negated and bool(restrictors), bool(joined) or additive, shared)


def claim_holds(question: QuestionPolarity, evidence: Stance) -> bool:
    """True when the answer to the question is "Yes" given what the evidence clause says.

    The claim without negation or restriction holds unless the clause negates it (a negation of a restriction,
    "isn't purely X", leaves it standing). A restricted claim ("only X") also needs its restriction to stand: the
    clause must neither deny it nor widen it. A literally negated question ("Is it not X?") is answered about
    the negative; a biased one ("Isn't it X?") about the positive."""
    plain = not evidence.negated or evidence.restriction_denied
    holds = plain and not (question.restricted and (evidence.restriction_denied or evidence.widened))
    # the question's clause that shares the evidence clause's terms is the one compared with it
    negated = bool(question.negated_terms & evidence.terms) if evidence.terms else question.negated
    if negated and not question.biased:
        return not holds
    return holds
