"""One lexicon of the language of rankings: number words, ordinals, place labels, rank phrases and ranking cues.

Question analysis, the answerer, the LLM verifier and the parser all read ranks and small numbers through this
module, so they agree on what "third", "No. 3", "#3", "runner-up" and "第三" mean. It holds language, not
anything about one article.

The words themselves are data: every table lives in `lexicon.yaml` beside this module, with a comment saying what
it is for. It is read once, when this module is imported, and validated (`LexiconTables`); a bad file fails with a
`LexiconError` naming the table. The constants below are those tables in the types the code uses (frozensets,
tuples, dicts); what is computed from them (stems, regular expressions) is computed where it is used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt, ValidationError

from ingest.core.errors import LexiconError

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
"""The word tables, one per use, each with a comment saying what it is for."""


def _word(value: str) -> str:
    if not value or value != value.strip() or value != value.lower():
        raise ValueError(f"{value!r} is not a lower-case word (no upper case, no surrounding spaces)")
    return value


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"duplicate entries {repeated}")
    return values


def _template(value: str) -> str:
    if value.count("{}") != 1:
        raise ValueError(f"{value!r} must hold one '{{}}' for the value it words")
    return value


def _one_type_per_noun(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    _unique([noun for nouns in groups.values() for noun in nouns])
    return groups


Word = Annotated[str, AfterValidator(_word)]
Words = Annotated[list[Word], AfterValidator(_unique)]
Comparison = Literal["<", ">", "<=", ">="]
Template = Annotated[str, AfterValidator(_template)]


class LexiconTables(BaseModel):
    """`lexicon.yaml`, validated: every table with its type. What each is for is the comment above it in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number_words: dict[Word, StrictInt]
    ordinal_words: dict[Word, StrictInt]
    place_labels: dict[Word, StrictInt]
    place_nouns: Words
    entry_marker_words: Words
    ranking_cues: Words
    generic_section_names: Words
    non_entry_nouns: Words
    chinese_digits: dict[Word, StrictInt]
    rank_phrases: dict[Word, StrictInt | Literal["last"]]
    fraction_words: dict[Word, float]
    money_verbs: Words
    range_words: Words
    top_words: Words
    bottom_words: Words
    higher_words: Words
    lower_words: Words
    downward_comparatives: Words
    comparing_prepositions: Words
    early_superlatives: Words
    comparative_antonyms: dict[str, str]
    early_comparatives: Words
    time_comparisons: dict[Word, Comparison]
    type_nouns: Annotated[dict[Word, Words], AfterValidator(_one_type_per_noun)]
    wh_types: dict[Word, Word]
    chinese_question_words: dict[Word, str]
    institution_heads: Words
    name_nouns: Words
    organisation_nouns: Words
    value_words: Words
    months: Words
    bottom_superlatives: Words
    restrictive_focus: Words
    additive_focus: Words
    negative_determiners: Words
    negative_prepositions: Words
    rank_verbs: Words
    measure_after: Words
    analytic_degrees: Words
    other_rank_heads: Words
    light_verbs: Words
    rank_nouns: Words
    rank_focus: Words
    up_down: Words
    how_why: Words
    method_wh: Words
    naming_nouns: Words
    container_nouns: Words
    residence_verbs: Words
    method_nouns: Words
    operator_phrases: dict[Comparison, Template]
    year_operator_phrases: dict[Comparison, Template]
    top_place_nouns: Words
    rank_claim_words: Words
    sentence_starters: Words
    filler_words: Words
    unit_words: Words


def _repeated_keys(node: yaml.Node) -> list[str]:
    """The keys a YAML mapping node holds more than once (YAML itself keeps the last silently)."""
    if not isinstance(node, yaml.MappingNode):
        return []
    keys = [key.value for key, _ in node.value]
    return sorted({k for k in keys if keys.count(k) > 1})


def _check_keys(text: str, path: Path) -> None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise LexiconError(f"{path}: expected a mapping of table names to tables")
    if _repeated_keys(root):
        raise LexiconError(f"{path}: table(s) {_repeated_keys(root)} defined more than once")
    for key, value in root.value:
        if _repeated_keys(value):
            raise LexiconError(f"{path}: table '{key.value}': duplicate entries {_repeated_keys(value)}")


def _problem(error: Any) -> str:
    table, *where = error["loc"] or ("(file)",)
    at = f" (at {'/'.join(str(w) for w in where)})" if where else ""
    return f"table '{table}'{at}: {error['msg']}"


def load_lexicon(path: Path = LEXICON_FILE) -> LexiconTables:
    """Read and validate the word tables.

    Args:
        path: the data file; the shipped `lexicon.yaml` beside this module unless a test passes another.

    Returns:
        The validated tables.

    Raises:
        LexiconError: the file is missing or not YAML, a table is missing, unknown, repeated or of the wrong type,
            or a word is repeated or not lower case. The message names the table.
    """
    try:
        text = path.read_text(encoding="utf-8")
        _check_keys(text, path)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: cannot read the word tables: {exc}") from exc
    try:
        return LexiconTables.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise LexiconError(f"{path}: {problems}") from None


_TABLES = load_lexicon()

NUMBER_WORDS: dict[str, int] = dict(_TABLES.number_words)
ORDINAL_WORDS: dict[str, int] = dict(_TABLES.ordinal_words)
ORDINAL_SUFFIXED: dict[str, int] = {
    f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}": n
    for n in range(1, 21)
}
"""'1st' .. '20th'."""

PLACE_LABELS: dict[str, int] = dict(_TABLES.place_labels)
PLACE_NOUNS: tuple[str, ...] = tuple(_TABLES.place_nouns)
ENTRY_MARKER_WORDS: tuple[str, ...] = tuple(_TABLES.entry_marker_words)
RANKING_CUES: frozenset[str] = frozenset(_TABLES.ranking_cues)
GENERIC_SECTION_NAMES: frozenset[str] = frozenset(_TABLES.generic_section_names)
NON_ENTRY_NOUNS: frozenset[str] = frozenset(_TABLES.non_entry_nouns)
CHINESE_DIGITS: dict[str, int] = dict(_TABLES.chinese_digits)
RANK_PHRASES: dict[str, int | str] = dict(_TABLES.rank_phrases)
FRACTION_WORDS: dict[str, float] = dict(_TABLES.fraction_words)
MONEY_VERBS: frozenset[str] = frozenset(_TABLES.money_verbs)
RANGE_WORDS: frozenset[str] = frozenset(_TABLES.range_words)
TOP_WORDS: frozenset[str] = frozenset(_TABLES.top_words)
BOTTOM_WORDS: frozenset[str] = frozenset(_TABLES.bottom_words)
HIGHER_WORDS: frozenset[str] = frozenset(_TABLES.higher_words)
LOWER_WORDS: frozenset[str] = frozenset(_TABLES.lower_words)
DOWNWARD_COMPARATIVES: frozenset[str] = frozenset(_TABLES.downward_comparatives)
COMPARING_PREPOSITIONS: frozenset[str] = frozenset(_TABLES.comparing_prepositions)
EARLY_SUPERLATIVES: frozenset[str] = frozenset(_TABLES.early_superlatives)
EARLY_COMPARATIVES: frozenset[str] = frozenset(_TABLES.early_comparatives)
COMPARATIVE_ANTONYMS: dict[str, str] = dict(_TABLES.comparative_antonyms)
TIME_COMPARISONS: dict[str, str] = dict(_TABLES.time_comparisons)
TYPE_NOUNS: dict[str, str] = {noun: kind for kind, nouns in _TABLES.type_nouns.items() for noun in nouns}
WH_TYPES: dict[str, str] = dict(_TABLES.wh_types)
CHINESE_QUESTION_WORDS: dict[str, str] = dict(_TABLES.chinese_question_words)
INSTITUTION_HEADS: frozenset[str] = frozenset(_TABLES.institution_heads)
NAME_NOUNS: frozenset[str] = frozenset(_TABLES.name_nouns)
ORGANISATION_NOUNS: frozenset[str] = frozenset(_TABLES.organisation_nouns)
VALUE_WORDS: frozenset[str] = frozenset(_TABLES.value_words)
MONTHS: tuple[str, ...] = tuple(_TABLES.months)
BOTTOM_SUPERLATIVES: frozenset[str] = frozenset(_TABLES.bottom_superlatives)
RESTRICTIVE_FOCUS: frozenset[str] = frozenset(_TABLES.restrictive_focus)
ADDITIVE_FOCUS: frozenset[str] = frozenset(_TABLES.additive_focus)
NEGATIVE_DETERMINERS: frozenset[str] = frozenset(_TABLES.negative_determiners)
NEGATIVE_PREPOSITIONS: frozenset[str] = frozenset(_TABLES.negative_prepositions)
RANK_VERBS: frozenset[str] = frozenset(_TABLES.rank_verbs)
MEASURE_AFTER: frozenset[str] = frozenset(_TABLES.measure_after)
ANALYTIC_DEGREES: frozenset[str] = frozenset(_TABLES.analytic_degrees)
OTHER_RANK_HEADS: frozenset[str] = frozenset(_TABLES.other_rank_heads)
LIGHT_VERBS: frozenset[str] = frozenset(_TABLES.light_verbs)
RANK_NOUNS: frozenset[str] = frozenset(_TABLES.rank_nouns)
RANK_FOCUS: frozenset[str] = frozenset(_TABLES.rank_focus)
UP_DOWN: frozenset[str] = frozenset(_TABLES.up_down)
HOW_WHY: frozenset[str] = frozenset(_TABLES.how_why)
METHOD_WH: frozenset[str] = frozenset(_TABLES.method_wh)
METHOD_NOUNS: frozenset[str] = frozenset(_TABLES.method_nouns)
CONTAINER_NOUNS: frozenset[str] = frozenset(_TABLES.container_nouns)
NAMING_NOUNS: frozenset[str] = frozenset(_TABLES.naming_nouns)
RESIDENCE_VERBS: frozenset[str] = frozenset(_TABLES.residence_verbs)
OPERATOR_PHRASES: dict[str, str] = dict(_TABLES.operator_phrases)
YEAR_OPERATOR_PHRASES: dict[str, str] = dict(_TABLES.year_operator_phrases)
TOP_PLACE_NOUNS: frozenset[str] = frozenset(_TABLES.top_place_nouns)
RANK_CLAIM_WORDS: frozenset[str] = frozenset(_TABLES.rank_claim_words)
SENTENCE_STARTERS: frozenset[str] = frozenset(_TABLES.sentence_starters)
FILLER_WORDS: tuple[str, ...] = tuple(_TABLES.filler_words)
UNIT_WORDS: tuple[str, ...] = tuple(_TABLES.unit_words)

_ORDINAL_SUFFIX = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$", re.I)
_MARKED_NUMBER = re.compile(r"^(?:#|no\.?\s*|number\s+)(\d{1,3})$", re.I)
_CN_ORDINAL = re.compile(r"第\s*([一二两三四五六七八九十]{1,3}|\d{1,3})")
_CN_TOP = re.compile(r"前\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})")


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def number_value(word: str) -> int | None:
    """A small whole number written as digits or an English word ("3", "three"); None otherwise."""
    low = word.lower().strip()
    if low.isdigit() and len(low) <= 3:
        return int(low)
    return NUMBER_WORDS.get(low)


def ordinal_value(word: str) -> int | None:
    """The rank an ordinal token names ("3rd", "third", "#3", "No. 3"); None otherwise."""
    low = word.lower().strip()
    if low in ORDINAL_WORDS:
        return ORDINAL_WORDS[low]
    match = _ORDINAL_SUFFIX.match(low) or _MARKED_NUMBER.match(low)
    return int(match.group(1)) if match else None


def chinese_number(text: str) -> int:
    """A Chinese numeral up to 99 ("三" -> 3, "十二" -> 12, "二十" -> 20) or digits."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(ones, 0)
    return CHINESE_DIGITS.get(text, 0)


def chinese_rank_to_english(text: str) -> str:
    """Rewrite Chinese ordinals and top-N ("第三", "前五") as English ("3rd", "top 5") for the rest of the
    pipeline; other text is left alone."""
    text = _CN_ORDINAL.sub(lambda m: f" {ordinal(chinese_number(m.group(1)))} ", text)
    return _CN_TOP.sub(lambda m: f" top {chinese_number(m.group(1))} ", text)


def rank_phrase_value(phrase: str, last: int) -> int | None:
    """The rank a phrase like "runner-up" or "last place" names, with `last` the ranking's length."""
    value = RANK_PHRASES.get(phrase.lower())
    if value == "last":
        return last
    return value if isinstance(value, int) else None


def rank_value(word: str) -> int | None:
    """The number a rank word stands for: '3', 'three', 'third', '3rd', 'winner' -> 3, 3, 3, 3, 1.

    Returns None for anything else. Case and surrounding spaces are ignored.
    """
    key = " ".join(word.lower().replace("’", "'").split())
    if key.isdigit():
        return int(key)
    suffixed = _ORDINAL_SUFFIX.match(key)
    if suffixed:
        return int(suffixed.group(1))
    for table in (NUMBER_WORDS, ORDINAL_WORDS, PLACE_LABELS):
        if key in table:
            return table[key]
    return None
