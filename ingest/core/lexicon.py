"""One lexicon of the language of rankings: number words, ordinals, place labels, rank phrases and ranking cues.

Question analysis, the answerer, the LLM verifier and the parser all read ranks and small numbers through this
module, so they agree on what "third", "No. 3", "#3", "runner-up" and "第三" mean. It holds language, not
anything about one article.
"""

from __future__ import annotations

import re

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}
ORDINAL_SUFFIXED: dict[str, int] = {
    f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}": n
    for n in range(1, 21)
}
"""'1st' .. '20th'."""

PLACE_LABELS: dict[str, int] = {
    "winner": 1, "overall winner": 1, "champion": 1, "gold": 1, "gold medal": 1,
    "runner up": 2, "runner-up": 2, "first runner up": 2, "first runner-up": 2, "silver": 2,
    "second runner up": 3, "second runner-up": 3, "bronze": 3,
}
"""Labels that name a place without a number word."""

PLACE_NOUNS: tuple[str, ...] = ("place", "position", "spot", "rank", "ranked", "pick")
"""Words that may follow an ordinal in a label: "Second place", "3rd spot"."""

ENTRY_MARKER_WORDS: tuple[str, ...] = ("top", "no.", "no", "number", "nr.", "rank", "#")
"""Words that may come before a number in a label: "Top ten:", "No. 3:", "Rank 4 -"."""

RANKING_CUES: frozenset[str] = frozenset(
    """top best worst leading greatest biggest largest smallest most least highest lowest fastest richest
    finest favourite favorite favourites favorites ranking rankings ranked rank ranks countdown""".split()
)
"""Title words that say the article is a ranking (with numbers and superlatives)."""

GENERIC_SECTION_NAMES: frozenset[str] = frozenset(
    """abstract introduction overview background summary conclusion conclusions discussion results
    methods method methodology references bibliography appendix acknowledgements acknowledgments faq
    contents preface foreword notes""".split()
)
"""Names of document sections: a numbered list of these is an outline, not a ranking."""

NON_ENTRY_NOUNS: frozenset[str] = frozenset(
    """ranking rankings list lists guide guides review reviews edition update overview analysis report
    year years time times world roundup countdown pick picks thing things option options results standings""".split()
)
"""Nouns a title uses about itself, never the ranked thing ("The Definitive Ranking", "Our 2025 List")."""

CHINESE_DIGITS: dict[str, int] = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                                  "九": 9, "十": 10}
# Phrases that name a rank without a number. "last" is resolved against the ranking's length.
RANK_PHRASES: dict[str, int | str] = {
    "winner": 1, "champion": 1, "number one": 1, "no. 1": 1, "top spot": 1, "top-ranked": 1, "top ranked": 1,
    "highest-ranked": 1, "highest ranked": 1, "best-ranked": 1, "first place": 1, "on top": 1, "at the top": 1,
    "runner-up": 2, "runner up": 2, "runners-up": 2, "second place": 2, "silver": 2,
    "last": "last", "last place": "last", "bottom": "last", "lowest-ranked": "last", "lowest ranked": "last",
    "at the bottom": "last", "worst-ranked": "last", "final spot": "last", "heads the": 1, "tops the": 1,
    "leads the ranking": 1, "leads the list": 1,
}
# Fractions people use for shares ("more than half"), as percentages.
FRACTION_WORDS: dict[str, float] = {"half": 50.0, "quarter": 25.0, "a third": 100 / 3, "two thirds": 200 / 3}
# Verbs whose object is an amount of money ("what does it cost", "how much do they pay").
MONEY_VERBS = frozenset({"cost", "pay", "spend", "charge", "earn", "price", "sell", "buy", "fund", "invest"})
RANGE_WORDS = frozenset({"through", "to", "thru", "-", "until"})
TOP_WORDS = frozenset({"top", "first", "leading", "best", "highest", "highest-ranked"})
BOTTOM_WORDS = frozenset({"bottom", "last", "lowest", "lowest-ranked", "final", "worst"})
HIGHER_WORDS = frozenset({"higher", "above", "ahead", "better", "outrank", "outranks", "outranked", "beat",
                          "beats", "before"})
LOWER_WORDS = frozenset({"lower", "below", "behind", "worse", "after"})
# comparisons of a value with a number ("more than 7,000", "under 8.5"): the words that point downwards (any other
# comparative points upwards), and the prepositions that compare on their own
DOWNWARD_COMPARATIVES = frozenset({"less", "fewer", "lower", "smaller", "under", "below", "beneath", "shorter",
                                   "earlier", "cheaper", "most"})
COMPARING_PREPOSITIONS = frozenset({"over", "above", "beyond", "under", "below", "beneath", "exceeding"})
# superlatives that point at the earliest date ("the oldest", "opened earliest"); any other one at the latest
EARLY_SUPERLATIVES = frozenset({"earliest", "oldest", "first"})
# prepositions that compare a date with a year ("before 1950", "since 2000")
TIME_COMPARISONS = {"before": "<", "after": ">", "since": ">=", "until": "<=", "till": "<="}

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

# Nouns that name the *type* of an answer, so "What is the population of X?" and "Who is the mayor of X?" can be
# checked against the entity types of the evidence. General English, kept small.
TYPE_NOUNS: dict[str, str] = {
    **dict.fromkeys("year years date dates month day decade century".split(), "date"),
    **dict.fromkeys("amount amounts dollar dollars "
                    "price prices cost costs revenue revenues valuation salary salaries budget budgets worth "
                    "profit profits income turnover wage wages fee fees".split(), "money"),
    **dict.fromkeys("percentage percent proportion fraction".split(), "percent"),
    **dict.fromkeys("mayor mayors ceo ceos founder founders president presidents chairman chairwoman chair "
                    "governor governors minister ministers director directors leader leaders head boss owner "
                    "owners manager managers secretary chief spokesperson coach captain author".split(), "person"),
    **dict.fromkeys("population populations headcount".split(), "count"),
    **dict.fromkeys("address headquarters hq capital country countries province location".split(), "place"),
}
WH_TYPES: dict[str, str] = {"when": "date", "where": "place", "who": "name", "whom": "name", "whose": "name",
                            "why": "reason"}

# Chinese question words and rank phrases, rewritten to English before analysis so the rank reader and the
# intent classifier (English embeddings) see a question shape. Content words are left to the multilingual
# retriever and to the names in the article's profile folder, as are the words for what one article ranks
# (the Chinese for "which city": its profile's `terms`).
CHINESE_QUESTION_WORDS: dict[str, str] = {
    "排名第几": "what rank", "排第几": "what rank", "第几名": "what rank", "第几": "what rank", "排名": "rank",
    "名次": "rank", "排在": "ranked", "排行": "ranking", "哪些公司": "which companies", "哪些": "which",
    "为什么": "why", "哪里": "where", "在哪": "where", "哪个": "which", "什么": "what", "多少": "how much",
    "多大": "how big", "是谁": "who is", "谁": "who", "介绍": "tell me about", "总结": "summarize",
    "最后一名": "last", "第一名": "1st", "首位": "1st", "比较": "compare", "和": " and ", "吗": "?",
    # common attributes people ask about, so a refusal can name what is missing
    "人口": "population", "市长": "mayor", "创始人": "founder", "首席执行官": "CEO", "股价": "share price",
    "成立": "founded", "公司": "companies", "大学": "universities", "趋势": "trends",
}

# Head nouns of institutions and administrative areas: a "company" list leaves these names out, and a
# "university" list keeps only names with that head.
INSTITUTION_HEADS = frozenset({"university", "academy", "institute", "college", "school", "district", "area",
                               "province", "zone", "corridor", "government", "ministry", "council"})




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


# Nouns that ask for names (of organisations, people, products): "which companies", "list the universities".
NAME_NOUNS = frozenset("""company companies firm firms startup startups organisation organisations organization
    organizations university universities academy academies institute institutes institution institutions lab labs
    laboratory laboratories brand brands group groups giant giants unicorn unicorns business businesses
    corporation corporations player players team teams people person persons name names partner partners
    employer employers vendor vendors maker makers manufacturer manufacturers school schools college colleges
    product products project projects model models""".split())

# Nouns (lemmas) that ask for organisations: their lists hold the names the entity recogniser labels ORG.
ORGANISATION_NOUNS = frozenset("""company firm startup organisation organization business corporation enterprise
    unicorn giant employer vendor maker manufacturer brand conglomerate""".split())

# Words that ask for a kind of value rather than an attribute ("every dollar amount", "which percentages"): the
# article need not use the word, only hold values of that kind.
VALUE_WORDS = frozenset("""amount amounts dollar dollars figure figures number numbers percentage percentages
    percent date dates year years value values sum sums statistic statistics""".split())
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
# Superlatives that point at the bottom of a ranking ("the smallest earthquake on the list").
BOTTOM_SUPERLATIVES = frozenset("""least lowest worst smallest fewest weakest shortest slowest poorest cheapest
    bottom last""".split())
# Focus words that restrict a claim to what they mark ("only about X", "purely a news show"): a claim so restricted
# is false when the article widens it ("also Y", "X and Y") or denies the restriction ("not only", "isn't purely").
RESTRICTIVE_FOCUS = frozenset({"only", "purely", "just", "exclusively", "solely", "entirely", "merely", "strictly",
                               "wholly", "simply"})
# Focus words that add to a claim ("also", "too"): said of what a restricted claim marks, they widen it.
ADDITIVE_FOCUS = frozenset({"also", "too", "additionally", "besides", "likewise"})
# Determiners that negate the noun they determine ("no ferry", "neither bridge"); spaCy parses them as `det`,
# not `neg`.
NEGATIVE_DETERMINERS = frozenset({"no", "neither", "nor"})
# Prepositions that negate their object ("a city without an airport" says it has none).
NEGATIVE_PREPOSITIONS = frozenset({"without"})
