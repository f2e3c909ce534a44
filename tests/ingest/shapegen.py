"""Made-up rankings rendered into many document shapes, for exact-extraction tests of the article parser.

`make_ranking(seed)` draws one ranking: a title with a count, 3 to 60 entries (names with punctuation,
digits, accents and CJK; one to three description sentences each, unique within the ranking, some with years
and scores in them), and sometimes a partial list (ranks 26-50 of a top 50), ties, or unranked extras after the
list. Everything is invented here; nothing comes from a real article.

`render(shape, data)` writes that ranking as one document shape and returns `(text, kind)`, kind being
"text", "markdown" or "html". Each document has a title, intro text before the list and a closing paragraph
after it, and the furniture real pages carry (bylines, images, tables of contents, navigation, sidebars).

`build_case(shape, seed)` returns the rendered document with what a parser must extract from it exactly.

    python -m tests.ingest.shapegen SHAPE SEED     # print one rendered document
    python -m tests.ingest.shapegen --list         # the shape names
"""

from __future__ import annotations

import html
import random
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

# --- the made-up ranking ---------------------------------------------------------------------------------------

MARKUP_CHARS = set("<>|*_#`[]")

TOPICS = [("bakeries", "bakery"), ("cafés", "café"), ("bookshops", "bookshop"), ("ramen bars", "ramen bar"),
          ("tea houses", "tea house"), ("beer gardens", "beer garden"), ("wine bars", "wine bar"),
          ("diners", "diner"), ("brunch spots", "brunch spot"), ("noodle shops", "noodle shop")]
REGIONS = ["Norland", "Kellmoor", "the Vesper Coast", "Old Tamsworth", "Brackenridge", "Lake Orrin", "Port Selwyn"]
SITES = ["The Kellmoor Table", "Saltbox Guides", "Weekend Forks", "The Orrin Ledger"]
AUTHORS = ["Mara Quill", "Tomasz Reyd", "Ines Oduya", "Hal Brennick", "Sunniva Platt", "Ravi Castellane"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
AREAS = ["Old Town", "Harbour Quarter", "Millbrook", "Eastside", "Riverside", "Lower Fenwick", "Station Hill",
         "Tanners Row", "the Docklands", "North Green"]

ADJ = ["Amber", "Copper", "Quiet", "Salt", "Juniper", "Crooked", "Velvet", "Little", "Golden", "Hidden", "Rusty",
       "Silver", "Wild", "Northern", "Ember", "Marigold", "Drowsy", "Lucky", "Hollow", "Saffron", "Blue", "Tin"]
NOUN = ["Hollow", "Kettle", "Larder", "Lantern", "Oven", "Wharf", "Anchor", "Fern", "Mill", "Gate", "Orchard",
        "Table", "Pantry", "Cellar", "Loft", "Heron", "Fox", "Finch", "Crumb", "Spoon", "Ladle", "Harbour", "Barrow"]
SURNAMES = ["O'Neill", "McAllister", "D'Arcy", "Fitzwilliam", "Okonkwo", "Haldane", "Brannigan", "Pemberton",
            "Varga", "Castellano", "Lindqvist", "Abernethy", "Quarrie", "Tremlett"]
SAINTS = ["Aldric", "Brendan", "Wenna", "Osric", "Morwen", "Ilse"]
ACCENT_FIRST = ["Café", "Brasserie", "Pâtisserie", "Bäckerei", "Taberna", "Konditorei", "Crêperie", "Trattoria"]
ACCENT_LAST = ["Léonie", "Åsvik", "Müllner", "Nuñez", "Jérôme", "Zoë", "Brønne", "Łucja", "Thảo", "Ségolène",
               "Ørnhøj", "Çağla"]
CJK = (["月見", "青葉", "小鳥", "夜桜", "海辺の", "山の"], ["亭", "茶屋", "カフェ", "書店", "食堂", "小屋"],
       ["梅园", "海风", "竹林", "云山", "白鹭"], ["茶馆", "书店", "小馆", "面馆"],
       ["달빛", "바람", "초록", "별빛"], [" 식당", " 카페", " 서점"])
POSSESSIVES = ["’s", "'s"]
SINGLE = ["Brindle", "Oakhaven", "Wrenfield", "Marrowby", "Gullhaven", "Thistledown", "Cobble", "Larkspur"]

FEATURES = ["terrace", "back room", "courtyard", "reading nook", "counter", "garden", "rooftop", "front window",
            "cellar bar", "long table", "porch", "open kitchen", "mezzanine", "bay window"]
FEATURE_ADJ = ["sunny", "narrow", "crowded", "quiet", "draughty", "candle-lit", "tiled", "wood-panelled", "leafy",
               "breezy", "cosy", "echoing", "whitewashed", "low-ceilinged"]
ITEMS = ["rye loaf", "cardamom bun", "smoked trout", "pear tart", "black sesame ice cream", "barley soup",
         "house lemonade", "fig jam", "walnut bread", "miso caramel", "pickled plum salad", "buckwheat crêpe",
         "onion tart", "apricot kolache", "ginger beer", "chestnut soup", "rhubarb fool", "plum crumble",
         "sourdough pretzel", "yuzu sorbet", "lentil stew", "oat porridge"]
PEOPLE = ["two former sailors", "a retired librarian", "three cousins", "a fishing family", "a pair of architects",
          "a former ferry captain", "two schoolteachers", "a beekeeper", "a pastry chef from the south",
          "a brother and sister", "a retired tram driver", "four college friends"]
VIEWS = ["the old canal", "the harbour cranes", "the cathedral roofs", "the salt marsh", "the railway viaduct",
         "the market square", "the river bend", "the pine ridge", "the lighthouse", "the tram depot",
         "the botanical garden", "the fish market"]
CRITERIA = ["service", "value", "atmosphere", "consistency", "accessibility", "friendliness"]
AUDIENCES = ["families", "night owls", "solo travellers", "dog owners", "students", "early risers", "cyclists",
             "office workers"]
DAYS = ["Mondays", "Tuesdays", "Sunday mornings", "rainy afternoons", "weekends", "public holidays",
        "Friday nights", "market days"]
EVENTS = ["kitchen fire", "winter flood", "storm", "long renovation", "landlord dispute", "burst water main"]
TOWNS = ["Lowmere", "Fennick Bay", "Calder Rise", "Wexmoor", "Saltholm", "Bramwick"]
HOURS = ["9 pm", "10 pm", "11 pm", "midnight", "1 am", "2 am", "8 pm"]
THINGS = ["board games", "crayons", "umbrellas", "paperbacks", "dog biscuits", "reading glasses", "blankets"]

GENERIC_SUBJECTS = ["It", "This spot", "The place", "This one"]
# First sentence of an entry: "{S}" is a generic subject, or the entry's name in prose-only documents.
FIRST_TEMPLATES = [
    "{S} was founded in {year} by {people}.",
    "{S} overlooks {view} from its {fadj} {feature}.",
    "{S} scored {score} points for {criterion} across our visits.",
    "{S} is best known for its {item} and its {item2}.",
    "{S} stays open until {hour} on {days}, which {audience} appreciate.",
    "{S} seats {k} guests around a {fadj} {feature}.",
    "{S} moved from {town} to its current address in {year}.",
]
MORE_TEMPLATES = [
    "The {feature} was rebuilt in {year} after a {event}.",
    "Regulars swear by the {item}, which usually sells out by {hour}.",
    "Expect a queue on {days}, when {audience} fill every seat.",
    "It won second prize at the {year} county fair for its {item}.",
    "Prices start at {price} euros for the {item}.",
    "Staff keep a shelf of {things} for {audience} near the {feature}.",
    "It is a {k2}-minute walk from the nearest station, past {view}.",
    "The owners opened a second counter in {town} in {year}, but this is the original.",
    "A {fadj} {feature} makes it a good pick for {audience}.",
    "In our {criterion} test it scored {score} out of 100.",
    "The {item} costs {price} euros and is worth every cent.",
]
EXTRA_TEMPLATES = [
    "It only just missed the list because of its short opening hours.",
    "It opened in {year} and is already packed on {days}.",
    "Its {item} deserves a detour, even if the {feature} is cramped.",
    "We loved the {fadj} {feature} but found the {item} uneven.",
    "It is worth a look for {audience} who want {item} late at night.",
]

TIE_STYLES = ["(tie)", "T-", "=", "suffix"]
EXTRAS_HEADINGS = ["Honourable mentions", "Honorable mentions", "Also worth a visit", "Near misses",
                   "Didn't make the cut", "Bonus picks"]
CLOSING_HEADINGS = ["Final thoughts", "The verdict", "Before you go", "How to use this list", "Wrapping up"]


@dataclass(frozen=True)
class Entry:
    """One ranked entry as the article states it."""

    rank: int
    name: str
    sentences: tuple[str, ...]  # what the article says under the entry, in order
    prose: str  # one sentence about the entry naming it, used by prose-only documents
    year: int
    score: int
    area: str
    tied: bool = False


@dataclass(frozen=True)
class Extra:
    """An unranked pick after the list (honourable mention, bonus pick)."""

    name: str
    sentence: str


@dataclass(frozen=True)
class Ranking:
    seed: int
    topic: str  # plural, lower case: "bakeries"
    topic_one: str  # "bakery"
    region: str
    site: str
    author: str
    date: str
    year: int  # the article's year
    count: int  # the number in the title: the size of the whole list
    entries: tuple[Entry, ...]  # in rank order; tied entries in the order the article gives them
    extras: tuple[Extra, ...]
    extras_heading: str
    intro: tuple[str, ...]
    part_note: str  # for a partial list, which part of the whole list this is ("" otherwise)
    closing: tuple[str, ...]
    closing_heading: str | None  # None: the closing paragraph follows the list without a heading
    tie_style: str
    title_form: int

    @property
    def opening(self) -> tuple[str, ...]:
        """The intro's sentences."""
        return (*self.intro, self.part_note) if self.part_note else self.intro

    @property
    def first_rank(self) -> int:
        return self.entries[0].rank

    @property
    def last_rank(self) -> int:
        return self.entries[-1].rank

    @property
    def partial(self) -> bool:
        return self.first_rank != 1 or self.last_rank != self.count

    @property
    def has_ties(self) -> bool:
        return any(e.tied for e in self.entries)

    def title(self) -> str:
        t, topic, region = self.count, self.topic, self.region
        cap, reg = topic.title(), region
        if self.partial:
            part = f"Part 2 ({self.first_rank}–{self.last_rank})" if self.first_rank > 1 else "Part 1"
            return [f"Top {t} {cap} in {reg}: {part}", f"The {t} Best {cap} in {reg}, {part}",
                    f"{t} best {topic} in {region} ({self.year}) – {part}", f"Top {t} {cap} in {reg}: {part}"][
                self.title_form]
        return [f"Top {t} {cap} in {reg}", f"The {t} Best {cap} in {reg}, Ranked",
                f"The {t} best {topic} in {region} ({self.year})", f"{t} {cap} in {reg} You Have to Try"][
            self.title_form]

    def plain(self) -> Ranking:
        """The same ranking with ranks 1..N, no ties and no partial list: for shapes that state no numbers."""
        entries = tuple(replace(e, rank=i, tied=False) for i, e in enumerate(self.entries, 1))
        return replace(self, entries=entries, count=len(entries), part_note="")


def _name_pool(r: random.Random) -> list[str]:
    """Many distinct made-up names; markup characters never occur in them."""
    names: list[str] = []
    makers: list[Callable[[], str]] = [
        lambda: f"{r.choice(ADJ)} {r.choice(NOUN)}",
        lambda: f"The {r.choice(ADJ)} {r.choice(NOUN)}",
        lambda: f"{r.choice(SURNAMES)}{r.choice(POSSESSIVES)} {r.choice(NOUN)}",
        lambda: f"{r.choice(SURNAMES)} & {r.choice(['Sons', 'Daughters', 'Co', *SURNAMES])}",
        lambda: r.choice([f"Café-Bar No. {r.randint(2, 19)}", f"{r.choice(NOUN)} No. {r.randint(2, 19)}",
                          f"Hangar {r.randint(2, 48)}", f"Pier {r.randint(2, 30)} {r.choice(NOUN)}",
                          f"Route {r.randint(2, 99)} {r.choice(['Diner', 'Kitchen', 'Canteen'])}"]),
        lambda: f"St. {r.choice(SAINTS)}'s {r.choice(['Yard', 'Wharf', 'Kitchen', 'Hall', 'Arcade'])}",
        lambda: f"{r.choice(ACCENT_FIRST)} {r.choice(ACCENT_LAST)}",
        lambda: (lambda i: r.choice(CJK[i]) + r.choice(CJK[i + 1]))(r.choice([0, 2, 4])),
        lambda: f"{r.choice(NOUN)}-on-{r.choice(['Brae', 'Wye', 'Tarn', 'Sea', 'Marsh'])}",
        lambda: f"{r.choice(NOUN)} + {r.choice(NOUN)}",
        lambda: r.choice(SINGLE),
        lambda: f"Saint-{r.choice(['Clair', 'Rémy', 'Ouen', 'Agnès'])} {r.choice(['Gardens', 'Market', 'Rooms'])}",
    ]
    weights = [6, 3, 3, 3, 2, 1, 2, 2, 1, 1, 1, 1]
    seen: set[str] = set()
    while len(names) < 80:
        name = r.choices(makers, weights)[0]()
        if name in seen or " and " in name or len(set(name.split())) < len(name.split()):
            continue
        seen.add(name)
        names.append(name)
    assert not any(MARKUP_CHARS & set(n) for n in names)
    return names


def _fill(template: str, r: random.Random, subject: str = "It") -> str:
    item, item2 = r.sample(ITEMS, 2)
    text = template.format(
        S=subject, year=r.randint(1952, 2022), people=r.choice(PEOPLE), view=r.choice(VIEWS),
        fadj=r.choice(FEATURE_ADJ), feature=r.choice(FEATURES), score=r.randint(41, 99),
        criterion=r.choice(CRITERIA), item=item, item2=item2, hour=r.choice(HOURS), days=r.choice(DAYS),
        audience=r.choice(AUDIENCES), k=r.randint(8, 140), k2=r.randint(3, 25), town=r.choice(TOWNS),
        event=r.choice(EVENTS), price=r.choice(["3", "4.50", "6", "7.80", "9", "12", "2.20"]),
        things=r.choice(THINGS))
    return re.sub(r"\ba (?=[aeiou])", "an ", text)


@cache
def make_ranking(seed: int) -> Ranking:
    """One made-up ranking, the same for the same seed."""
    r = random.Random(f"ranking:{seed}")
    topic, topic_one = r.choice(TOPICS)
    region = r.choice(REGIONS)
    year = r.randint(2019, 2025)
    n = r.randint(3, 60)
    names = _name_pool(r)
    used: list[str] = []

    def fresh(sentence: str) -> bool:
        """Unique, and neither inside another sentence nor holding one: the test locates sentences by text."""
        return not any(sentence in u or u in sentence for u in used)

    def unique(template: Callable[[], str], subject: str = "It", name: str | None = None) -> tuple[str, str]:
        """A filled template (and the same facts with `name` as subject), new in this ranking."""
        for _ in range(500):
            t, fill_seed = template(), r.random()
            s = _fill(t, random.Random(fill_seed), subject)
            named = _fill(t, random.Random(fill_seed), name) if name else s
            if fresh(s) and fresh(named):
                used.extend({s, named})
                return s, named
        raise RuntimeError("could not draw a unique sentence")

    # ranks: maybe a partial list, maybe ties (competition ranking: 12, 13, 13, 15)
    variant = r.random()
    offset, count = 0, n
    if variant < 0.12 and n <= 40:
        offset, count = n, 2 * n  # the second half: ranks n+1 .. 2n of a top 2n
    elif variant < 0.2:
        count = n + r.choice([n, 10, 25])  # the first part of a longer list
    ranks = list(range(offset + 1, offset + n + 1))
    tied_at: set[int] = set()
    if r.random() < 0.4 and n >= 5:
        wanted = r.choice([1, 1, 2])
        for _ in range(20):  # each tie joins two neighbours: 12, 13 -> 12, 12 (the next rank stays 14)
            i = r.randint(1, n - 2)
            if ranks[i] == ranks[i - 1] or ranks[i + 1] == ranks[i] or ranks[i - 1] in tied_at:
                continue
            ranks[i] = ranks[i - 1]
            tied_at.add(ranks[i])
            if len(tied_at) == wanted:
                break
    entries = []
    for i in range(n):
        # the first sentence, and the same fact with the entry's name as subject for prose-only documents
        first, prose = unique(lambda: r.choice(FIRST_TEMPLATES), r.choice(GENERIC_SUBJECTS), names[i])
        picked = r.sample(MORE_TEMPLATES, r.choice([0, 1, 1, 2]))  # never the same kind of fact twice
        more = [unique(lambda t=t: t)[0] for t in picked]
        entries.append(Entry(rank=ranks[i], name=names[i], sentences=(first, *more), prose=prose,
                             year=r.randint(1950, 2022), score=0, area=r.choice(AREAS),
                             tied=ranks[i] in tied_at))
    # scores fall with rank (the ranking is by score), tied entries share one
    score, scores = r.randint(90, 99), {}
    for e in entries:
        if e.rank not in scores:
            scores[e.rank] = score
            score = max(score - r.choice([0, 1, 1, 2]), 20)
    entries = [replace(e, score=scores[e.rank]) for e in entries]
    extras: list[Extra] = []
    if r.random() < 0.4:
        for name in names[n:n + r.randint(1, 3)]:
            extras.append(Extra(name, unique(lambda: r.choice(EXTRA_TEMPLATES + MORE_TEMPLATES))[0]))
    visited = r.randint(n + 5, n * 3 + 20)
    intro = [f"We visited {visited} {topic} across {region} between {r.choice(MONTHS)} {year - 1} and "
             f"{r.choice(MONTHS)} {year}.",
             r.choice(["Every one of them was visited at least twice, unannounced, and we paid our own way.",
                       "Each was scored out of 100 on {}, {} and food.".format(*r.sample(CRITERIA, 2)),
                       "Nobody paid to be included, and nobody was told we were coming."])]
    part_note = ""
    if offset:
        part_note = (f"This is the second half of our list, numbers {offset + 1} to {count}; "
                     f"the first half covers 1 to {offset}.")
    elif count != n:
        part_note = f"This first part covers numbers 1 to {n}; the rest of the {count} follow next week."
    closing = [r.choice(["Opening hours change often, so check before you go.",
                         "Prices were correct when we visited but will have crept up since.",
                         "Most of these places do not take bookings, so arrive early."]),
               r.choice([f"We will revisit this list in {year + 1}.", f"Tell us which {topic} we missed.",
                         f"Thanks to the {r.randint(12, 90)} readers who sent us tips."])]
    for s in [*intro, *closing]:
        assert fresh(s), s
    return Ranking(seed=seed, topic=topic, topic_one=topic_one, region=region, site=r.choice(SITES),
                   author=r.choice(AUTHORS), date=f"{r.randint(1, 28)} {r.choice(MONTHS)} {year}", year=year,
                   count=count, entries=tuple(entries), extras=tuple(extras),
                   extras_heading="Bonus pick" if len(extras) == 1 and r.random() < 0.4 else r.choice(EXTRAS_HEADINGS),
                   intro=tuple(intro), part_note=part_note, closing=tuple(closing),
                   closing_heading=r.choice(CLOSING_HEADINGS) if r.random() < 0.75 else None,
                   tie_style=TIE_STYLES[seed % len(TIE_STYLES)], title_form=r.randrange(4))


# --- rendering helpers -----------------------------------------------------------------------------------------

ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                 "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                 "eighteenth", "nineteenth", "twentieth"]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def countdown(entries: Sequence[Entry]) -> list[Entry]:
    """Entries from the last rank to the first; tied entries keep their order."""
    groups: list[list[Entry]] = []
    for e in entries:
        if groups and groups[-1][0].rank == e.rank:
            groups[-1].append(e)
        else:
            groups.append([e])
    return [e for g in reversed(groups) for e in g]


# Which tie labels each kind of marker can carry; other ties are written after the name: "13. Name (tie)".
TIE_LABELS = {"any": {"(tie)", "T-", "="}, "noparen": {"T-", "="}, "hashed": {"(tie)"}, "digits": set()}


class Doc:
    """What one shape renderer knows: the ranking, its own random choices, and the order it wrote entries in."""

    def __init__(self, shape: str, data: Ranking) -> None:
        self.shape = shape
        self.d = data
        self.r = random.Random(f"{shape}:{data.seed}")
        self.order: list[Entry] = []
        self.years_in_headings = self.r.random() < 0.2
        self.wrap = self.r.random() < 0.3
        self.inline_markup = self.r.random() < 0.5

    def entries(self, descending: bool = False) -> list[Entry]:
        self.order = countdown(self.d.entries) if descending else list(self.d.entries)
        return self.order

    # rank labels -------------------------------------------------------------------------------------------
    def num(self, e: Entry, where: str = "any") -> str:
        """The rank as the marker writes it: "13", or for a tie "T-13", "=13", "13 (tie)". `where` says what the
        marker allows: "any"; "noparen" (before ")"); "hashed" (after "#" or "No."); "digits" (a markdown list
        item's number)."""
        style = self.d.tie_style
        if not e.tied or style not in TIE_LABELS[where]:
            return str(e.rank)
        return {"(tie)": f"{e.rank} (tie)", "T-": f"T-{e.rank}", "=": f"={e.rank}"}[style]

    def suffix(self, e: Entry, where: str = "any") -> str:
        """What follows the name: " (tie)" for a tie the marker does not show, sometimes a year."""
        if e.tied and self.d.tie_style not in TIE_LABELS[where]:
            return " (tie)"
        if self.years_in_headings:
            return f" ({e.year})" if e.rank % 2 else f" (est. {e.year})"
        return ""

    # text of an entry -------------------------------------------------------------------------------------
    def md_sentence(self, s: str) -> str:
        """A sentence as markdown, sometimes with emphasis or a link on one word (the reader text is `s`)."""
        if not self.inline_markup or self.r.random() > 0.2:
            return s
        words = [m for m in re.finditer(r"(?<![\w'’-])[a-z]{5,}(?![\w'’-])", s)]
        if not words:
            return s
        m = self.r.choice(words)
        w = m.group()
        styled = self.r.choice([f"*{w}*", f"**{w}**", f"[{w}](https://example.com/{w})", f"_{w}_"])
        return s[:m.start()] + styled + s[m.end():]

    def html_sentence(self, s: str) -> str:
        out = html.escape(s, quote=False)
        if not self.inline_markup or self.r.random() > 0.2:
            return out
        words = list(re.finditer(r"(?<![\w&#;'’-])[a-z]{5,}(?![\w;'’-])", out))
        if not words:
            return out
        m = self.r.choice(words)
        w = m.group()
        styled = self.r.choice([f"<em>{w}</em>", f"<strong>{w}</strong>", f'<a href="/tag/{w}">{w}</a>'])
        return out[:m.start()] + styled + out[m.end():]

    def para(self, sentences: Sequence[str], markdown: bool = True, width: int = 78) -> str:
        text = " ".join(self.md_sentence(s) if markdown else s for s in sentences)
        if self.wrap:
            lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
            # a wrapped line never starts like a list item, a heading or a number
            if all(not re.match(r"[\d#>*+=|-]|[A-Z]\.|No\. ", ln) for ln in lines[1:]):
                return "\n".join(lines)
        return text

    def paras(self, sentences: Sequence[str], markdown: bool = True) -> list[str]:
        """The sentences as one or two paragraphs."""
        if len(sentences) > 1 and self.r.random() < 0.4:
            cut = self.r.randint(1, len(sentences) - 1)
            return [self.para(sentences[:cut], markdown), self.para(sentences[cut:], markdown)]
        return [self.para(sentences, markdown)]

    def h(self, s: str, quote: bool = False) -> str:
        """Escape for HTML; apostrophes sometimes as entities, as CMSs write them."""
        out = html.escape(s, quote=quote)
        if self.r.random() < 0.3:
            out = out.replace("’", "&#8217;").replace("'", "&#39;")
        return out


def join(blocks: Sequence[str]) -> str:
    return "\n\n".join(b for b in blocks if b) + "\n"


# --- markdown furniture ----------------------------------------------------------------------------------------

def md_head(doc: Doc, extra_intro: Sequence[str] = ()) -> list[str]:
    d, r = doc.d, doc.r
    title = d.title()
    head = f"{title}\n{'=' * len(title)}" if r.random() < 0.15 else f"# {title}"
    blocks = [head]
    if r.random() < 0.7:
        blocks.append(r.choice([f"*By {d.author} · Updated {d.date}*", f"By {d.author} — {d.date}",
                                f"_{d.author}, {d.date}_"]))
    if r.random() < 0.3:
        blocks.append(f"![A table at one of the {d.topic} on this list](https://img.example.com/{d.seed}/hero.jpg)")
    blocks.append(doc.para([*d.opening, *extra_intro]))
    return blocks


def md_extras(doc: Doc, level: int = 2, style: str | None = None) -> list[str]:
    d, r = doc.d, doc.r
    if not d.extras:
        return []
    style = style or r.choice(["bullets", "bold", "headings"])
    heading = f"{'#' * level} {d.extras_heading}" if r.random() < 0.8 else f"**{d.extras_heading}**"
    blocks = [heading]
    if style == "bullets":
        form = r.choice(["- {name}: {sentence}", "* **{name}** – {sentence}", "- **{name}:** {sentence}"])
        blocks.append("\n".join(form.format(name=x.name, sentence=x.sentence) for x in d.extras))
    elif style == "bold":
        blocks.extend(f"**{x.name}.** {x.sentence}" for x in d.extras)
    else:
        for x in d.extras:
            blocks += [f"{'#' * min(level + 1, 6)} {x.name}", x.sentence]
    return blocks


def md_closing(doc: Doc, level: int = 2) -> list[str]:
    d = doc.d
    blocks = []
    if d.closing_heading:
        blocks.append(f"{'#' * level} {d.closing_heading}" if doc.r.random() < 0.85 else f"**{d.closing_heading}**")
    blocks.append(doc.para(d.closing))
    if doc.r.random() < 0.3:
        blocks.append(f"*Have a tip? Write to tips@{d.site.lower().replace(' ', '')}.example.*")
    return blocks


def toc(doc: Doc, entries: Sequence[Entry]) -> list[str]:
    """A table of contents: a list of links to the entries, numbered like them."""
    numbered = doc.r.random() < 0.5
    lines = []
    for e in entries:
        slug = re.sub(r"[^\w]+", "-", f"{e.rank} {e.name}".lower()).strip("-")
        lines.append(f"{f'{e.rank}.' if numbered else '-'} [{e.name}](#{slug})" if numbered else
                     f"- [{e.rank}. {e.name}](#{slug})")
    return ["**In this article**" if doc.r.random() < 0.5 else "## Contents", "\n".join(lines)]


# --- text furniture --------------------------------------------------------------------------------------------

def text_head(doc: Doc, extra_intro: Sequence[str] = ()) -> list[str]:
    d, r = doc.d, doc.r
    title = d.title()
    blocks = [f"{title}\n{'=' * len(title)}" if r.random() < 0.3 else title]
    if r.random() < 0.5:
        blocks.append(f"By {d.author}, {d.date}")
    blocks.append(doc.para([*d.opening, *extra_intro], markdown=False))
    return blocks


def text_extras(doc: Doc, bullet: str = "•") -> list[str]:
    d = doc.d
    if not d.extras:
        return []
    return [d.extras_heading if doc.r.random() < 0.6 else d.extras_heading.upper() + ":",
            "\n".join(f"{bullet} {x.name} – {x.sentence}" for x in d.extras)]


def text_closing(doc: Doc) -> list[str]:
    d = doc.d
    return [d.closing_heading or "", doc.para(d.closing, markdown=False)]


# --- html furniture --------------------------------------------------------------------------------------------

def html_page(doc: Doc, body: Sequence[str], title: str | None = None) -> str:
    d, r = doc.d, doc.r
    h = doc.h
    title = title or d.title()
    sidebar = ""
    if r.random() < 0.25:
        reads = ["Ten quiet beaches we keep going back to", "Where to eat near the ferry terminal",
                 "A weekend in the hills without a car", "The best picnic spots, mapped"]
        items = "".join(f'<li><a href="/read/{i}">{h(t)}</a></li>' for i, t in enumerate(reads, 1))
        sidebar = f'<aside class="sidebar"><h2>Most read</h2><ol>{items}</ol></aside>'
    elif r.random() < 0.5:
        sidebar = ('<aside class="related"><h3>Related</h3><ul><li><a href="/guides/walks">Twelve walks for a grey '
                   'day</a></li><li><a href="/guides/markets">Market days, explained</a></li></ul></aside>')
    nav = ('<nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/eat">Eat</a></li>'
           '<li><a href="/drink">Drink</a></li><li><a href="/guides">Guides</a></li><li><a href="/about">About</a>'
           '</li></ul></nav>')
    byline = f'<p class="byline">By <a href="/authors/{d.seed}">{h(d.author)}</a> · Updated <time>{d.date}</time></p>'
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{h(title)} – {h(d.site)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<style>.rank{font-weight:700} .entry h2{margin-top:2em} ol li{margin-bottom:1em}</style>",
        "<script>window.dataLayer = window.dataLayer || []; var top10 = [1, 2, 3];</script>",
        "</head>", "<body>",
        f'<header class="masthead"><a class="logo" href="/">{h(d.site)}</a>{nav}</header>',
        '<main id="content">', '<article class="post">', f"<h1>{h(title)}</h1>", byline,
        *body,
        '<div class="share">Share: <a href="#">Email</a> <a href="#">Copy link</a></div>',
        "</article>", sidebar, "</main>",
        f"<footer><p>© {d.year} {h(d.site)}. All rights reserved.</p>"
        '<p><a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>',
        "</body>", "</html>",
    ]
    sep = "\n" if r.random() < 0.8 else ""
    return sep.join(p for p in parts if p) + "\n"


def html_intro(doc: Doc, extra_intro: Sequence[str] = ()) -> list[str]:
    d = doc.d
    blocks = []
    if doc.r.random() < 0.4:
        blocks.append(f'<figure><img src="/img/{d.seed}/hero.jpg" alt="Inside one of the {d.topic} on our list">'
                      f"<figcaption>Photo: {doc.h(d.author)}</figcaption></figure>")
    sentences = [*d.opening, *extra_intro]
    blocks.append("<p>" + " ".join(doc.html_sentence(s) for s in sentences) + "</p>")
    return blocks


def html_extras(doc: Doc, level: int = 2) -> list[str]:
    d, r, h = doc.d, doc.r, doc.h
    if not d.extras:
        return []
    blocks = [f"<h{level}>{h(d.extras_heading)}</h{level}>"]
    if r.random() < 0.5:
        items = "".join(f"<li><strong>{h(x.name)}</strong> – {doc.html_sentence(x.sentence)}</li>" for x in d.extras)
        blocks.append(f"<ul>{items}</ul>")
    else:
        for x in d.extras:
            blocks += [f"<h{level + 1}>{h(x.name)}</h{level + 1}>", f"<p>{doc.html_sentence(x.sentence)}</p>"]
    return blocks


def html_closing(doc: Doc, level: int = 2) -> list[str]:
    d = doc.d
    blocks = [f"<h{level}>{doc.h(d.closing_heading)}</h{level}>"] if d.closing_heading else []
    blocks.append("<p>" + " ".join(doc.html_sentence(s) for s in d.closing) + "</p>")
    return blocks


def html_paras(doc: Doc, sentences: Sequence[str]) -> str:
    if len(sentences) > 1 and doc.r.random() < 0.4:
        cut = doc.r.randint(1, len(sentences) - 1)
        groups = [sentences[:cut], sentences[cut:]]
    else:
        groups = [sentences]
    return "".join("<p>" + " ".join(doc.html_sentence(s) for s in g) + "</p>" for g in groups)


def ol_values(ranks: Sequence[int], start: int | None, reversed_: bool) -> list[int | None]:
    """The `value` attribute each <li> needs so the list shows `ranks` (None where the numbering already does)."""
    out: list[int | None] = []
    step = -1 if reversed_ else 1
    current = (start if start is not None else (len(ranks) if reversed_ else 1)) - step
    for rank in ranks:
        implied = current + step
        out.append(None if implied == rank else rank)
        current = rank
    return out


# --- the shapes ------------------------------------------------------------------------------------------------

Rendered = tuple[str, str]


def _numbered_lines(doc: Doc, marker: Callable[[Entry], str], descending: bool = False,
                    kind: str = "markdown") -> Rendered:
    """A marker line per entry ("7. Name", "7) Name", "No. 7: Name", "#7 Name"), then its paragraphs."""
    md = kind == "markdown"
    blocks = md_head(doc) if md else text_head(doc)
    for e in doc.entries(descending):
        blocks.append(marker(e))
        blocks.extend(doc.paras(e.sentences, markdown=md))
    if md:
        blocks += md_extras(doc, style=doc.r.choice(["bullets", "bold"])) + md_closing(doc)
    else:
        blocks += text_extras(doc) + text_closing(doc)
    return join(blocks), kind


def shape_dot_lines(doc: Doc) -> Rendered:
    return _numbered_lines(doc, lambda e: f"{doc.num(e)}. {e.name}{doc.suffix(e)}")


def shape_paren_lines(doc: Doc) -> Rendered:
    return _numbered_lines(doc, lambda e: f"{doc.num(e, 'noparen')}) {e.name}{doc.suffix(e, 'noparen')}",
                           kind="text")


def shape_no_colon(doc: Doc) -> Rendered:
    return _numbered_lines(doc, lambda e: f"No. {doc.num(e, 'hashed')}: {e.name}{doc.suffix(e, 'hashed')}")


def shape_hash_num(doc: Doc) -> Rendered:
    return _numbered_lines(doc, lambda e: f"#{doc.num(e, 'hashed')} {e.name}{doc.suffix(e, 'hashed')}")


def shape_countdown_text(doc: Doc) -> Rendered:
    return _numbered_lines(doc, lambda e: f"#{doc.num(e, 'hashed')} – {e.name}{doc.suffix(e, 'hashed')}",
                           descending=True, kind="text")


def _heading_entries(doc: Doc, level: int, sep: str = ". ", descending: bool = False, images: bool = False,
                     meta: bool = False) -> list[str]:
    blocks: list[str] = []
    r = doc.r
    where = "noparen" if ")" in sep else "any"
    for e in doc.entries(descending):
        blocks.append(f"{'#' * level} {doc.num(e, where)}{sep}{e.name}{doc.suffix(e, where)}")
        if images and r.random() < 0.5:
            blocks.append(f"![{e.name}](https://img.example.com/{doc.d.seed}/{e.rank}.jpg)")
        blocks.extend(doc.paras(e.sentences))
        if meta and r.random() < 0.6:
            blocks.append(r.choice([f"**Where:** {e.area} · **Since:** {e.year}",
                                    f"Score: {e.score}/100", f"*Opened {e.year}. {e.area}.*"]))
        if images and r.random() < 0.08:
            blocks.append(f"Related: [More {doc.d.topic} in {e.area}](https://example.com/{e.rank})")
    return blocks


def shape_h2_dot(doc: Doc) -> Rendered:
    blocks = md_head(doc)
    entries = doc.entries()
    if doc.r.random() < 0.35:
        blocks += toc(doc, entries)
    blocks += _heading_entries(doc, 2, images=True, meta=True)
    blocks += md_extras(doc, 2) + md_closing(doc)
    return join(blocks), "markdown"


def shape_h3_dot(doc: Doc) -> Rendered:
    d, r = doc.d, doc.r
    blocks = md_head(doc)
    if r.random() < 0.5:
        blocks += ["## How we ranked them",
                   f"We scored each of the {d.topic} on three things, in this order of weight:",
                   "1. Food\n2. Service\n3. Value for money" if r.random() < 0.5 else
                   "- Food, counted twice\n- Service\n- Value for money",
                   f"Scores are out of 100; the best score this year was {d.entries[0].score}."]
    blocks.append(r.choice(["## The list", f"## Our {len(d.entries)} picks", "## The ranking"]))
    blocks += _heading_entries(doc, 3, meta=True)
    blocks += md_extras(doc, 2) + md_closing(doc)
    return join(blocks), "markdown"


def shape_h4_num(doc: Doc) -> Rendered:
    sep = doc.r.choice([") ", " – ", ": ", ". "])
    blocks = md_head(doc)
    if doc.r.random() < 0.5:
        blocks.append("## The list")
    blocks += _heading_entries(doc, 4, sep=sep)
    blocks += md_extras(doc, 3) + md_closing(doc, 3)
    return join(blocks), "markdown"


def shape_h3_unnumbered(doc: Doc) -> Rendered:
    d, r = doc.d, doc.r
    order_note = r.choice(["They are listed in order, best first.", "The list runs from our favourite down.",
                           f"Number one is at the top; the {len(d.entries)}th is at the bottom."
                           if len(d.entries) > 3 else "Number one is at the top."])
    blocks = md_head(doc, [order_note])
    blocks.append(r.choice(["## Our ranking", "## The list"]))
    for e in doc.entries():
        blocks.append(f"### {e.name}{doc.suffix(e)}")
        blocks.extend(doc.paras(e.sentences))
    blocks += md_extras(doc, 2, style="headings") + md_closing(doc)
    return join(blocks), "markdown"


def _bold_paras(doc: Doc, descending: bool) -> list[str]:
    r = doc.r
    form = r.choice(["**{n}. {name}** – ", "**{n}. {name}.** ", "**{n}. {name}:** ", "**{n}) {name}** — "])
    blocks = []
    for e in doc.entries(descending):
        where = "noparen" if ")" in form else "any"
        lead = form.format(n=doc.num(e, where), name=e.name + doc.suffix(e, where))
        first, *rest = e.sentences
        if rest and r.random() < 0.5:
            blocks.append(lead + doc.para([first]))
            blocks.append(doc.para(rest))
        else:
            blocks.append(lead + doc.para(e.sentences))
    return blocks


def shape_bold_para(doc: Doc) -> Rendered:
    blocks = md_head(doc) + _bold_paras(doc, False) + md_extras(doc, style="bold") + md_closing(doc)
    return join(blocks), "markdown"


def shape_countdown_bold(doc: Doc) -> Rendered:
    intro = f"Here they are, counting down from {doc.d.last_rank} to {doc.d.first_rank}."
    blocks = md_head(doc, [intro]) + _bold_paras(doc, True) + md_extras(doc, style="bold") + md_closing(doc)
    return join(blocks), "markdown"


def _inline_bold(doc: Doc, descending: bool) -> list[str]:
    r = doc.r
    dash = r.choice(["—", " — ", " – ", ": "])
    loose = r.random() < 0.5
    lines = [f"{doc.num(e, 'digits')}. **{e.name}**{doc.suffix(e, 'digits')}{dash}"
             f"{' '.join(doc.md_sentence(s) for s in e.sentences)}"
             for e in doc.entries(descending)]
    return ["\n\n".join(lines) if loose else "\n".join(lines)]


def shape_inline_bold(doc: Doc) -> Rendered:
    blocks = md_head(doc) + _inline_bold(doc, False) + md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_countdown_inline(doc: Doc) -> Rendered:
    intro = f"We count down from number {doc.d.last_rank} to our favourite."
    blocks = md_head(doc, [intro]) + _inline_bold(doc, True) + md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_countdown_h2(doc: Doc) -> Rendered:
    intro = f"We start at number {doc.d.last_rank} and work our way up to the best."
    blocks = md_head(doc, [intro]) + _heading_entries(doc, 2, descending=True, images=True, meta=True)
    blocks += md_extras(doc, 2) + md_closing(doc)
    return join(blocks), "markdown"


CREDIT_HANDLES = ["vbelles", "@kitemaker", "Team Osk", "the Larkspur Crew", "ada.b"]
PLACE_WORDS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"]
PRIZES = ["$500", "€200", "400 € & a year's licence", "£150 and a trophy", "2,000 points", "$1,500", "a gift card"]
DIRECTIVES = ['{{% include video.html id="{code}" %}}', "{{{{< youtube {code} >}}}}", '{{% embed url="https://'
              'example.com/{code}" %}}']


def shape_place_headings(doc: Doc) -> Rendered:
    """Contest results: a heading per place ("### 3rd Place ($200): Name", "## First Place - Name"), often a
    countdown, a prize in parentheses, and a site generator's directive lines (a video) under some."""
    r = doc.r
    in_words = r.random() < 0.35 and doc.d.last_rank <= len(PLACE_WORDS)
    credited = r.random() < 0.4  # "Name by Author" on every entry: the name is without its credit
    level, noun, sep = r.choice([2, 3]), r.choice([" Place", " place", " Prize", ""]), r.choice([": ", " - ", " – "])
    blocks = md_head(doc)
    for e in doc.entries(descending=r.random() < 0.5):
        place = PLACE_WORDS[e.rank - 1] if in_words else ordinal(e.rank)
        prize = f" ({r.choice(PRIZES)})" if r.random() < 0.6 else ""
        credit = f" by {r.choice(AUTHORS + CREDIT_HANDLES)}" if credited else ""
        blocks.append(f"{'#' * level} {place}{noun}{prize}{sep}{e.name}{credit}{doc.suffix(e, 'digits')}")
        if r.random() < 0.4:
            blocks.append(r.choice(DIRECTIVES).format(code=f"v{doc.d.seed}x{e.rank}"))
        blocks.extend(doc.paras(e.sentences))
    blocks += md_extras(doc, level) + md_closing(doc, level)
    return join(blocks), "markdown"


def shape_place_summaries(doc: Doc) -> Rendered:
    """Contest results whose headings give a place and its prize only ("## 1st Place - $1500"), each winner named
    in a disclosure under it ("<details><summary>Name - Team</summary>…</details>")."""
    r = doc.r
    level = r.choice([2, 3])
    blocks = md_head(doc)
    for e in doc.entries(descending=r.random() < 0.3):
        prize = r.choice([" - $1500", ": €200", " (£150)", " – 500 points", " ($2,000)", ""])
        blocks.append(f"{'#' * level} {ordinal(e.rank)} Place{prize}")
        team = f" - {r.choice(AUTHORS + CREDIT_HANDLES)}" if r.random() < 0.6 else ""
        blocks += ["<details>", f"<summary>{doc.h(e.name)}{team}{doc.suffix(e, 'digits')}</summary>"]
        blocks += [*doc.paras(e.sentences), "</details>"]
    blocks += md_extras(doc, level) + md_closing(doc, level)
    return join(blocks), "markdown"


def shape_md_nested(doc: Doc) -> Rendered:
    r = doc.r
    bold = r.random() < 0.6
    topics = r.random() < 0.4
    bullet = r.choice(["-", "*", "+"])
    items = []
    for e in doc.entries():
        marker = f"{doc.num(e, 'digits')}."
        name = f"**{e.name}**" if bold else e.name
        head = f"{marker} {name}{doc.suffix(e, 'digits')}"
        facts = [doc.md_sentence(s) for s in e.sentences]
        if topics:
            labels = ["Why go", "Good to know", "Tip"]
            facts = [f"{labels[i]}: {f}" for i, f in enumerate(facts)]
        items.append("\n".join([head, *(f"    {bullet} {f}" for f in facts)]))
    blocks = [*md_head(doc), "\n".join(items) if r.random() < 0.5 else "\n\n".join(items)]
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def _pipe_table(doc: Doc, with_rank: bool) -> tuple[str, list[Entry]]:
    d, r = doc.d, doc.r
    entries = doc.entries()
    if with_rank and r.random() < 0.25:  # a table sorted by name, its rank column telling the ranking
        doc.order = sorted(entries, key=lambda e: e.name.casefold())
    rank_head = r.choice(["Rank", "#", "No.", "Pos."])
    name_head = r.choice(["Name", d.topic_one.capitalize(), "Where"])
    rank_last = with_rank and r.random() < 0.2
    heads = [name_head, "Area", "Founded", "Score", "Why it made the list"] if with_rank else \
        [name_head, "Area", "Why we like it"]
    if with_rank:
        heads = [*heads, "Overall rank"] if rank_last else [rank_head, *heads]
    rows = []
    for e in doc.order:
        desc = " ".join(doc.md_sentence(s) for s in e.sentences)
        cells = [f"**{e.name}**" if r.random() < 0.2 else e.name, e.area]
        cells += [str(e.year), str(e.score), desc] if with_rank else [desc]
        if with_rank:
            label = doc.num(e)
            cells = [*cells, label] if rank_last else [label, *cells]
        rows.append(cells)
    align = ["---"] * len(heads)
    if with_rank and not rank_last:
        align[0] = r.choice([":---:", "---", "--:"])
    tight = r.random() < 0.4
    fmt = (lambda cs: "|" + "|".join(cs) + "|") if tight else (lambda cs: "| " + " | ".join(cs) + " |")
    table = "\n".join([fmt(heads), fmt(align), *(fmt(c) for c in rows)])
    return table, doc.order


def shape_md_table_rank(doc: Doc) -> Rendered:
    table, _ = _pipe_table(doc, True)
    blocks = [*md_head(doc), table, "*Scores are out of 100.*" if doc.r.random() < 0.5 else ""]
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_md_table_norank(doc: Doc) -> Rendered:
    note = doc.r.choice(["The table lists them in rank order, best first.",
                         "They appear in order of our ranking, from the top."])
    table, _ = _pipe_table(doc, False)
    blocks = [*md_head(doc, [note]), table, *md_extras(doc, style="bullets"), *md_closing(doc)]
    return join(blocks), "markdown"


def _html_table(doc: Doc, with_rank: bool) -> str:
    d, r, h = doc.d, doc.r, doc.h
    entries = doc.entries()
    if with_rank and r.random() < 0.25:
        doc.order = sorted(entries, key=lambda e: e.name.casefold())
    rank_head = r.choice(["Rank", "#", "Position"])
    heads = ([rank_head] if with_rank else []) + [r.choice(["Name", d.topic_one.capitalize()]), "Neighbourhood"]
    heads += ["Opened", "Score", "Notes"] if with_rank else ["Notes"]
    pretty = r.random() < 0.6
    nl = "\n" if pretty else ""
    ind = "  " if pretty else ""
    rows = []
    for e in doc.order:
        name = h(e.name)
        name = r.choice([name, f"<strong>{name}</strong>", f'<a href="/places/{e.rank}">{name}</a>'])
        desc = html_paras(doc, e.sentences) if r.random() < 0.3 else " ".join(doc.html_sentence(s)
                                                                                for s in e.sentences)
        cells = ([doc.num(e)] if with_rank else []) + [name, h(e.area)]
        cells += [str(e.year), str(e.score), desc] if with_rank else [desc]
        rows.append(f"{ind}<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    thead = "<thead><tr>" + "".join(f"<th>{c}</th>" for c in heads) + "</tr></thead>"
    caption = f"<caption>{h(d.title())}</caption>" if r.random() < 0.3 else ""
    parts = ['<table class="ranking">', caption, thead, "<tbody>", *rows, "</tbody>", "</table>"]
    return nl.join(p for p in parts if p)  # no blank line: inside markdown a blank line would end the HTML block


def shape_rank_in_name_cell(doc: Doc) -> Rendered:
    """A results table with no rank column: each rank is typed in front of the name in the name cell ("1) Name",
    "2. Name"), ties repeating it, and the other columns say when and where."""
    r, h = doc.r, doc.h
    marker = r.choice(["{n}) ", "{n}. ", "#{n} "])
    rows = []
    for e in doc.entries():
        name = r.choice([h(e.name), f"<span class=\"solver\">{h(e.name)}</span>", f"<b>{h(e.name)}</b>"])
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            marker.format(n=e.rank) + name, h(e.area), f"{MONTHS[e.rank % 12][:3]} {1 + e.rank % 27}, {e.year}",
            " ".join(doc.html_sentence(s) for s in e.sentences))) + "</tr>")
    heads = ["Name", "Area", "Solved", "Notes"]
    table = "\n".join(["<table>", "<tr>" + "".join(f"<th>{c}</th>" for c in heads) + "</tr>", *rows, "</table>"])
    body = [*html_intro(doc), table, *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_html_table_rank(doc: Doc) -> Rendered:
    body = [*html_intro(doc), _html_table(doc, True), *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_html_table_norank(doc: Doc) -> Rendered:
    note = "Our ranking, from first to last:"
    body = [*html_intro(doc, [note]), _html_table(doc, False), *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_md_html_table_rank(doc: Doc) -> Rendered:
    blocks = [*md_head(doc), _html_table(doc, True), *md_extras(doc), *md_closing(doc)]
    return join(blocks), "markdown"


def shape_md_html_table_norank(doc: Doc) -> Rendered:
    note = "Here is the ranking, in order from the top:"
    blocks = [*md_head(doc, [note]), _html_table(doc, False), *md_extras(doc), *md_closing(doc)]
    return join(blocks), "markdown"


def _html_ol(doc: Doc, entries: Sequence[Entry], start: int | None, reversed_: bool, all_values: bool) -> str:
    r, h = doc.r, doc.h
    values = ol_values([e.rank for e in entries], start, reversed_)
    form = r.choice(["h3", "strong", "strong-dash", "p"])
    items = []
    for e, v in zip(entries, values, strict=True):
        value = e.rank if all_values else v
        attr = f' value="{value}"' if value is not None else ""
        name = h(e.name) + h(doc.suffix(e))
        if form == "h3":
            inner = f"<h3>{name}</h3>{html_paras(doc, e.sentences)}"
        elif form == "strong":
            inner = f"<strong>{name}</strong>{html_paras(doc, e.sentences)}"
        elif form == "strong-dash":
            inner = f"<strong>{name}</strong> – " + " ".join(doc.html_sentence(s) for s in e.sentences)
        else:
            inner = f'<p class="name">{name}</p>{html_paras(doc, e.sentences)}'
        items.append(f"<li{attr}>{inner}</li>")
    attrs = (f' start="{start}"' if start is not None else "") + (" reversed" if reversed_ else "")
    return f'<ol class="ranking"{attrs}>\n' + "\n".join(items) + "\n</ol>"


def shape_html_ol_start(doc: Doc) -> Rendered:
    entries = doc.entries()
    start = entries[0].rank if entries[0].rank != 1 or doc.r.random() < 0.3 else None
    body = [*html_intro(doc), _html_ol(doc, entries, start, False, False), *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_html_ol_reversed(doc: Doc) -> Rendered:
    entries = doc.entries(descending=True)
    implied = len(entries)
    start = entries[0].rank if entries[0].rank != implied or doc.r.random() < 0.4 else None
    intro = f"We count down from {entries[0].rank} to {entries[-1].rank}."
    body = [*html_intro(doc, [intro]), _html_ol(doc, entries, start, True, False), *html_extras(doc)]
    body += html_closing(doc)
    return html_page(doc, body), "html"


def shape_html_ol_value(doc: Doc) -> Rendered:
    """Every <li> carries its value, inside a markdown file (a CMS export)."""
    descending = doc.r.random() < 0.3
    entries = doc.entries(descending)
    blocks = [*md_head(doc), _html_ol(doc, entries, None, descending, True), *md_extras(doc), *md_closing(doc)]
    return join(blocks), "markdown"


def shape_html_dl(doc: Doc) -> Rendered:
    r, h = doc.r, doc.h
    form = r.choice(["{n}. {name}", "#{n} {name}", "No. {n} – {name}", "<b>{n}.</b> {name}"])
    items = []
    for e in doc.entries(descending=r.random() < 0.25):
        where = "hashed" if form.startswith(("#", "No.")) else "any"
        dt = form.format(n=doc.num(e, where), name=h(e.name) + h(doc.suffix(e, where)))
        dds = "".join(f"<dd>{doc.html_sentence(s)}</dd>" for s in e.sentences) if r.random() < 0.4 else \
            f"<dd>{' '.join(doc.html_sentence(s) for s in e.sentences)}</dd>"
        items.append(f"<dt>{dt}</dt>{dds}")
    dl = '<dl class="ranking">\n' + "\n".join(items) + "\n</dl>"
    body = [*html_intro(doc), dl, *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_md_div_headings(doc: Doc) -> Rendered:
    """Markdown headings inside <div> wrappers, the top entries at a higher level than the rest."""
    r = doc.r
    top = r.choice([1, 3, 5])
    double = r.random() < 0.5
    blocks = md_head(doc)
    for e in doc.entries(descending=r.random() < 0.3):
        level = 2 if e.rank <= top else 3
        opening = f'<div class="entry" id="entry-{e.rank}">'
        if double:
            opening += '\n<div class="entry-body">'
        inner = [f"{'#' * level} {doc.num(e)}. {e.name}{doc.suffix(e)}", *doc.paras(e.sentences)]
        closing = "</div>\n</div>" if double else "</div>"
        blocks.append("\n\n".join([opening, *inner, closing]))
    blocks += md_extras(doc, 2) + md_closing(doc)
    return join(blocks), "markdown"


def shape_rank_after(doc: Doc) -> Rendered:
    """Each write-up first, then its stats and a small "#13" heading: the rank badge comes after the item."""
    r = doc.r
    level = r.choice([3, 2])
    badge = "#" * r.choice([4, 5, 6])
    blocks = md_head(doc)
    for e in doc.entries(descending=r.random() < 0.4):
        blocks.append(f"{'#' * level} {e.name}{' (tie)' if e.tied else ''}")
        blocks.extend(doc.paras(e.sentences))
        stats = [f"Opened\n{badge} #{e.year}", f"{badge} Score: {e.score}"]
        r.shuffle(stats)
        blocks.extend(stats)
        blocks.append(f"{badge} #{e.rank}")
    blocks += md_extras(doc, level) + md_closing(doc, level)
    return join(blocks), "markdown"


def shape_rank_heading_before(doc: Doc) -> Rendered:
    """A heading line with the rank alone ("### #7"), then a heading with the name."""
    r = doc.r
    level = r.choice([2, 3])
    form = r.choice(["#{n}", "No. {n}", "{n}", "Number {n}"])
    blocks = md_head(doc)
    for e in doc.entries(descending=r.random() < 0.4):
        blocks.append(f"{'#' * level} {form.format(n=e.rank)}")
        blocks.append(f"{'#' * level} {e.name}{' (tie)' if e.tied else doc.suffix(e)}")
        blocks.extend(doc.paras(e.sentences))
    blocks += md_extras(doc, level) + md_closing(doc, level)
    return join(blocks), "markdown"


def _place(n: int, r: random.Random) -> str:
    if n <= 20 and r.random() < 0.6:
        return ORDINAL_WORDS[n - 1]
    return ordinal(n)


def shape_prose(doc: Doc) -> Rendered:
    """Ranks stated only in sentences: "A came seventh, followed by B and C in 8th and 9th"."""
    d, r = doc.d, doc.r
    descending = r.random() < 0.4
    kind = r.choice(["markdown", "text"])
    entries = doc.entries(descending)
    groups: list[list[Entry]] = []
    i = 0
    while i < len(entries):
        e = entries[i]
        tied = [x for x in entries[i:] if x.rank == e.rank]
        if len(tied) > 1:
            groups.append(tied)
            i += len(tied)
            continue
        size = 1 if e.rank == 1 else r.choice([1, 1, 2, 3])
        group = [e]
        for x in entries[i + 1:i + size]:
            if x.tied or x.rank == 1:
                break
            group.append(x)
        groups.append(group)
        i += len(group)
    paragraphs = []
    for g in groups:
        names = [x.name for x in g]
        places = [_place(x.rank, r) for x in g]
        if len(g) > 1 and all(x.rank == g[0].rank for x in g):
            lead = f"{' and '.join(names)} share {places[0]} place."
        elif len(g) == 1:
            x = g[0]
            if x.rank == 1:
                lead = r.choice([f"{x.name} tops the list.", f"And the winner: {x.name} tops the list.",
                                 f"{x.name} takes first place."])
            else:
                lead = r.choice([f"{x.name} came {places[0]}.", f"In {places[0]} place is {x.name}.",
                                 f"{x.name} takes the {places[0]} spot."])
        else:
            tail = " and ".join(x.name for x in g[1:])
            lead = (f"{g[0].name} came {places[0]}, followed by {tail} in "
                    f"{' and '.join(places[1:])}.")
        paragraphs.append(" ".join([lead, *(x.prose for x in g)]))
    head = md_head(doc) if kind == "markdown" else text_head(doc)
    body = [doc.para([p], markdown=False) for p in paragraphs]
    if kind == "markdown":
        tail = md_closing(doc)
        if d.extras:
            mentions = [f"{x.name} also deserves a mention. {x.sentence}" for x in d.extras]
            tail = [f"## {d.extras_heading}", doc.para(mentions), *tail]
    else:
        tail = ([d.extras_heading, " ".join(f"{x.name} also deserves a mention. {x.sentence}" for x in d.extras)]
                if d.extras else []) + text_closing(doc)
    return join(head + body + tail), kind


def shape_text_bullets(doc: Doc) -> Rendered:
    bullet = doc.r.choice(["•", "•", "-", "*", "◦"])
    blocks = text_head(doc)
    for e in doc.entries():
        blocks.append("\n".join([f"{doc.num(e, 'noparen')}. {e.name}{doc.suffix(e, 'noparen')}",
                                 *(f"{bullet} {s}" for s in e.sentences)]))
    blocks += text_extras(doc, bullet) + text_closing(doc)
    return join(blocks), "text"


def _html_headings(doc: Doc, level: int, descending: bool) -> list[str]:
    r, h, d = doc.r, doc.h, doc.d
    form = r.choice(["{n}. {name}", '<span class="rank">{n}.</span> {name}', "#{n}: {name}", "{n} – {name}"])
    body = []
    for e in doc.entries(descending):
        where = "hashed" if form.startswith("#") else "any"
        heading = form.format(n=doc.num(e, where), name=h(e.name) + h(doc.suffix(e, where)))
        body.append(f'<h{level} id="{e.rank}-{d.seed}">{heading}</h{level}>')
        if r.random() < 0.4:
            body.append(f'<figure><img src="/img/{d.seed}/{e.rank}.jpg" alt="{h(e.name, quote=True)} from outside">'
                        f"<figcaption>Photo: {h(d.author)}</figcaption></figure>")
        body.append(html_paras(doc, e.sentences))
        if r.random() < 0.3:
            body.append(f"<p><strong>Neighbourhood:</strong> {h(e.area)}<br><strong>Score:</strong> {e.score}</p>")
        if r.random() < 0.1:
            body.append('<div class="ad">Advertisement</div>')
    return body


def shape_heading_tails(doc: Doc) -> Rendered:
    """Each entry's heading ends in a small inline element of its own that is not part of its name: a credit or a
    detail ("3. Name <small>Dir. Someone</small>", "3. Name <span class="meta">(2014)</span>"), as film, game and
    record lists write them; in an HTML page or in markdown (inline HTML or emphasis)."""
    r, h = doc.r, doc.h
    detail = r.choice(["({year})", "{score} points", "{area}", "est. {year}", "Dir. {area} Studio"])
    descending = r.random() < 0.4
    if r.random() < 0.5:
        tag = r.choice(["small", "span", "em", "i"])
        open_tag = f'<{tag} class="meta">' if tag == "span" else f"<{tag}>"
        body = html_intro(doc)
        for e in doc.entries(descending):
            tail = h(detail.format(year=e.year, score=e.score, area=e.area))
            body.append(f"<h3>{doc.num(e)}. {h(e.name)}{h(doc.suffix(e))} {open_tag}{tail}</{tag}></h3>")
            body.append(html_paras(doc, e.sentences))
        return html_page(doc, body + html_extras(doc) + html_closing(doc)), "html"
    style = r.choice(["<small>{}</small>", '<span class="meta">{}</span>', "*{}*", "_{}_"])
    blocks = md_head(doc)
    for e in doc.entries(descending):
        tail = detail.format(year=e.year, score=e.score, area=e.area)
        blocks.append(f"### {doc.num(e)}. {e.name}{doc.suffix(e)} {style.format(tail)}")
        blocks.extend(doc.paras(e.sentences))
    return join(blocks + md_extras(doc, 2) + md_closing(doc)), "markdown"


def shape_html_headings(doc: Doc) -> Rendered:
    entries = list(doc.d.entries)
    body = html_intro(doc)
    if doc.r.random() < 0.3:
        links = "".join(f'<li><a href="#{e.rank}-{doc.d.seed}">{doc.h(e.name)}</a></li>' for e in entries)
        body.append(f'<nav class="toc"><p>Jump to:</p><ol>{links}</ol></nav>')
    body += _html_headings(doc, 2, False) + html_extras(doc) + html_closing(doc)
    return html_page(doc, body), "html"


def shape_html_countdown(doc: Doc) -> Rendered:
    intro = f"Counting down from {doc.d.last_rank}."
    body = html_intro(doc, [intro]) + _html_headings(doc, 3, True) + html_extras(doc, 2) + html_closing(doc)
    return html_page(doc, body), "html"


def shape_bold_number(doc: Doc) -> Rendered:
    """The number alone in bold, then the name and the write-up: "**7** Name — text" (a blog countdown)."""
    r = doc.r
    descending = r.random() < 0.5
    dash = r.choice([" — ", " – ", ": "])
    blocks = md_head(doc, [f"Counting down from {doc.d.last_rank}."] if descending else ())
    for e in doc.entries(descending):
        number = doc.num(e, "digits")
        lead = r.choice(["**{n}**", "**{n}.**", "**#{n}**"]).format(n=number)
        blocks.append(f"{lead} {e.name}{doc.suffix(e, 'digits')}{dash}{doc.para(e.sentences)}")
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_md_in_html(doc: Doc) -> Rendered:
    """Markdown (a pipe table, or headings with their write-ups) inside HTML containers whose tags sit on the
    lines right next to it, with no blank line between: site generators write pages like this."""
    r = doc.r
    blocks = md_head(doc)
    if r.random() < 0.5:
        table, _ = _pipe_table(doc, True)
        blocks.append(f'<figure class="table" markdown>\n{table}\n</figure>')
    else:
        for e in doc.entries():
            blocks.append(f'<div class="entry">\n## {doc.num(e, "digits")}. {e.name}{doc.suffix(e, "digits")}\n'
                          f"{doc.para(e.sentences)}\n</div>")
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_titled_items(doc: Doc) -> Rendered:
    """A numbered list whose items are sentences that set the entry's title apart inside them:
    "3. In *Name*, the author …" or "3. Our pick, [Name](…), is …"."""
    r = doc.r
    items = []
    for e in doc.entries():
        form = r.choice(["We start with *{name}*{suffix}.", "Next comes **{name}**{suffix}.",
                         "Readers loved [{name}](https://example.org/{n}){suffix}."])
        lead = form.format(name=e.name, suffix=doc.suffix(e, "digits"), n=e.rank)
        items.append(f"{doc.num(e, 'digits')}. {lead} " + " ".join(doc.md_sentence(x) for x in e.sentences))
    blocks = [*md_head(doc), "\n".join(items)]
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


SUBTITLES = ["A Field Guide", "Notes From the Counter", "How We Bake at Dawn", "Ten Years On", "The Morning Shift",
             "What the Regulars Order"]
TITLE_FORMS = ["{name}: {sub}", "{name} Is Back!", "{name} — and Why It Matters", "{name}: {sub}",
               "Is {name} Worth It?"]
VERBS_OF_AUTHORS = ["walks through", "looks back at", "explains", "sums up"]


def _titled(doc: Doc, entries: Sequence[Entry]) -> list[Entry]:
    """The entries renamed as titles of write-ups, with a subtitle, a dash or a final "!" or "?": "Name: A Field
    Guide". The whole title is the entry's name."""
    out = []
    for e in entries:
        form = doc.r.choice(TITLE_FORMS)
        out.append(replace(e, name=form.format(name=e.name, sub=doc.r.choice(SUBTITLES))))
    doc.order = out
    return out


def shape_linked_titles(doc: Doc) -> Rendered:
    """Entries that are linked titles of write-ups, with a subtitle: "**7** [Name: A Field Guide](…) — *Author*"
    above its write-up, or "7. [Name Is Back!](…) by Author. Text"."""
    r = doc.r
    bold = r.random() < 0.5
    descending = bold and r.random() < 0.5
    blocks = md_head(doc, [f"Counting down from {doc.d.last_rank}."] if descending else ())
    items = []
    for e in _titled(doc, doc.entries(descending)):
        link = f"[{e.name}](https://example.org/{doc.d.seed}/{e.rank})"
        if bold:
            blocks.append(f"**{doc.num(e, 'digits')}** {link}{doc.suffix(e, 'digits')} — *{r.choice(AUTHORS)}*")
            blocks.append(doc.para(e.sentences))
        else:
            items.append(f"{doc.num(e, 'digits')}. {link}{doc.suffix(e, 'digits')} by {r.choice(AUTHORS)}. "
                         + " ".join(doc.md_sentence(x) for x in e.sentences))
    if items:
        blocks.append("\n".join(items))
    blocks += md_extras(doc, style="bullets") + md_closing(doc)
    return join(blocks), "markdown"


def shape_italic_titles(doc: Doc) -> Rendered:
    """A numbered list whose items name a write-up in italics, as a reference link, inside a sentence, its
    subtitle after a colon: "3. In _[Name: A Field Guide][3]_, Author walks through …"."""
    r = doc.r
    items, refs = [], []
    for e in _titled(doc, doc.entries()):
        ref = f"_[{e.name}][{e.rank}]_{doc.suffix(e, 'digits')}"
        author = r.choice(AUTHORS)
        lead = r.choice([f"In {ref}, {author} {r.choice(VERBS_OF_AUTHORS)} the place.",
                         f"{author} {r.choice(VERBS_OF_AUTHORS)} the place in {ref} this year."])
        items.append(f"{doc.num(e, 'digits')}. {lead} " + " ".join(doc.md_sentence(x) for x in e.sentences))
        refs.append(f"[{e.rank}]: https://example.org/{doc.d.seed}/{e.rank}")
    blocks = [*md_head(doc), "\n".join(items), *md_extras(doc, style="bullets"), *md_closing(doc),
              "\n".join(sorted(set(refs)))]
    return join(blocks), "markdown"


def shape_quoted_pairs(doc: Doc) -> Rendered:
    """An HTML table with a rank column whose entries are two quoted, linked titles: '"A" / "B"' (a record's two
    sides). The name is both titles without their quotes."""
    r, h = doc.r, doc.h
    entries = []
    for e in doc.entries():
        second = f"{r.choice(ADJ)} {r.choice(NOUN)} {r.choice(['Waltz', 'Song', 'Blues', 'Reel'])}"
        entries.append(replace(e, name=f"{e.name} / {second}"))
    doc.order = entries
    rows = []
    for e in entries:
        a, b = e.name.split(" / ")
        cell = f'"<a href="/t/{e.rank}a">{h(a)}</a>" / "<a href="/t/{e.rank}b">{h(b)}</a>"'
        rows.append(f"<tr><td>{doc.num(e)}</td><td>{cell}</td><td>{h(e.area)}</td>"
                    f"<td>{' '.join(doc.html_sentence(x) for x in e.sentences)}</td></tr>")
    table = ("<table><thead><tr><th>Rank</th><th>Title</th><th>Area</th><th>Notes</th></tr></thead><tbody>"
             + "\n".join(rows) + "</tbody></table>")
    body = [*html_intro(doc), table, *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


PHRASE_WORDS = ["the need for", "better support for", "a clearer path to", "more reliable",
                "faster and cheaper", "quieter", "longer opening hours at", "fairer prices for",
                "friendlier staff behind", "simpler menus in",
                "more seating near", "warmer light over", "a wider choice of", "earlier breakfasts at"]
PHRASE_NOUNS = ["counters", "terraces", "back rooms", "courtyards", "kitchens", "bakeries", "tables", "queues",
                "loyalty cards", "delivery", "payments", "bookings", "gardens", "take-away cups"]


PHRASE_ENDINGS = ["across the region", "in every district", "on weekdays and weekends alike",
                  "for families with small children", "in the older quarters of town"]


def shape_long_phrases(doc: Doc) -> Rendered:
    """A numbered list of long lower-case phrases with no write-ups, as survey themes are listed: "3. the need
    for more reliable bookings and friendlier staff behind the counters across the region"."""
    r = doc.r
    entries, seen = [], set()
    for e in doc.entries():
        while True:
            parts = [r.choice(PHRASE_WORDS), r.choice(PHRASE_NOUNS), "and", r.choice(PHRASE_WORDS),
                     r.choice(PHRASE_NOUNS), r.choice(PHRASE_ENDINGS)]
            phrase = " ".join(parts)
            if phrase not in seen:
                seen.add(phrase)
                break
        entries.append(replace(e, name=phrase, sentences=()))
    doc.order = entries
    items = [f"{doc.num(e, 'digits')}. {e.name}{doc.suffix(e, 'digits')}" for e in entries]
    blocks = [*md_head(doc), f"The top {doc.d.count} themes our readers raised were:", "\n".join(items),
              *md_extras(doc, style="bullets"), *md_closing(doc)]
    return join(blocks), "markdown"


def _by_falling_value(doc: Doc, plain: Sequence[Entry], start: int, step: int) -> list[Entry]:
    """The entries with a value each (`score`), falling from `start` by 1 to `step` per entry, no sentences; an
    entry may equal the one before (from the third on), a tie that shares its rank. They are `doc.order`."""
    r, value, entries, previous = doc.r, start, [], None
    for n, e in enumerate(plain, 1):
        tie = previous is not None and n > 2 and r.random() < 0.12
        if not tie:
            value -= r.randint(1, step)
        rank = previous.rank if tie and previous else n
        entry = replace(e, rank=rank, tied=tie, score=value, sentences=())
        if tie and previous:
            entries[-1] = replace(entries[-1], tied=True)
        entries.append(entry)
        previous = entry
    doc.order = entries
    return entries


def shape_value_sorted_table(doc: Doc) -> Rendered:
    """Vote results: a table of names and vote counts, highest first, with no rank column, under a title that
    announces no ranking; equal votes are a tie. Before it, the nominees as a numbered list in another order
    (alphabetical), which is no ranking."""
    r, h = doc.r, doc.h
    entries = _by_falling_value(doc, doc.d.plain().entries, r.randint(400, 900), 25)
    nominees = sorted(entries, key=lambda e: e.name.casefold())
    ol = "<ol>" + "".join(f"<li>{h(e.name)}</li>" for e in nominees) + "</ol>"
    rows = "".join(f"<tr><td><p>{h(e.name)}</p></td><td><p>{e.score}</p></td></tr>" for e in entries)
    table = f"<table><thead><tr><th>Nominee</th><th>Votes received</th></tr></thead><tbody>{rows}</tbody></table>"
    body = [*html_intro(doc, [f"Readers chose among the {doc.d.topic} nominated this spring."]), "<h2>Nominees</h2>",
            ol, "<h2>Outcome</h2>", "<p>Votes cast per nominee:</p>", table, *html_extras(doc), *html_closing(doc)]
    title = None if r.random() < 0.5 else f"{doc.d.region} {doc.d.topic.title()} Vote {doc.d.year}: Results"
    return html_page(doc, body, title), "html"


LATE_ENTRANTS = ["quillfen", "osk.builds", "tarnlab", "vexley", "marrow-io", "fenby42"]


def shape_unscored_tail(doc: Doc) -> Rendered:
    """A challenge leaderboard: a markdown table of participants and their task scores, sorted by the total, with
    no rank column; equal totals are a tie. Below the scored rows, entrants who never scored ("-" in every column),
    who are listed, not ranked."""
    r = doc.r
    plain = doc.d.plain().entries
    entries = _by_falling_value(doc, plain, 3 * len(plain) + r.randint(20, 200), 3)
    lines = ["| Participant | Task 1 | Task 2 | Score |", "|---|---|---|---|"]
    for e in entries:
        lines.append(f"| {e.name} | {r.randint(0, 999) / 1000:.3f} | {r.randint(0, 999) / 1000:.3f} | "
                     f"{e.score / 1000:.3f} |")
    for name in r.sample(LATE_ENTRANTS, r.randint(1, 4)):
        lines.append(f"| {name} | {r.choice(['-', 'n/a', '—'])} | - | {r.choice(['-', 'n/a', 'DNF', ''])} |")
    blocks = [*md_head(doc, ["Scores below 0.01 are not reported."]), "\n".join(lines), *md_extras(doc),
              *md_closing(doc)]
    return join(blocks), "markdown"


def shape_html_rowspan_ties(doc: Doc) -> Rendered:
    """A leaderboard table whose tied entries share one place cell spanning their rows ("T3", rowspan=2), as
    Wikipedia writes them; a value column may span the tied rows too."""
    r, h = doc.r, doc.h
    entries = doc.entries()
    rows = []
    spread: dict[int, bool] = {}  # rank -> the tied rows share one score cell too
    for e in entries:
        group = [x for x in entries if x.rank == e.rank]
        first = group[0] is e
        label = (f"T{e.rank}" if len(group) > 1 else str(e.rank))
        place = (f'<td rowspan="{len(group)}">{label}</td>' if len(group) > 1 else f"<td>{label}</td>") if first else ""
        if first:
            spread[e.rank] = len(group) > 1 and r.random() < 0.5
        if spread[e.rank]:
            score = f'<td rowspan="{len(group)}">{e.score}</td>' if first else ""
        else:
            score = f"<td>{e.score}</td>"
        notes = " ".join(doc.html_sentence(x) for x in e.sentences)
        rows.append(f"<tr>{place}<td>{h(e.name)}</td>{score}<td>{notes}</td></tr>")
    table = ("<table><thead><tr><th>Place</th><th>Name</th><th>Score</th><th>Notes</th></tr></thead><tbody>"
             + "\n".join(rows) + "</tbody></table>")
    body = [*html_intro(doc), table, *html_extras(doc), *html_closing(doc)]
    return html_page(doc, body), "html"


def shape_report_bullets(doc: Doc) -> Rendered:
    """A long survey report whose title announces no ranking: sections of prose, a numbered list of how the
    survey ran and a bulleted list of where readers came from (neither is a ranking), then a paragraph that
    announces a count ("The 12 … readers named most often were:") over a bulleted list, in rank order, of just
    the names, sometimes with each one's share."""
    d, r = doc.d, doc.r
    entries = [replace(e, sentences=()) for e in doc.entries()]
    doc.order = entries
    shares = sorted((r.randint(2, 60) for _ in entries), reverse=True)
    with_share = r.random() < 0.5
    bullet = r.choice(["-", "*", "+"])
    items = "\n".join(f"{bullet} {e.name}" + (f" ({share}%)" if with_share else "")
                       for e, share in zip(entries, shares, strict=True))
    sampled = [s for e in d.entries for s in e.sentences][:6]
    steps = ["We sent the questionnaire to everyone on our mailing list in the spring.",
             "Answers were collected anonymously over three weeks.",
             "Duplicate and empty answers were removed before counting."]
    region = d.region[0].upper() + d.region[1:]
    blocks = [f"# {region} {d.topic_one} survey {d.year}: what our readers told us",
              doc.para([*d.opening]),
              "## How we ran it", "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1)),
              "## Who answered", "Readers wrote in from every part of the region:",
              "\n".join(f"{bullet} the {part} of {d.region}" for part in ("north", "south", "east", "west")),
              "## Favourites", doc.para(sampled[:3]) if sampled else "Here is what came out on top.",
              r.choice([f"The {len(entries)} {d.topic} our readers named most often were:",
                        f"These are the top {len(entries)} {d.topic}, by how many readers named them:"]),
              items, doc.para(sampled[3:]) if sampled[3:] else "Thanks to everyone who answered.",
              *md_extras(doc), *md_closing(doc)]
    return join(blocks), "markdown"


def shape_coded_table(doc: Doc) -> Rendered:
    """A top list as a table with no rank column whose names open with a code that numbers them, as security
    and standards lists write them ("KX3:2031 – Name", "KX3 Name"), in a markdown or an HTML table."""
    d, r, h = doc.d, doc.r, doc.h
    entries = [replace(e, sentences=e.sentences[:1]) for e in doc.entries()]
    doc.order = entries
    prefix = "".join(r.choice("ABCDEFGHKLMPRSTXZ") for _ in range(r.randint(1, 4)))
    form = r.choice(["{p}{n}:{y} - {name}", "{p}{n}:{y} – {name}", "{p}{n} {name}", "{p}{n}: {name}"])
    codes = [form.format(p=prefix, n=e.rank, y=d.year, name=e.name) for e in entries]
    if r.random() < 0.5:
        rows = "\n".join(f"| {c} | {e.sentences[0]} |" for c, e in zip(codes, entries, strict=True))
        table = f"| Item | Why it is here |\n|---|---|\n{rows}"
        return join([*md_head(doc), table, *md_extras(doc), *md_closing(doc)]), "markdown"
    rows = "".join(f"<tr><td>{h(c)}</td><td>{doc.html_sentence(e.sentences[0])}</td></tr>"
                   for c, e in zip(codes, entries, strict=True))
    table = f"<table><tr><th>Item</th><th>Why it is here</th></tr>{rows}</table>"
    return html_page(doc, [*html_intro(doc), table, *html_extras(doc), *html_closing(doc)]), "html"


def shape_restarted_lists(doc: Doc) -> Rendered:
    """Every item typed "1." (markdown numbers a list by itself), and a note under most items that is not indented
    under it: each such item ends a list, and the next one starts at 1 again, so the page shows "1." on most entries
    and the ranks are the items' order."""
    r = doc.r
    bullet = r.choice(["-", "*", "+"])
    blocks = md_head(doc, [r.choice(["Here are my rankings.", "Best first, as I ranked them.",
                                     "These are ranked from the top down."])])
    for e in doc.entries():
        name = f"[{e.name}](https://example.org/{doc.d.entries.index(e)})" if r.random() < 0.5 else e.name
        if r.random() < 0.25:  # a note indented under its item: the next item joins this item's list
            blocks.append("\n".join([f"1. {name}", *(f"   {bullet} {sentence}" for sentence in e.sentences)]))
        else:
            blocks.append(f"1. {name}")
            blocks.append("\n".join(f"{bullet} {sentence}" for sentence in e.sentences))
    blocks += md_extras(doc, 2, style="headings") + md_closing(doc)
    return join(blocks), "markdown"


SHAPE_FUNCS: dict[str, Callable[[Doc], Rendered]] = {
    "dot_lines": shape_dot_lines,
    "paren_lines": shape_paren_lines,
    "no_colon": shape_no_colon,
    "hash_num": shape_hash_num,
    "h2_dot": shape_h2_dot,
    "h3_dot": shape_h3_dot,
    "h4_num": shape_h4_num,
    "h3_unnumbered": shape_h3_unnumbered,
    "bold_para": shape_bold_para,
    "inline_bold": shape_inline_bold,
    "countdown_h2": shape_countdown_h2,
    "countdown_bold": shape_countdown_bold,
    "countdown_text": shape_countdown_text,
    "countdown_inline": shape_countdown_inline,
    "md_table_rank": shape_md_table_rank,
    "md_table_norank": shape_md_table_norank,
    "html_table_rank": shape_html_table_rank,
    "html_table_norank": shape_html_table_norank,
    "md_html_table_rank": shape_md_html_table_rank,
    "md_html_table_norank": shape_md_html_table_norank,
    "html_ol_start": shape_html_ol_start,
    "html_ol_reversed": shape_html_ol_reversed,
    "html_ol_value": shape_html_ol_value,
    "html_dl": shape_html_dl,
    "md_nested": shape_md_nested,
    "md_div_headings": shape_md_div_headings,
    "rank_after": shape_rank_after,
    "rank_heading_before": shape_rank_heading_before,
    "prose": shape_prose,
    "text_bullets": shape_text_bullets,
    "html_headings": shape_html_headings,
    "html_countdown": shape_html_countdown,
    "bold_number": shape_bold_number,
    "md_in_html": shape_md_in_html,
    "titled_items": shape_titled_items,
    "linked_titles": shape_linked_titles,
    "italic_titles": shape_italic_titles,
    "quoted_pairs": shape_quoted_pairs,
    "long_phrases": shape_long_phrases,
    "value_sorted_table": shape_value_sorted_table,
    "html_rowspan_ties": shape_html_rowspan_ties,
    "report_bullets": shape_report_bullets,
    "coded_table": shape_coded_table,
    "place_headings": shape_place_headings,
    "place_summaries": shape_place_summaries,
    "rank_in_name_cell": shape_rank_in_name_cell,
    "unscored_tail": shape_unscored_tail,
    "restarted_lists": shape_restarted_lists,
    "heading_tails": shape_heading_tails,
}
SHAPES = list(SHAPE_FUNCS)
# Shapes that state no rank numbers: the order of the entries is the ranking, so no ties and no partial lists.
UNNUMBERED = {"h3_unnumbered", "md_table_norank", "html_table_norank", "md_html_table_norank", "report_bullets",
              "coded_table", "restarted_lists"}
PROSE = {"prose"}
# Shapes whose names are quoted titles joined by " / ": the expected name drops the quotes.
QUOTED_NAMES = {"quoted_pairs"}
SEEDS = list(range(50))


def _doc(shape: str, data: Ranking) -> tuple[Doc, Rendered]:
    if shape not in SHAPE_FUNCS:
        raise KeyError(f"unknown shape {shape!r}; shapes: {', '.join(SHAPES)}")
    if shape in UNNUMBERED:
        data = data.plain()
    doc = Doc(shape, data)
    return doc, SHAPE_FUNCS[shape](doc)


def render(shape: str, data: Ranking) -> Rendered:
    """The ranking written as `shape`: (text, kind)."""
    return _doc(shape, data)[1]


# --- the expected result ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    shape: str
    seed: int
    text: str
    kind: str
    ranked: list[tuple[int, str]]  # (rank, name) in rank order, ties in document order
    sentences: list[tuple[str, ...]]  # per ranked entry, the sentences that must sit under it
    extras: list[str]  # names of unranked extras
    foreign: dict[str, str]  # sentences under no entry, and whose they are: extras', the intro's, and the
    # closing's when a heading sets the closing off from the last entry
    prose: bool

    def head(self, lines: int = 24) -> str:
        shown = self.text.splitlines()[:lines]
        return "\n".join(f"    {ln}" for ln in shown)


@cache
def build_case(shape: str, seed: int) -> Case:
    data = make_ranking(seed)
    doc, (text, kind) = _doc(shape, data)
    ranked = sorted(doc.order, key=lambda e: e.rank)  # stable: tied entries in document order
    prose = shape in PROSE
    foreign = {x.sentence: f"the unranked extra {x.name!r}" for x in doc.d.extras}
    foreign.update({s: "the intro" for s in doc.d.opening})
    if doc.d.closing_heading:
        foreign.update({s: "the closing paragraph" for s in doc.d.closing})
    return Case(shape=shape, seed=seed, text=text, kind=kind, ranked=[(e.rank, e.name) for e in ranked],
                sentences=[(e.prose,) if prose else e.sentences for e in ranked],
                extras=[x.name for x in doc.d.extras], foreign=foreign, prose=prose)


def main(argv: Sequence[str]) -> int:
    if len(argv) == 1 and argv[0] == "--list":
        print("\n".join(SHAPES))
        return 0
    if len(argv) != 2:
        print("usage: python -m tests.ingest.shapegen SHAPE SEED   (or --list)", file=sys.stderr)
        return 2
    shape, seed = argv[0], int(argv[1])
    case = build_case(shape, seed)
    print(case.text, end="")
    print(f"\n--- kind={case.kind} shape={shape} seed={seed}", file=sys.stderr)
    print("--- expected ranked (rank, name):", file=sys.stderr)
    for (rank, name), sentences in zip(case.ranked, case.sentences, strict=True):
        print(f"    {rank:>3}  {name}  <- {' | '.join(sentences)}", file=sys.stderr)
    if case.extras:
        print(f"--- extras (unranked): {case.extras}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
