"""Names in a question: the ranked entries (by name, another form, a misspelling, or a name their row or section
gives them) and the article's other names (organisations, products, places), as the article's terms list them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from app.understand.article import ArticleTerms
from ingest.core.lexicon import NUMBER_WORDS, ORDINAL_WORDS
from ingest.core.settings import default_of
from ingest.core.text import STOPWORDS, fold, stem, words

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # Chinese characters: their forms match without word boundaries
YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")  # a year that can date an entry
_NUMBER_WORDS = sorted(map(re.escape, set(NUMBER_WORDS) | set(ORDINAL_WORDS)), key=len, reverse=True)


class NameFinder:
    """Finds the article's names in a text.

    Args:
        article: the article's names and words.
        typo_entry_score: how close (rapidfuzz ratio, 0-100) a word must be to an entry's name to name that entry.
    """

    def __init__(self, article: ArticleTerms, *, typo_entry_score: float = default_of("typo_entry_score"),
                 title_entry_words: int = default_of("title_entry_words")) -> None:
        self._article = article
        self._typo_entry_score = typo_entry_score
        self._title_entry_words = title_entry_words
        self._title_words = _distinctive_title_words(article.entries)
        self._content_words = {e: stems for e in article.entries
                               if len(stems := {stem(w) for w in words(e) if w not in STOPWORDS}) >= 2}
        # (folded form, name) of the entries' names and of the article's other names, longest first
        self.entry_forms = _forms({e: article.aliases.get(e, []) + _leading_spans(e, article.entries)
                                   for e in article.entries})
        name_table = {n: article.aliases.get(n, []) for n in article.names if n not in article.entries}
        name_table |= {k: v for k, v in article.aliases.items() if k not in article.entries}
        self.name_forms = _forms(name_table)
        self._entry_words = [fold(e) for e in article.entries]
        self._cell_forms = sorted(((fold(part), entry) for part, entry in article.cells.items()),
                                  key=lambda f: -len(f[0]))
        self.known = {f for f, _ in self.entry_forms + self.name_forms}  # the folded forms of all its names
        self._vocab_set = set(article.vocabulary)

    def find_entries(self, text: str) -> list[str]:
        """Ranked entries mentioned, in order of mention; misspellings of long names allowed."""
        folded = fold(text)
        found = _find(folded, self.entry_forms)
        named = {n for _, n in found}
        for match in re.finditer(r"[a-z]{5,}", folded):
            word = match.group()
            if word in self._vocab_set or word in STOPWORDS:
                continue
            best = process.extractOne(word, self._entry_words, scorer=fuzz.ratio, score_cutoff=self._typo_entry_score)
            if best is not None:
                name = self._article.entries[best[2]]
                if name not in named:
                    found.append((match.start(), name))
                    named.add(name)
        found += self._titles_named(folded, named)
        return [n for _, n in sorted(found)]

    def _titles_named(self, folded: str, named: set[str]) -> list[tuple[int, str]]:
        """Entries with long titles that the text names by enough of their distinctive words, when exactly one
        title is named so: a reader calls "Night Lights: Repairing an Old Lantern" "the lantern repair piece"."""
        asked = {stem(w): m.start() for m in re.finditer(r"[a-z0-9][a-z0-9']*", folded)
                 if (w := m.group().removesuffix("'s")) not in STOPWORDS}
        hits = [(min(asked[w] for w in shared), entry) for entry, distinctive in self._title_words.items()
                if entry not in named and len(shared := distinctive & asked.keys()) >= self._title_entry_words]
        # every content word of a name of several words, inflected as the question likes ("improving build
        # times" for "improved build times"): that entry, however many are named so
        inflected = [(min(asked[w] for w in content), entry) for entry, content in self._content_words.items()
                     if entry not in named and content and content <= asked.keys()]
        return (hits if len(hits) == 1 else []) + [h for h in inflected if h[1] not in {e for _, e in hits}]

    def find_names(self, text: str) -> list[str]:
        """The article's other names (organisations, products, places) mentioned in the text. A name the article
        writes as a short acronym counts only where the text writes it in capitals too: "us", "it" and "who"
        are words, "US", "IT" and "WHO" names."""
        return [n for _, n in sorted(_find(fold(text), self.name_forms)) if not _acronym(n) or _written(n, text)]

    def names_and_entries(self, text: str) -> tuple[list[str], list[str]]:
        """The article's other names a question gives, and the ranked entries it names besides them.

        A name inside an entry's own name ("Upper Veldmark" of "Off the North Shore of Upper Veldmark") is that
        entry; the article's multi-word names are blanked before entries are looked for ("Springfield University"
        is not Springfield); a name inside an entry found ("Phantom" of "The Phantom …") is that entry.
        """
        folded = fold(text)
        names = self.find_names(text)
        names = [n for n in names if not any(fold(n) in form and form != fold(n) and form in folded
                                             for form, _ in self.entry_forms)]
        entries = self.find_entries(_blank_names(text, names, self.name_forms))
        names = [n for n in names if not any(fold(n) in fold(e) for e in entries)]
        return names, entries

    def entries_of(self, text: str, names: Sequence[str], *, quiet: bool = True) -> tuple[list[str], list[str]]:
        """The ranked entries a question's names stand for, and the names left over.

        A name belongs to an entry when only that entry's section (or table row) mentions it ("the Veldmark
        flood" -> the row whose alternative-name cell says "Veldmark Flood"). A name several entries
        mention is narrowed by the years the question gives, when they date exactly one of them ("the 2011
        Norland one"); a name that shares an entry already found is taken as naming it too ("Ostvik ... in
        Norland"). With no names, a year that only one entry mentions names that entry (`quiet`: nothing else
        in the question is unknown to the article).
        """
        years = YEAR.findall(text)
        dated = {e for y in years for e in self._article.dated.get(y, ())}
        found: list[tuple[int, str]] = []
        left: list[str] = []
        folded = fold(text)
        for name in names:
            owners = self._article.owners.get(name, ())
            if len(owners) > 1:
                owners = tuple(e for e in owners if e in dated) or owners
            if len(owners) == 1:
                found.append((folded.find(fold(name)), owners[0]))
            else:
                left.append(name)
        found += _find(folded, self._cell_forms)
        entries = [e for _, e in sorted(found)]
        held = [form for form, entry in self._cell_forms if entry in entries and form in folded]
        leftover = [n for n in left if not set(self._article.owners.get(n, ())) & set(entries) and
                    not any(fold(n) in form for form in held)]
        if not names and quiet:
            for year in years:
                owners = self._article.dated.get(year, ())
                if len(owners) == 1:
                    entries.append(owners[0])
        return list(dict.fromkeys(entries)), leftover if entries else list(names)

    def without_names(self, text: str, names: Sequence[str], entries: Sequence[str]) -> str:
        """The text, folded, with the names and entries it mentions blanked, so that a number inside a name
        ("Delta Twelve", "Pier 12") is not read as a rank or a count."""
        folded = fold(text)
        for form, name in self.entry_forms + self.name_forms:
            if (name in names or name in entries) and re.search(r"\d|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", form):
                folded = re.sub(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])", " " * len(form), folded)
        return folded

    def position(self, text: str, entry: str) -> int:
        """Where the text first names an entry, by its name, another form of it or a name its row gives it."""
        folded = fold(text)
        forms = [f for f, n in self.entry_forms + self._cell_forms if n == entry]
        forms += [fold(n) for n, owners in self._article.owners.items() if owners == (entry,)]
        hits = [i for i in (folded.find(f) for f in forms) if i >= 0]
        return min(hits, default=len(folded))


def _distinctive_title_words(entries: Sequence[str]) -> dict[str, set[str]]:
    """For each entry whose name is a title of four words or more, the stems of its content words that no other
    entry's name has."""
    stems = {e: {stem(w) for w in words(e) if w not in STOPWORDS and len(w) > 2} for e in entries}
    out = {}
    for entry, own in stems.items():
        if len(words(entry)) < 4:
            continue
        others = set().union(*(s for e, s in stems.items() if e != entry))
        out[entry] = own - others
    return out


def _acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return 0 < len(letters) <= 5 and all(c.isupper() for c in letters)


def _written(acronym: str, text: str) -> bool:
    """The acronym in capitals in the text, with or without dots ("US", "U.S.")."""
    letters = [c for c in acronym if c.isalpha()]
    dotted = r"\.?".join(map(re.escape, letters))
    return re.search(rf"(?<![A-Za-z]){dotted}\.?(?![A-Za-z])", text) is not None


def within(name: str, phrase: str) -> bool:
    """Every word of `name` is a word of `phrase` ("Longest" of "longest river")."""
    return set(re.findall(r"[a-z0-9]+", fold(name))) <= set(re.findall(r"[a-z0-9]+", fold(phrase)))


def _forms(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    forms = [(fold(name), name) for name in table]
    forms += [(fold(alias), name) for name, aliases in table.items() for alias in aliases]
    return sorted({f for f in forms if f[0]}, key=lambda f: (-len(f[0]), f))


def _leading_spans(name: str, entries: Sequence[str]) -> list[str]:
    """The leading word spans of a multi-word entry name that identify it: two words or more, ending on a
    content word, a prefix of no other entry, and holding a word no other entry's name has ("Green
    Futures" of "Green Futures and the Procurement Network")."""
    tokens = name.split()
    others = [fold(e) for e in entries if e != name]
    other_words = {w for e in others for w in words(e)}
    spans = []
    for size in range(2, len(tokens)):
        span = " ".join(tokens[:size]).rstrip(",:;.")
        span_words = words(span)
        if not span_words or span_words[-1] in STOPWORDS or any(o.startswith(fold(span)) for o in others):
            continue
        if any(w not in STOPWORDS and w not in other_words for w in span_words):
            spans.append(span)
    return spans


def _find(folded: str, forms: list[tuple[str, str]]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for form, name in forms:
        pattern = re.escape(form) if CJK.search(form) else rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])"
        match = re.search(pattern, folded)
        if match is None or any(name == n for _, n in found):
            continue
        if any(a <= match.start() < b for a, b in taken):
            continue  # a shorter form inside a longer name already found ("Springfield" in "Springfield University")
        found.append((match.start(), name))
        taken.append((match.start(), match.end()))
    return found


def _blank_names(text: str, names: list[str], forms: list[tuple[str, str]]) -> str:
    """The text with the article's multi-word names blanked ("Springfield University" is not Springfield)."""
    folded = fold(text)
    for form, name in forms:
        if name in names and " " in form:
            folded = folded.replace(form, " " * len(form))
    return folded
