"""Typed results of the Python API: an `Answer` made of article text and the `Citation`s behind it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

AnswerMode = Literal["extractive", "ranking", "abstain", "help", "fallback", "llm", "llm-partial",
                     "extractive-fallback"]


class Citation(BaseModel):
    """One piece of evidence: a verbatim span of the source text and the section it belongs to."""

    model_config = ConfigDict(frozen=True)

    marker: int = Field(description="The number used for this citation in the answer text, e.g. 1 for [1].")
    section: str = Field(description='Section title as in the article, e.g. "2. Fedora".')
    topic: str | None = Field(default=None, description='Bullet topic label, e.g. "Policy Support".')
    quote: str = Field(description="Verbatim source text at start:end.")
    start: int = Field(ge=0, description="Start offset of the quote in the source text.")
    end: int = Field(ge=0, description="End offset (exclusive) of the quote in the source text.")
    rank: int | None = Field(default=None, description="Rank of the section's entry in the ranking, if any.")
    entry: str | None = Field(default=None, description="The ranked entry the section is about, if any.")

    @model_validator(mode="before")
    @classmethod
    def _entry_from_city(cls, data: Any) -> Any:
        """Accept the former name `city` for `entry` (deprecated)."""
        if isinstance(data, dict) and "city" in data and "entry" not in data:
            data = {**data, "entry": data["city"]}
        return data

    @computed_field(description="Deprecated alias of `entry`, kept for one release (0.2); read `entry`.")
    @property
    def city(self) -> str | None:
        """Deprecated: the former name of `entry`."""
        return self.entry

    @property
    def label(self) -> str:
        """Human label of where the quote comes from, e.g. "4. Fedora › Community"."""
        return f"{self.section} › {self.topic}" if self.topic else self.section


class RetrievedSection(BaseModel):
    """A section that retrieval ranked for the question (used by the eval for hit@k and MRR)."""

    model_config = ConfigDict(frozen=True)

    section: str
    topic: str | None = None
    score: float


class Answer(BaseModel):
    """The reply to one question: text with [n] markers, the citations in marker order, and how it was made."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The reply, with inline markers like [1] for its citations.")
    citations: list[Citation] = Field(default_factory=list, description="Citations in marker order.")
    abstained: bool = Field(default=False, description="True when the article does not answer.")
    question: str = Field(default="", description="The question as asked.")
    article: str = Field(default="", description="Title of the article the answer comes from.")
    source_url: str | None = Field(
        default=None, description="URL the article was fetched from (`ai-cities ingest URL`); None for a file."
    )
    standalone_question: str = Field(
        default="", description="The question after follow-up resolution (what was actually answered)."
    )
    mode: AnswerMode = Field(default="extractive", description="Which path produced the answer.")
    route: str = Field(
        default="",
        description="The answer engine's route that served the question (app/answer/routes.py), or the check "
        'that refused it before routing ("refused_unknown_subject"); "" when no route was taken.',
    )
    retrieved: list[RetrievedSection] = Field(
        default_factory=list, description="Sections retrieval ranked, best first."
    )
    timings_ms: dict[str, float] = Field(
        default_factory=dict,
        description='Time spent per stage, named with its unit: "retrieval_ms", "answer_ms", "total_ms".',
    )
    notice: str | None = Field(default=None, description="A note for the user (e.g. instructions ignored).")
    dropped_sentences: int = Field(
        default=0, description="LLM sentences removed because the evidence did not support them."
    )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable dict of the answer."""
        return self.model_dump(mode="json")
