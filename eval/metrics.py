"""Deterministic metrics of the eval: no LLM, pure functions over plain data (strings, `Answer`, `Case`).

The runner needs only the `Answer` of each case (the last turn's, for a conversation) and the source text:
`evaluate_case(case, answer, source_text)` gives a `CaseResult`, and `summarize(results)` aggregates them
overall and by category.

Conventions (documented once, used everywhere):

* Text matching goes through `normalize_text`: NFKC, case-folded, curly quotes/dashes unified, "&" read as
  "and", punctuation dropped, whitespace collapsed, and numbers canonicalised: currency signs dropped,
  thousands separators removed, scale words applied ("$2.8M", "2.8 million", "US$2.8 M", "$2,800,000" all
  become "2800000") and percentages spelled out ("24%", "24 percent", "24 per cent" become "24 percent").
  A form matches when its normalised tokens appear as whole tokens in the normalised answer ("8th" does not
  match "18th"); forms containing CJK characters match as plain substrings. Ordinals ("8th" vs "eighth") are
  not converted: the dataset lists them as alternative forms.
* A metric that does not apply to a case is `None` and is left out of averages (e.g. citation metrics of an
  abstention, retrieval metrics of a case without expected sections).
* Citation accuracy and citation precision of an answered, answerable case with **no citations are 0.0**: an
  uncited answer is not grounded, so the naive baseline (which cites nothing) scores 0 on both.
* Abstention precision with **zero abstentions is None** (undefined, shown as "n/a"), never 1.0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from eval.dataset import Case
from ingest.core.models import Answer, Citation, RetrievedSection

Verdict = Literal["correct", "abstained", "wrong"]
SCORES: dict[str, int] = {"correct": 1, "abstained": 0, "wrong": -1}
"""CRAG-style score per verdict: a confident wrong answer costs, an abstention does not."""

LATENCY_STAGES = ("retrieval", "answer", "total")

# --------------------------------------------------------------------------------------------------------
# Normalisation and fact matching
# --------------------------------------------------------------------------------------------------------

_CHAR_MAP = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_SCALE = {
    "k": 3,
    "thousand": 3,
    "m": 6,
    "mn": 6,
    "mln": 6,
    "million": 6,
    "b": 9,
    "bn": 9,
    "billion": 9,
    "tn": 12,
    "trillion": 12,
}
# Runs on case-folded text. A number is not glued to a letter or a dot on the left ("R1", "v1.2" stay as
# they are) nor to a word character on the right unless that is a scale suffix ("10m", "6g" stays "6g").
_NUMBER = re.compile(
    r"(?:(?:us\s?\$|usd|rmb|cny|\$|¥|€|£)\s?)?"
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>" + "|".join(sorted(_SCALE, key=len, reverse=True)) + r")(?!\w)"
    r"|\s?(?P<pct>%|percent(?!\w)|per\s?cent(?!\w)|pct(?!\w)))?"
    r"(?!\w)"
)
_PUNCT = re.compile(r"(?:[^\w#.]|(?<!\d)\.|\.(?!\d))+")  # keeps decimal points
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _canonical_number(match: re.Match[str]) -> str:
    raw = match.group("num").replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex only admits valid decimals
        return match.group(0)
    scale = match.group("scale")
    if scale:
        value = value.scaleb(_SCALE[scale])
    text = format(value.normalize(), "f") if value else "0"
    if match.group("pct"):
        return f" {text} percent "
    return f" {text} "


def normalize_text(text: str) -> str:
    """Normalise text for fact matching (see the module docstring for the rules).

    Args:
        text: any text (an answer, a quote, or a fact form).

    Returns:
        Lowercase tokens separated by single spaces, with numbers in canonical form.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP).casefold()
    folded = _NUMBER.sub(_canonical_number, folded)
    folded = folded.replace("&", " and ")
    return " ".join(_PUNCT.sub(" ", folded).split())


def _contains(normalized_text: str, form: str) -> bool:
    """True when the (raw) form occurs in already-normalised text, as whole tokens."""
    needle = normalize_text(form)
    if not needle:
        return False
    if _CJK.search(needle):
        return needle.replace(" ", "") in normalized_text.replace(" ", "")
    return f" {needle} " in f" {normalized_text} "


def fact_hit(answer_text: str, forms: Sequence[str]) -> bool:
    """Whether any acceptable form of one fact appears in the answer.

    Args:
        answer_text: the answer text (may be empty).
        forms: the fact's acceptable surface forms, e.g. ["$2.8M", "2.8 million"].

    Returns:
        True when at least one form matches after normalisation; False for an empty answer or no forms.
    """
    normalized = normalize_text(answer_text)
    return bool(normalized) and any(_contains(normalized, form) for form in forms)


def facts_correct(answer_text: str, expected_facts: Sequence[Sequence[str]]) -> tuple[bool, list[list[str]]]:
    """Check that every expected fact appears in the answer.

    Args:
        answer_text: the answer text.
        expected_facts: facts, each a list of acceptable forms.

    Returns:
        (all present, missing facts); each missing fact is returned as its list of forms. No expected facts
        means (True, []).
    """
    normalized = normalize_text(answer_text)
    missing = [
        list(forms)
        for forms in expected_facts
        if not (normalized and any(_contains(normalized, form) for form in forms))
    ]
    return not missing, missing


def lead_matches(answer_text: str, forms: Sequence[str]) -> bool:
    """Whether the answer starts with one of the forms (after normalisation, as whole tokens).

    Leading punctuation and markup are ignored ("**Yes**, it does" starts with "Yes"); "Yesterday" does not
    start with "Yes".

    Args:
        answer_text: the answer text.
        forms: acceptable openings, e.g. ["Yes"] or ["The article doesn't say", "The article does not say"].

    Returns:
        True when at least one form opens the answer; False for an empty answer or no forms.
    """
    normalized = normalize_text(answer_text)
    if not normalized:
        return False
    for form in forms:
        needle = normalize_text(form)
        if needle and f"{normalized} ".startswith(f"{needle} "):
            return True
    return False


def _light_normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    return " ".join(folded.split())


def must_not_violations(text: str, patterns: Sequence[str]) -> list[str]:
    """The `must_not` patterns that match the answer.

    Patterns are searched case-insensitively in the answer after NFKC, curly-quote and whitespace
    normalisation (numbers are not rewritten: patterns see the text as written).

    Args:
        text: the answer text.
        patterns: regular expressions that must not match.

    Returns:
        The patterns that matched, in the given order (empty when none did).
    """
    light = _light_normalize(text)
    return [p for p in patterns if re.search(p, light, re.IGNORECASE)]


# --------------------------------------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------------------------------------


def _section_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", title).translate(_CHAR_MAP).casefold().split())


def citation_accuracy(citations: Sequence[Citation], expected_sections: Sequence[str]) -> float | None:
    """Share of citations whose section is one of the expected sections.

    Args:
        citations: the answer's citations.
        expected_sections: section titles that support a correct answer.

    Returns:
        A value in [0, 1]; 0.0 when there are no citations (an uncited answer is not grounded); None when
        there are no expected sections (nothing to check against, e.g. a must_abstain case).
    """
    if not expected_sections:
        return None
    if not citations:
        return 0.0
    expected = {_section_key(s) for s in expected_sections}
    return sum(_section_key(c.section) in expected for c in citations) / len(citations)


_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z])|\n+")


def marker_sentences(answer_text: str, marker: int) -> list[str]:
    """The sentences of the answer that carry the inline marker `[marker]`.

    A sentence ends at ".", "!" or "?" followed by whitespace and a capital letter, or at a line break; a
    marker placed right after a sentence's full stop ("... 8th. [1]") belongs to that sentence.

    Args:
        answer_text: the answer text with markers like [1].
        marker: the citation's marker number.

    Returns:
        Each carrying sentence (without the marker itself), in order; empty when the marker is absent.
    """
    tag = f"[{marker}]"
    out = []
    text = _TRAILING_MARKERS.sub(r"\2\1", answer_text)  # "8th. [1] Next" -> "8th [1]. Next"
    for sentence in _SENTENCE_BOUNDARY.split(text):
        if tag in sentence:
            cleaned = " ".join(sentence.replace(tag, " ").split())
            out.append(re.sub(r"\s+([.!?,;:])", r"\1", cleaned))
    return out


def citation_supported(
    citation: Citation,
    answer_text: str,
    expected_facts: Sequence[Sequence[str]],
    expected_sections: Sequence[str],
) -> bool:
    """Whether one citation supports an expected fact.

    It does when its quote contains a form of any expected fact, or when its section is an expected one and
    an expected fact appears in the answer sentence carrying its marker (e.g. a rank answer citing the
    "8. Jinan" heading next to "Jinan is ranked 8th").

    Args:
        citation: the citation.
        answer_text: the answer text.
        expected_facts: the case's expected facts.
        expected_sections: the case's expected sections.

    Returns:
        True when the citation supports at least one expected fact.
    """
    forms = [form for fact in expected_facts for form in fact]
    quote = normalize_text(citation.quote)
    if quote and any(_contains(quote, form) for form in forms):
        return True
    if _section_key(citation.section) not in {_section_key(s) for s in expected_sections}:
        return False
    return any(fact_hit(sentence, forms) for sentence in marker_sentences(answer_text, citation.marker))


def citation_precision(
    answer_text: str,
    citations: Sequence[Citation],
    expected_facts: Sequence[Sequence[str]],
    expected_sections: Sequence[str],
) -> float | None:
    """Share of citations that support an expected fact (see `citation_supported`).

    Args:
        answer_text: the answer text.
        citations: the answer's citations.
        expected_facts: the case's expected facts.
        expected_sections: the case's expected sections.

    Returns:
        A value in [0, 1]; 0.0 when there are no citations; None when there are no expected facts.
    """
    if not expected_facts:
        return None
    if not citations:
        return 0.0
    supported = sum(citation_supported(c, answer_text, expected_facts, expected_sections) for c in citations)
    return supported / len(citations)


def invalid_quotes(citations: Sequence[Citation], source_text: str) -> list[Citation]:
    """The citations whose quote is not the verbatim source text at its offsets.

    Args:
        citations: the answer's citations.
        source_text: the indexed article text.

    Returns:
        Citations where `quote != source_text[start:end]` (or the offsets are out of range or reversed).
    """
    bad = []
    for c in citations:
        if c.end < c.start or c.end > len(source_text) or source_text[c.start : c.end] != c.quote:
            bad.append(c)
    return bad


def quote_validity(citations: Sequence[Citation], source_text: str) -> float | None:
    """Share of citations whose quote is verbatim source text at its offsets.

    Args:
        citations: the answer's citations.
        source_text: the indexed article text.

    Returns:
        A value in [0, 1]; None when there are no citations.
    """
    if not citations:
        return None
    return 1.0 - len(invalid_quotes(citations, source_text)) / len(citations)


# --------------------------------------------------------------------------------------------------------
# Retrieval
# --------------------------------------------------------------------------------------------------------


def ranked_sections(retrieved: Sequence[RetrievedSection | str]) -> list[str]:
    """Section titles in retrieval order, each kept at its first (best) occurrence.

    Args:
        retrieved: `Answer.retrieved` (best first), or plain section titles.

    Returns:
        Distinct section titles, best first.
    """
    seen: set[str] = set()
    out: list[str] = []
    for item in retrieved:
        title = item if isinstance(item, str) else item.section
        key = _section_key(title)
        if key not in seen:
            seen.add(key)
            out.append(title)
    return out


def _first_hit(retrieved: Sequence[RetrievedSection | str], expected_sections: Sequence[str]) -> int | None:
    """1-based position of the first expected section among the deduplicated retrieved ones (0: none)."""
    if not expected_sections:
        return None
    expected = {_section_key(s) for s in expected_sections}
    for position, title in enumerate(ranked_sections(retrieved), start=1):
        if _section_key(title) in expected:
            return position
    return 0


def reciprocal_rank(
    retrieved: Sequence[RetrievedSection | str], expected_sections: Sequence[str]
) -> float | None:
    """1 / (1-based position of the first expected section among the deduplicated retrieved sections).

    Args:
        retrieved: retrieved sections, best first (duplicates allowed; the first occurrence counts).
        expected_sections: the case's expected sections.

    Returns:
        A value in (0, 1], 0.0 when no expected section was retrieved, None without expected sections.
    """
    position = _first_hit(retrieved, expected_sections)
    if position is None:
        return None
    return 1.0 / position if position else 0.0


def hit_at_k(
    retrieved: Sequence[RetrievedSection | str], expected_sections: Sequence[str], k: int
) -> bool | None:
    """Whether an expected section is among the first k distinct retrieved sections.

    Args:
        retrieved: retrieved sections, best first (duplicates are collapsed before counting to k).
        expected_sections: the case's expected sections.
        k: cut-off, at least 1.

    Returns:
        True or False; None without expected sections.

    Raises:
        ValueError: k is less than 1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    position = _first_hit(retrieved, expected_sections)
    if position is None:
        return None
    return 0 < position <= k


# --------------------------------------------------------------------------------------------------------
# Per-case verdict
# --------------------------------------------------------------------------------------------------------


class CaseResult(BaseModel):
    """Everything the eval measured on one case (JSON-serialisable with `model_dump(mode="json")`)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    category: str
    question: str = Field(description="The scored question (the last turn).")
    must_abstain: bool
    abstained: bool
    verdict: Verdict
    score: int = Field(description="+1 correct, 0 abstained, -1 wrong.")
    why: str = Field(description="Human-readable reason for the verdict.")
    facts_ok: bool | None = Field(
        description="The answer holds the required expected facts (all, or `min_facts`); None for must_abstain."
    )
    missing_facts: list[list[str]] = Field(default_factory=list)
    facts_found: int | None = Field(default=None, description="Expected facts present; None for must_abstain.")
    facts_required: int | None = Field(default=None, description="Expected facts needed (all, or min_facts).")
    lead_ok: bool | None = Field(default=None, description="Answer opens with an expected_lead form; None: unset.")
    crashed: bool = Field(default=False, description="Asking the case raised an unexpected exception.")
    error: str | None = Field(default=None, description="The exception, when the case crashed.")
    violations: list[str] = Field(default_factory=list, description="must_not patterns that matched.")
    n_citations: int = 0
    invalid_quote_markers: list[int] = Field(
        default_factory=list, description="Markers of citations whose quote is not verbatim."
    )
    citation_accuracy: float | None = None
    citation_precision: float | None = None
    hit_at_1: bool | None = None
    hit_at_3: bool | None = None
    reciprocal_rank: float | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)


def _fact_label(forms: Sequence[str]) -> str:
    return " / ".join(repr(f) for f in forms[:3]) + (" / ..." if len(forms) > 3 else "")


def verdict_for(
    must_abstain: bool,
    abstained: bool,
    missing: Sequence[Sequence[str]],
    violations: Sequence[str],
    *,
    n_facts: int | None = None,
    min_facts: int | None = None,
    wrong_lead: Sequence[str] | None = None,
    error: str | None = None,
) -> tuple[Verdict, str]:
    """Decide the verdict of one case and explain it.

    Rules, in order: a crash (`error`) is wrong; a must_not violation is wrong; an answer that takes the
    expected course (answers, or refuses a must_abstain case) but does not open with an `expected_lead` form
    is wrong. A must_abstain case is correct only when the answer abstained
    (answering it is wrong). An answerable case that abstained is "abstained"; otherwise it is correct when
    enough expected facts are present (all of them, or `min_facts` of the `n_facts` listed), else wrong.

    Args:
        must_abstain: the case expects an abstention.
        abstained: the answer abstained.
        missing: expected facts missing from the answer (each a list of forms).
        violations: must_not patterns that matched the answer.
        n_facts: how many facts the case lists (needed with `min_facts`).
        min_facts: how many facts are enough (None: all of them).
        wrong_lead: the case's expected_lead forms when the answer opens with none of them (else None).
        error: the exception raised while asking the case, if any.

    Returns:
        (verdict, why).
    """
    if error is not None:
        return "wrong", f"crashed: {error}"
    if violations:
        return "wrong", "forbidden text in answer: " + "; ".join(repr(v) for v in violations)
    # The opening is judged only when the answer took the expected course (answered an answerable case, or
    # refused a must-abstain one); otherwise the refusal / answer itself is what decides the verdict.
    if wrong_lead is not None and abstained == must_abstain:
        return "wrong", "answer does not start with " + " / ".join(repr(f) for f in wrong_lead)
    if must_abstain:
        if abstained:
            return "correct", "abstained as expected"
        return "wrong", "answered a question the article does not answer (should abstain)"
    if abstained:
        return "abstained", "abstained on an answerable question"
    if min_facts is not None and n_facts is not None:
        found = n_facts - len(missing)
        if found < min_facts:
            return "wrong", (f"only {found} of the {min_facts} facts needed ({n_facts} listed); missing: "
                             + "; ".join(_fact_label(m) for m in missing))
        return "correct", f"{found} of the {n_facts} listed facts present ({min_facts} needed)"
    if missing:
        return "wrong", "missing fact(s): " + "; ".join(_fact_label(m) for m in missing)
    return "correct", "all expected facts present"


def evaluate_case(case: Case, answer: Answer, source_text: str, *, error: str | None = None) -> CaseResult:
    """Score one answer against its case.

    Citation metrics are computed only for answered (not abstained), answerable cases; retrieval metrics for
    every case with expected sections; quote validity for every citation.

    Args:
        case: the dataset case.
        answer: the product's answer to the case's last turn.
        source_text: the indexed article text (for quote validity).
        error: the unexpected exception raised while asking the case (any turn), if any: the case is then
            wrong and counted as a crash.

    Returns:
        The case's result with verdict, score, reason and metrics.
    """
    violations = must_not_violations(answer.text, case.must_not)
    if case.must_abstain:
        facts_ok: bool | None = None
        missing: list[list[str]] = []
        found: int | None = None
    else:
        _, missing = facts_correct(answer.text, case.expected_facts)
        found = len(case.expected_facts) - len(missing)
        facts_ok = found >= case.required_facts
    lead_ok = lead_matches(answer.text, case.expected_lead) if case.expected_lead is not None else None
    verdict, why = verdict_for(
        case.must_abstain, answer.abstained, missing, violations,
        n_facts=len(case.expected_facts), min_facts=case.min_facts,
        wrong_lead=case.expected_lead if lead_ok is False else None, error=error,
    )
    bad_quotes = invalid_quotes(answer.citations, source_text)
    if bad_quotes:
        why += f" (non-verbatim quote at marker(s) {[c.marker for c in bad_quotes]})"
    cite_applies = not case.must_abstain and not answer.abstained
    sections = case.expected_sections
    return CaseResult(
        case_id=case.id,
        category=case.category,
        question=case.scored_question,
        must_abstain=case.must_abstain,
        abstained=answer.abstained,
        verdict=verdict,
        score=SCORES[verdict],
        why=why,
        facts_ok=facts_ok,
        missing_facts=missing,
        facts_found=found,
        facts_required=None if case.must_abstain else case.required_facts,
        lead_ok=lead_ok,
        crashed=error is not None,
        error=error,
        violations=violations,
        n_citations=len(answer.citations),
        invalid_quote_markers=[c.marker for c in bad_quotes],
        citation_accuracy=citation_accuracy(answer.citations, sections) if cite_applies else None,
        citation_precision=(
            citation_precision(answer.text, answer.citations, case.expected_facts, sections)
            if cite_applies
            else None
        ),
        hit_at_1=hit_at_k(answer.retrieved, case.expected_sections, 1),
        hit_at_3=hit_at_k(answer.retrieved, case.expected_sections, 3),
        reciprocal_rank=reciprocal_rank(answer.retrieved, case.expected_sections),
        timings_ms=dict(answer.timings_ms),
    )


# --------------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------------


class AbstentionStats(BaseModel):
    """Abstention quality; the positive class is "must abstain"."""

    model_config = ConfigDict(frozen=True)

    n_abstained: int
    n_must_abstain: int
    n_answerable: int
    precision: float | None = Field(description="Share of abstentions that were due; None if none.")
    recall: float | None = Field(description="Share of must_abstain cases abstained; None if none.")
    false_refusal_rate: float | None = Field(description="Share of answerable cases abstained; None if none.")


def abstention_stats(pairs: Iterable[tuple[bool, bool]]) -> AbstentionStats:
    """Abstention precision, recall and false-refusal rate.

    Args:
        pairs: (must_abstain, abstained) per case.

    Returns:
        The stats. Precision is None when nothing abstained (undefined, not 1.0); recall is None without
        must_abstain cases; the false-refusal rate is None without answerable cases.
    """
    tp = fp = fn = n_answerable = 0
    for must, did in pairs:
        tp += must and did
        fp += (not must) and did
        fn += must and not did
        n_answerable += not must
    abstained = tp + fp
    positives = tp + fn
    return AbstentionStats(
        n_abstained=abstained,
        n_must_abstain=positives,
        n_answerable=n_answerable,
        precision=tp / abstained if abstained else None,
        recall=tp / positives if positives else None,
        false_refusal_rate=fp / n_answerable if n_answerable else None,
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between closest ranks (as numpy's default).

    Args:
        values: samples (any order).
        q: percentile in [0, 100].

    Returns:
        The percentile, or None for no samples.

    Raises:
        ValueError: q is outside [0, 100].
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], got {q}")
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class LatencyStats(BaseModel):
    """Latency of one stage over the cases that reported it, in milliseconds."""

    model_config = ConfigDict(frozen=True)

    n: int
    p50: float | None
    p95: float | None
    mean: float | None


def latency_stats(timings: Iterable[dict[str, float]]) -> dict[str, LatencyStats]:
    """p50/p95/mean per stage ("retrieval", "answer", "total").

    Args:
        timings: `Answer.timings_ms` of each case (keys "retrieval_ms", "answer_ms", "total_ms"); a missing
            stage key is skipped for that case.

    Returns:
        Stats for each of LATENCY_STAGES (n=0 and None values when no case reported the stage).
    """
    samples: dict[str, list[float]] = {stage: [] for stage in LATENCY_STAGES}
    for t in timings:
        for stage in LATENCY_STAGES:
            value = t.get(f"{stage}_ms")
            if value is not None:
                samples[stage].append(float(value))
    return {
        stage: LatencyStats(
            n=len(v),
            p50=percentile(v, 50),
            p95=percentile(v, 95),
            mean=sum(v) / len(v) if v else None,
        )
        for stage, v in samples.items()
    }


class GroupSummary(BaseModel):
    """Metrics over a group of cases (one category, or all). Averages skip cases where a metric is None."""

    model_config = ConfigDict(frozen=True)

    n: int
    correct: int
    abstained: int
    wrong: int
    accuracy: float | None = Field(description="Share of cases whose verdict is correct.")
    crag_score: float | None = Field(description="Mean score (+1/0/-1), in [-1, 1].")
    fact_accuracy: float | None = Field(description="Answerable cases whose text holds all expected facts.")
    citation_accuracy: float | None
    citation_precision: float | None
    quote_validity: float | None = Field(description="Verbatim citations / all citations (pooled).")
    hit_at_1: float | None
    hit_at_3: float | None
    mrr: float | None
    abstention: AbstentionStats
    crashes: int = Field(default=0, description="Cases that raised an unexpected exception (scored wrong).")

    @property
    def trap_refusal_rate(self) -> float | None:
        """Share of must_abstain cases refused (the abstention recall); None without such cases."""
        return self.abstention.recall


class RunSummary(BaseModel):
    """The run's metrics: overall, by category (dataset order), and latency."""

    model_config = ConfigDict(frozen=True)

    overall: GroupSummary
    by_category: dict[str, GroupSummary]
    latency_ms: dict[str, LatencyStats]


def _mean(values: Iterable[float | bool | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def summarize_group(results: Sequence[CaseResult]) -> GroupSummary:
    """Aggregate the results of a group of cases.

    Args:
        results: case results (may be empty).

    Returns:
        The group's summary; rates are None when no case in the group has the metric.
    """
    n = len(results)
    n_citations = sum(r.n_citations for r in results)
    n_invalid = sum(len(r.invalid_quote_markers) for r in results)
    return GroupSummary(
        n=n,
        correct=sum(r.verdict == "correct" for r in results),
        abstained=sum(r.verdict == "abstained" for r in results),
        wrong=sum(r.verdict == "wrong" for r in results),
        accuracy=_mean(r.verdict == "correct" for r in results),
        crag_score=_mean(r.score for r in results),
        fact_accuracy=_mean(r.facts_ok for r in results),
        citation_accuracy=_mean(r.citation_accuracy for r in results),
        citation_precision=_mean(r.citation_precision for r in results),
        quote_validity=1.0 - n_invalid / n_citations if n_citations else None,
        hit_at_1=_mean(r.hit_at_1 for r in results),
        hit_at_3=_mean(r.hit_at_3 for r in results),
        mrr=_mean(r.reciprocal_rank for r in results),
        abstention=abstention_stats((r.must_abstain, r.abstained) for r in results),
        crashes=sum(r.crashed for r in results),
    )


def summarize(results: Sequence[CaseResult]) -> RunSummary:
    """Aggregate case results overall and by category, with latency percentiles.

    Args:
        results: every case result of a run.

    Returns:
        The run summary; categories appear in order of first occurrence.
    """
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(r.category, []).append(r)
    return RunSummary(
        overall=summarize_group(results),
        by_category={cat: summarize_group(rs) for cat, rs in groups.items()},
        latency_ms=latency_stats(r.timings_ms for r in results),
    )


# --------------------------------------------------------------------------------------------------------
# Metrics by name (thresholds, tables and comparisons refer to them this way)
# --------------------------------------------------------------------------------------------------------

MetricGetter = Callable[[GroupSummary, "dict[str, LatencyStats] | None"], "float | None"]


def _latency(stage: str, stat: str) -> MetricGetter:
    def get(_: GroupSummary, latency: dict[str, LatencyStats] | None) -> float | None:
        if latency is None or stage not in latency:
            return None
        return getattr(latency[stage], stat)

    return get


METRICS: dict[str, MetricGetter] = {
    "accuracy": lambda g, _: g.accuracy,
    "crag_score": lambda g, _: g.crag_score,
    "fact_accuracy": lambda g, _: g.fact_accuracy,
    "citation_accuracy": lambda g, _: g.citation_accuracy,
    "citation_precision": lambda g, _: g.citation_precision,
    "quote_validity": lambda g, _: g.quote_validity,
    "hit_at_1": lambda g, _: g.hit_at_1,
    "hit_at_3": lambda g, _: g.hit_at_3,
    "mrr": lambda g, _: g.mrr,
    "abstention_precision": lambda g, _: g.abstention.precision,
    "abstention_recall": lambda g, _: g.abstention.recall,
    "trap_refusal_rate": lambda g, _: g.trap_refusal_rate,
    "false_refusal_rate": lambda g, _: g.abstention.false_refusal_rate,
    "crashes": lambda g, _: float(g.crashes) if g.n else None,
    **{
        f"latency_{stage}_{stat}_ms": _latency(stage, stat)
        for stage in LATENCY_STAGES
        for stat in ("p50", "p95")
    },
}
"""Metric name -> getter over (group summary, latency stats). Latency exists only for the whole run.
`trap_refusal_rate` is the abstention recall under the name the team uses (must-abstain cases refused);
`crashes` is a count, the rest are rates in [0, 1] except `crag_score` ([-1, 1]) and latency (ms)."""
COUNT_METRICS: frozenset[str] = frozenset({"crashes"})
