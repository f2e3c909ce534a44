"""What an evidence sentence says of a yes/no claim, read off its spaCy parse.

"Is the show only about sailing?" claims something (the show is about sailing) and restricts it ("only"). The
sentence that answers it may affirm the claim ("It is a show about sailing"), deny it ("It isn't about sailing"),
deny just the restriction ("It isn't purely about sailing", "not only sailing") or widen it ("sailing and gaming",
"also gaming"). Only the clause of the sentence that carries the claim counts: a negation elsewhere in the
sentence ("It isn't on the radio, but it is about sailing") says nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.understand.intent import QuestionPolarity
from app.understand.parse import doc_of
from app.understand.polarity import clause_path, negates, negating_preposition, restricts
from ingest.core.lexicon import ADDITIVE_FOCUS
from ingest.core.text import terms

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "attr"})


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
    claim_of: dict[str, str] = {}
    for term in weights:
        for variant in expand(term):
            claim_of.setdefault(variant, term)
    clauses: dict[int, dict[str, float]] = {}
    paths: dict[int, list[list[Any]]] = {}
    matched_tokens: set[int] = set()
    for token in doc:
        if negates(token):
            continue  # a question's "never" is its polarity, no term to find
        hit = next((claim_of[t] for t in terms(token.text, split_hyphens=True) if t in claim_of), None)
        if hit is None:
            continue
        matched_tokens.add(token.i)
        path = clause_path(token)
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
    restrictors = [m for m in modifiers if restricts(m)] + [
        c for m in modifiers if negates(m) for c in m.children if restricts(c)]
    negated = any(negates(m) for m in modifiers) or any(negates(c) for r in restrictors for c in r.children) or \
        any(negating_preposition(t) for t in on_path.values())
    # the matched word joined with words the claim doesn't have ("sailing and gaming"), or an additive focus word
    # in the clause or in a clause joined to it ("…, but it also covers gaming")
    joined = [c for i in matched_tokens if i in on_path for c in doc[i].conjuncts if c.i not in matched_tokens]
    linked = [clause_head, *clause_head.conjuncts]
    additive = any(t.lower_ in ADDITIVE_FOCUS and t.dep_ == "advmod" for c in linked for t in c.subtree
                   if clause_path(t)[-1].i in {x.i for x in linked})
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
