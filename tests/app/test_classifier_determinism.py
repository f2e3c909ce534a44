"""The intent classifier fits the same weights in every process: its training questions are drawn in a fixed order,
whatever the process's string hashing (PYTHONHASHSEED) does to the order of sets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

TRAIN = """
import hashlib, sys
import numpy as np
from app.understand.classifier import Fillers, IntentClassifier

def embed(texts):  # a stand-in for the model: a fixed pseudo-random unit vector per text
    out = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(32)
        out.append(vector / np.linalg.norm(vector))
    return out

fillers = Fillers(entries=["Alder", "Birch", "Cedar"], noun="tree", nouns="trees", count=3, orgs=["Woodland Trust"],
                  topics=["shade", "timber"], title="The 3 Tallest Trees of Eastwood")
model = IntentClassifier.train(embed, fillers, cache_dir=None)
probes = np.random.default_rng(0).standard_normal((8, 32)).astype(np.float32)
np.save(sys.argv[1], np.stack([model.probabilities(p) for p in probes]))
"""


def test_the_same_weights_whatever_the_hash_seed(tmp_path: Path) -> None:
    fitted = []
    for seed in ("1", "2"):
        out = tmp_path / f"weights-{seed}.npy"
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", TRAIN, str(out)], check=True, env=env, cwd=ROOT, timeout=300)
        fitted.append(np.load(out))
    assert np.array_equal(fitted[0], fitted[1])


def test_the_questions_without_placeholders_are_embedded_once_per_machine(tmp_path: Path, embeddings) -> None:
    from app.understand.classifier import Fillers, IntentClassifier, _placeholder_names, load_training_set

    embedded: list[int] = []

    def embed(texts: list[str]) -> list[list[float]]:
        embedded.append(len(texts))
        return embeddings.embed_documents(texts)

    def fit(fillers: Fillers, cache: Path) -> np.ndarray:
        embedded.clear()
        model = IntentClassifier.train(embed, fillers, cache_dir=cache, model_id="minilm", variants=1)
        return np.stack([model.probabilities(p) for p in probes])

    probes = np.asarray(embeddings.embed_documents(["who is third", "how was the list made", "is it sunny"]))
    fixed = sum(not _placeholder_names(q) for questions in load_training_set().intents.values() for q in questions)
    trees = Fillers(entries=["Alder", "Birch", "Cedar"], noun="tree", nouns="trees", count=3, orgs=["Woodland Trust"],
                    topics=["shade"], title="The 3 Tallest Trees of Eastwood")
    lakes = Fillers(entries=["Quillmere", "Osk Water"], noun="lake", nouns="lakes", count=2, orgs=["Fenby Council"],
                    topics=["depth"], title="The 2 Deepest Lakes of Fenby")
    fit(trees, tmp_path / "machine")
    first = sum(embedded)
    warm = fit(lakes, tmp_path / "machine")  # another article: the placeholder-free questions are kept
    assert sum(embedded) == first - fixed and fixed > 100
    cold = fit(lakes, tmp_path / "other-machine")
    assert sum(embedded) == first and np.array_equal(warm, cold)  # the same weights, kept or not
    (next((tmp_path / "machine").glob("intent-texts-*.npy"))).write_bytes(b"not numpy")  # a damaged file is ignored
    for weights in (tmp_path / "machine").glob("intents-*.npz"):
        weights.unlink()
    assert np.array_equal(fit(lakes, tmp_path / "machine"), cold) and sum(embedded) == first
