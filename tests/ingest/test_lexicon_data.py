"""The word tables' data file (ingest/core/lexicon.yaml): it validates, a bad copy fails naming its table, and every
table in it is one the code reads, in the type the code reads it."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.core import lexicon
from ingest.core.errors import ConfigurationError, LexiconError
from ingest.core.lexicon import LEXICON_FILE, LexiconTables, load_lexicon
from ingest.core.settings import PROJECT_ROOT

CODE_DIRS = ("app", "ingest")
# Tables no code read before they moved to the data file; kept because the move adds and removes no word. An entry
# that the code starts to read fails `test_every_table_is_read_by_the_code`, so that it is removed from here.
NOT_READ_YET = {"entry_marker_words", "range_words"}
# Tables the code reads in order (a tuple); every other list is a set of words (a frozenset).
ORDERED = {"place_nouns", "entry_marker_words", "months", "filler_words", "unit_words"}


def _raw() -> dict[str, Any]:
    return yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))


def test_the_shipped_file_validates_and_holds_exactly_the_model_tables() -> None:
    tables = load_lexicon()
    assert isinstance(tables, LexiconTables)
    assert list(_raw()) == list(LexiconTables.model_fields)


def test_every_table_is_a_constant_of_the_lexicon_module_in_the_type_the_code_reads() -> None:
    tables = load_lexicon()
    for name in LexiconTables.model_fields:
        value = getattr(lexicon, name.upper())
        data = getattr(tables, name)
        if name == "type_nouns":
            assert value == {noun: kind for kind, nouns in data.items() for noun in nouns}
        elif isinstance(data, dict):
            assert type(value) is dict and value == data, name
        elif name in ORDERED:
            assert type(value) is tuple and list(value) == data, name
        else:
            assert type(value) is frozenset and value == set(data), name


def _product_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for folder in CODE_DIRS
            for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))}


def test_every_table_is_read_by_the_code() -> None:
    sources = _product_sources()
    unread = set()
    for name in LexiconTables.model_fields:
        constant = re.compile(rf"(?<![\w.]){name.upper()}\b")
        uses = sum(len(constant.findall(text)) for text in sources.values())
        if uses < 2:  # its definition in ingest/core/lexicon.py is one
            unread.add(name)
    assert unread == NOT_READ_YET


def test_every_name_the_code_imports_from_the_lexicon_exists() -> None:
    tests = {p: p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "tests").rglob("*.py")}
    sources = {**_product_sources(), **tests}
    missing = []
    for path, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module == "ingest.core.lexicon":
                missing += [f"{path.name}: {a.name}" for a in node.names if not hasattr(lexicon, a.name)]
    assert not missing


def _set(table: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.__setitem__(table, value)


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "list where a map belongs": (_set("number_words", ["one", "two"]), "number_words"),
    "text where a number belongs": (lambda d: d["ordinal_words"].__setitem__("first", "one"), "ordinal_words"),
    "a word that is not text": (lambda d: d["money_verbs"].append(3), "money_verbs"),
    "a repeated word": (lambda d: d["top_words"].append("top"), "top_words"),
    "an upper-case word": (lambda d: d["light_verbs"].append("Explain"), "light_verbs"),
    "an upper-case key": (lambda d: d["place_labels"].__setitem__("Winner", 1), "place_labels"),
    "a padded word": (lambda d: d["months"].append(" may"), "months"),
    "a rank phrase that is neither a rank nor last": (lambda d: d["rank_phrases"].__setitem__("tail", "end"),
                                                       "rank_phrases"),
    "an unknown comparison": (lambda d: d["time_comparisons"].__setitem__("by", "=="), "time_comparisons"),
    "a template without its value": (lambda d: d["operator_phrases"].__setitem__(">", "above"), "operator_phrases"),
    "a noun of two answer types": (lambda d: d["type_nouns"]["money"].append("year"), "type_nouns"),
    "a missing table": (lambda d: d.pop("rank_focus"), "rank_focus"),
    "an unknown table": (_set("colour_words", ["red"]), "colour_words"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_copy_is_rejected_naming_the_table(case: str, tmp_path: Path) -> None:
    breaks, table = BROKEN[case]
    data = _raw()
    breaks(data)
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"table '{table}'"):
        load_lexicon(path)


def test_a_key_written_twice_is_rejected_naming_the_table(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys silently; the loader refuses them."""
    text = LEXICON_FILE.read_text(encoding="utf-8")
    path = tmp_path / "lexicon.yaml"
    path.write_text(text.replace("\nnumber_words:\n", "\nnumber_words:\n  one: 11\n", 1), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"table 'number_words': duplicate entries \['one'\]"):
        load_lexicon(path)
    path.write_text(text + "\nmonths: [may]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"\['months'\] defined more than once"):
        load_lexicon(path)


def test_an_unquoted_yaml_boolean_is_rejected_not_read_as_a_word(tmp_path: Path) -> None:
    """`no` unquoted is YAML's false: the table must quote it, and a copy that does not fails."""
    text = LEXICON_FILE.read_text(encoding="utf-8")
    assert 'negative_determiners: ["no",' in text
    path = tmp_path / "lexicon.yaml"
    path.write_text(text.replace('negative_determiners: ["no",', "negative_determiners: [no,"), encoding="utf-8")
    with pytest.raises(LexiconError, match="table 'negative_determiners'"):
        load_lexicon(path)


def test_a_missing_or_unreadable_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the word tables"):
        load_lexicon(tmp_path / "absent.yaml")
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("number_words: [one\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="cannot read the word tables"):
        load_lexicon(bad)
    bad.write_text("- one\n- two\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="expected a mapping"):
        load_lexicon(bad)
