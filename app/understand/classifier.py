"""Intent classification from the question embedding that retrieval computes anyway.

A multinomial logistic regression (scikit-learn) is trained on the labelled questions in `app/intents.yaml`,
whose placeholders ({entry}, {noun}, {org}, {topic} …) are filled from the indexed article, so the classifier
learns question shapes in this article's own words. Training takes a few seconds; the weights are cached on
disk by a hash of the training data, the article's fillers and the embedding model (and the vectors of the
questions without placeholders, the same for every article, are kept there for the next article), and prediction
is one matrix product in numpy (no scikit-learn import on the question path).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from app.understand.intent import IntentKind
from ingest.core.errors import ConfigurationError
from ingest.core.lexicon import NUMBER_WORDS, ordinal
from ingest.core.settings import default_of
from ingest.embeddings import reporting
from ingest.timing import CLASSIFIER, Stages

logger = logging.getLogger(__name__)

INTENTS_FILE = Path(__file__).resolve().parent.parent / "intents.yaml"
_PLACEHOLDERS = ("entry", "entry2", "noun", "nouns", "ordinal", "n", "org", "topic", "title")
_NUMBER_NAMES = tuple(word for word, n in NUMBER_WORDS.items() if n <= 10)  # "one" .. "ten"


class TrainingSet(BaseModel):
    """The shape of `app/intents.yaml`: labelled questions per intent kind."""

    model_config = ConfigDict(extra="forbid")

    version: int
    intents: dict[IntentKind, list[str]]

    @field_validator("intents")
    @classmethod
    def _enough_per_kind(cls, value: dict[IntentKind, list[str]]) -> dict[IntentKind, list[str]]:
        missing = [k.value for k in IntentKind if len(value.get(k, [])) < 30]
        if missing:
            raise ValueError(f"every intent kind needs at least 30 questions; too few for: {', '.join(missing)}")
        for kind, questions in value.items():
            for question in questions:
                for name in _placeholder_names(question):
                    if name not in _PLACEHOLDERS:
                        raise ValueError(f"{kind.value}: unknown placeholder {{{name}}} in {question!r}")
        return value


def question_words(training: TrainingSet) -> frozenset[str]:
    """Stems of the words people use to ask about an article ("overview", "gist", "criteria", "rank"): every
    word of the training questions except those about other things (out of scope). A focus made of these words
    is the question's language, not a topic the article must contain."""
    from ingest.core.text import stem, words

    found: set[str] = set()
    for kind, questions in training.intents.items():
        if kind is IntentKind.OUT_OF_SCOPE:
            continue
        for question in questions:
            found.update(stem(w) for w in words(re.sub(r"\{\w+\}", " ", question)))
    return frozenset(found)


def _placeholder_names(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def load_training_set(path: Path = INTENTS_FILE) -> TrainingSet:
    """Load and validate the labelled questions.

    Raises:
        ConfigurationError: the file is missing, not YAML, or has too few questions for a kind.
    """
    try:
        return TrainingSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"Invalid intent training file {path}: {exc}") from exc


@dataclass(frozen=True)
class Fillers:
    """The article's words that fill the training placeholders."""

    entries: Sequence[str]
    noun: str
    nouns: str
    count: int
    orgs: Sequence[str]
    topics: Sequence[str]
    title: str

    def fill(self, template: str, rng: random.Random) -> str:
        """One filled question."""
        entries = list(self.entries) or ["the first one", "the last one"]
        first, second = rng.sample(entries, 2) if len(entries) >= 2 else (entries[0], entries[0])
        rank = rng.randint(1, max(2, self.count))
        values = {
            "entry": first, "entry2": second, "noun": self.noun, "nouns": self.nouns, "title": self.title,
            "ordinal": ordinal(rank) if rng.random() < 0.6 else _ordinal_word(rank),
            "n": str(rank) if rng.random() < 0.6 else _NUMBER_NAMES[min(rank, 10) - 1],
            "org": rng.choice(list(self.orgs) or ["the company"]),
            "topic": rng.choice(list(self.topics) or ["research"]),
        }
        return template.format(**values)


def _ordinal_word(n: int) -> str:
    from ingest.core.lexicon import ORDINAL_WORDS

    return next((w for w, v in ORDINAL_WORDS.items() if v == n), ordinal(n))


class IntentClassifier:
    """Predicts an `IntentKind` with a probability from a question embedding."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, kinds: Sequence[IntentKind]) -> None:
        self._weights = weights.astype(np.float32)
        self._bias = bias.astype(np.float32)
        self._kinds = list(kinds)

    def predict(self, vector: np.ndarray) -> tuple[IntentKind, float]:
        """The most likely kind and its probability."""
        probabilities = self.probabilities(vector)
        best = int(np.argmax(probabilities))
        return self._kinds[best], float(probabilities[best])

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        """Probability of every kind, in `kinds` order."""
        logits = self._weights @ np.asarray(vector, dtype=np.float32) + self._bias
        logits -= logits.max()
        exp = np.exp(logits)
        probabilities: np.ndarray = exp / exp.sum()
        return probabilities

    @property
    def kinds(self) -> list[IntentKind]:
        return list(self._kinds)

    # -- training -------------------------------------------------------------------------------------
    @classmethod
    def train(cls, embed: object, fillers: Fillers, *, training: TrainingSet | None = None,
              cache_dir: Path | None = None, model_id: str = "", variants: int = default_of("intent_variants"),
              seed: int = 13,
              regularization: float = default_of("intent_regularization"),
              stages: Stages | None = None) -> IntentClassifier:
        """Fill the training questions with the article's words, embed them and fit the classifier.

        Args:
            embed: a function from a list of texts to their embeddings (normalised).
            fillers: the article's words for the placeholders.
            training: the labelled questions (default: `app/intents.yaml`).
            cache_dir: where fitted weights are cached (None: no cache).
            model_id: the embedding model's id, part of the cache key.
            variants: filled copies of each template.
            seed: the random seed of the fillings.
            regularization: inverse regularization strength C of the logistic regression.
            stages: records the seconds this takes as `ingest.timing.CLASSIFIER`, with the embedding's progress.
        """
        stages = stages or Stages()
        with stages.stage(CLASSIFIER):
            training = training or load_training_set()
            key = hashlib.sha256(json.dumps([training.model_dump(mode="json"), fillers.__dict__, model_id, variants,
                                             seed, regularization], default=list, sort_keys=True).encode()).hexdigest()
            cached = cache_dir / f"intents-{key[:24]}.npz" if cache_dir else None
            if cached is not None and cached.is_file():
                try:
                    data = np.load(cached, allow_pickle=False)
                    return cls(data["weights"], data["bias"], [IntentKind(k) for k in data["kinds"]])
                except (OSError, ValueError, KeyError):
                    logger.warning("Ignoring unreadable classifier cache %s", cached)
        return cls._fit(embed, fillers, training, cached, variants, seed, regularization, stages, model_id)

    @classmethod
    def _fit(cls, embed: object, fillers: Fillers, training: TrainingSet, cached: Path | None, variants: int,
             seed: int, regularization: float, stages: Stages, model_id: str = "") -> IntentClassifier:
        rng = random.Random(seed)
        texts: list[str] = []
        labels: list[str] = []
        fixed: list[int] = []  # the texts of templates without placeholders: the same for every article
        for kind, questions in training.intents.items():
            for template in questions:
                # in the order drawn (a set's order changes with each process's string hashing, and so would
                # the fitted weights)
                for filled in dict.fromkeys(fillers.fill(template, rng) for _ in range(variants)):
                    if not _placeholder_names(template):
                        fixed.append(len(texts))
                    texts.append(filled)
                    labels.append(kind.value)
        logger.info("Training the intent classifier on %d questions", len(texts))
        with stages.stage(CLASSIFIER, total=len(texts)) as advance:
            store = cached.parent if cached is not None else None
            vectors = _training_vectors(embed, texts, fixed, store, model_id, advance)
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(C=regularization, max_iter=2000, class_weight="balanced")
            model.fit(vectors, labels)
        kinds = [IntentKind(k) for k in model.classes_]
        classifier = cls(model.coef_, model.intercept_, kinds)
        if cached is not None:
            _save_atomically(cached, lambda tmp: np.savez(tmp, weights=model.coef_, bias=model.intercept_,
                                                          kinds=np.array([k.value for k in kinds])),
                             "the intent classifier")
        return classifier


def _training_vectors(embed: object, texts: list[str], fixed: list[int], store: Path | None, model_id: str,
                      advance: Callable[[int], None]) -> np.ndarray:
    """The vectors of the training texts. Those of `fixed` (templates without placeholders) are the same for every
    article: they are embedded as one call of their own, so their vectors never depend on the article's other
    texts (a batch pads to its longest text), and kept in `store` for the next article's classifier (about a
    fifth of its training time). The others are embedded in one call.
    """
    fixed_set = set(fixed)
    fixed_texts = [texts[i] for i in fixed]
    rest = [i for i in range(len(texts)) if i not in fixed_set]
    key = hashlib.sha256(json.dumps([model_id, fixed_texts]).encode()).hexdigest()
    kept = store / f"intent-texts-{key[:24]}.npy" if store is not None and fixed_texts else None
    fixed_vectors: np.ndarray | None = None
    if kept is not None and kept.is_file():
        try:
            fixed_vectors = np.load(kept, allow_pickle=False)
            if fixed_vectors.shape[0] != len(fixed_texts):
                raise ValueError(f"{fixed_vectors.shape[0]} vectors for {len(fixed_texts)} texts")
            advance(len(fixed_texts))
        except (OSError, ValueError) as exc:
            logger.warning("Ignoring unreadable training vectors %s: %s", kept, exc)
            fixed_vectors = None
    with reporting(advance):
        if fixed_vectors is None and fixed_texts:
            fixed_vectors = np.asarray(embed(fixed_texts), dtype=np.float32)  # type: ignore[operator]
            if kept is not None:
                vectors_to_keep = fixed_vectors
                _save_atomically(kept, lambda tmp: np.save(tmp, vectors_to_keep), "the training vectors")
        rest_vectors = np.asarray(embed([texts[i] for i in rest]), dtype=np.float32)  # type: ignore[operator]
    width = rest_vectors.shape[1] if rest else (fixed_vectors.shape[1] if fixed_vectors is not None else 0)
    vectors = np.empty((len(texts), width), dtype=np.float32)
    if rest:
        vectors[rest] = rest_vectors
    if fixed and fixed_vectors is not None:
        vectors[fixed] = fixed_vectors
    return vectors


def _save_atomically(path: Path, write: Callable[[Path], object], what: str) -> None:
    """Write a cache file with `write` (given a temporary path with the same suffix) and move it to `path`, so that
    a reader in another process sees the whole file or none; best effort (a folder that can't be written keeps
    nothing, with a warning naming `what`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
        write(tmp)
        tmp.replace(path)
    except OSError:
        logger.warning("Could not keep %s in %s", what, path.parent, exc_info=True)
