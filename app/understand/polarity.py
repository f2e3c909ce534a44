"""The polarity and restriction of a yes/no question, read off its spaCy parse.

"Is the show only about sailing?" claims something (the show is about sailing) and restricts it ("only"); "Isn't X
Y?" asks about the positive, "Is X not Y?" about the negative. The clause readers here are shared with the answer
side (`app.answer.polarity`), which reads the evidence sentence's clause the same way.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from app.understand.intent import QuestionPolarity
from app.understand.parse import doc_of
from ingest.core.lexicon import NEGATIVE_DETERMINERS, NEGATIVE_PREPOSITIONS, RESTRICTIVE_FOCUS
from ingest.core.text import stem, terms

_CLAUSE_LINKS = frozenset({"xcomp"})  # "doesn't want to cover X": the negation of the governing verb holds


def negates(token: Any) -> bool:
    """The token is a negation of the word it depends on ("not", "n't", "never", "no", "neither")."""
    return token.dep_ == "neg" or token.lemma_.lower() == "not" or (
        token.dep_ in {"det", "preconj", "advmod"} and token.lower_ in NEGATIVE_DETERMINERS)


def negating_preposition(token: Any) -> bool:
    """"without": it negates its object only, so it counts where it stands between a matched word and its clause."""
    return token.dep_ == "prep" and token.lower_ in NEGATIVE_PREPOSITIONS


def restricts(token: Any) -> bool:
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
    negated_heads = {clause_path(t)[-1].i for t in doc if negates(t)}
    negated_terms = frozenset(term for t in doc if clause_path(t)[-1].i in negated_heads and not negates(t)
                              for term in terms(t.text, split_hyphens=True))
    negated_terms |= {term for p in doc if negating_preposition(p) for t in p.subtree if t.i != p.i
                      for term in terms(t.text, split_hyphens=True)}
    # the main clause's negation is the question's ("Isn't X …?"); one inside it ("code that does not …") is read
    # against the evidence clause that shares its terms
    negations = [t for t in doc if negates(t) and root is not None and clause_path(t)[-1].i == root.i]
    # "Isn't …", "Doesn't …", "Is not …": the negation right after the auxiliary that opens the question
    biased = len(words) > 1 and words[0].pos_ == "AUX" and bool(negations) and all(
        n.i == words[1].i for n in negations)
    restrictors = frozenset(stem(t.lower_) for t in doc if restricts(t))
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


def clause_path(token: Any) -> list[Any]:
    """The token and its heads up to the verb (or copula) of its clause, and on through an `xcomp` link."""
    path = [token]
    while not (token.pos_ in {"VERB", "AUX"} and token.dep_ not in {"aux", "auxpass"}) and token.head.i != token.i:
        token = token.head
        path.append(token)
    while token.dep_ in _CLAUSE_LINKS and token.head.i != token.i:
        token = token.head
        path.append(token)
    return path


