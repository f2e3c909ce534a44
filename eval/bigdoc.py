"""Made-up ranking articles of a chosen size, for ingest speed tests and `ai-cities bench --ingest`.

`ranking_article(15_000)` writes a ranking of harbour towns of an invented country ("Veloria"): a title, an
intro, numbered entries with "Topic: text" bullets full of invented organisations, people, dates, amounts and
percentages, a trends section and a methodology. Nothing comes from a real or shipped article; the same size
and seed always give the same text. `python -m eval.bigdoc 500000 > big.md` writes one to a file.
"""

from __future__ import annotations

import random
import sys

_TOWN_PARTS = ("Amber", "Brine", "Cobalt", "Drift", "Ember", "Fern", "Gull", "Harrow", "Iron", "Juniper", "Kestrel",
               "Lark", "Moss", "North", "Oak", "Pike", "Quill", "Raven", "Salt", "Thorn", "Umber", "Vale", "Willow",
               "Yarrow", "Zephyr")
_TOWN_ENDS = ("port", "haven", "wick", "mouth", "ford", "sound", "quay", "bay", "holm", "strand")
_ORG_HEADS = ("Tidewell", "Corvane", "Lumaris", "Ostrand", "Pellion", "Quarrow", "Saltern", "Veyra", "Marlock",
              "Dunhollow", "Brackwater", "Halvorsen", "Isenmoor", "Kelpmark", "Northreach")
_ORG_TAILS = ("Shipworks", "Robotics", "Logistics", "Labs", "Marine Institute", "Cold Chain", "Dockyards",
              "Analytics", "Sensor Works", "Port Authority")
_FIRST = ("Ilsa", "Tomas", "Marit", "Oren", "Saskia", "Bram", "Linnea", "Caspian", "Wren", "Edda", "Jorund", "Nessa")
_LAST = ("Aldervane", "Brightmoor", "Castellan", "Dornfeld", "Everholt", "Fairlie", "Grimsby", "Holloway", "Ingram",
         "Juniperus", "Kettering", "Lowther")
_TOPICS = ("Automated Cranes", "Research & Talent", "Policy Support", "Cold-Chain Logistics", "Shipbuilding",
           "Green Fuel", "Fisheries Data", "Startup Ecosystem", "Port Security", "Tourism")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_VERBS = ("runs", "operates", "funds", "opened", "expanded", "upgraded", "leads", "hosts")
_THINGS = ("an autonomous crane yard", "a container-tracking platform", "a marine robotics testbed",
           "a hydrogen refuelling pier", "a fish-stock forecasting service", "a harbour pilot school",
           "a tidal energy array", "a customs clearance system")


def _town(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(_TOWN_PARTS) + rng.choice(_TOWN_ENDS)
        if name not in used:
            used.add(name)
            return name
        if len(used) >= len(_TOWN_PARTS) * len(_TOWN_ENDS):
            name = f"{name} {len(used)}"
            used.add(name)
            return name


def _org(rng: random.Random) -> str:
    return f"{rng.choice(_ORG_HEADS)} {rng.choice(_ORG_TAILS)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _sentence(rng: random.Random, town: str) -> str:
    year = rng.randint(1998, 2030)
    kind = rng.randrange(5)
    if kind == 0:
        return (f"{_org(rng)} {rng.choice(_VERBS)} {rng.choice(_THINGS)} in {town}, "
                f"opened on {rng.choice(_MONTHS)} {rng.randint(1, 28)}, {year}.")
    if kind == 1:
        return (f"The town handled {rng.randint(2, 90)}.{rng.randint(0, 9)} million tonnes of cargo in {year}, "
                f"{rng.randint(3, 45)}% more than the year before.")
    if kind == 2:
        return (f"Mayor {_person(rng)} set aside ${rng.randint(2, 900)}M for {rng.choice(_THINGS)} "
                f"and {rng.randint(40, 4000)} new jobs.")
    if kind == 3:
        return (f"Researchers at {_org(rng)} and {_org(rng)} publish {rng.randint(5, 300)} papers a year "
                f"on {rng.choice(_TOPICS).lower()}.")
    return (f"{_person(rng)} of {_org(rng)} says {town} will finish {rng.choice(_THINGS)} by {year}.")


def _bullet(rng: random.Random, town: str, topic: str, sentences: int) -> str:
    return f"- {topic}: " + " ".join(_sentence(rng, town) for _ in range(sentences))


def ranking_article(size: int, seed: int = 7) -> str:
    """A made-up ranking article of about `size` characters (never more; within a few percent), in markdown.

    The number of entries grows with the size (10 for 15 KB, up to 100); each entry gets bullets of two to
    four sentences (at least two bullets) until its share of `size` is filled.
    """
    best = _article(size, size, seed)
    target = size
    for _ in range(6):  # each entry stops short of its share by part of a bullet: aim a little higher
        target += (size - len(best)) // 2
        text = _article(size, target, seed)
        if len(best) < len(text) <= size:
            best = text
    return best


def _article(size: int, target: int, seed: int) -> str:
    rng = random.Random(seed)
    entries = max(3, min(100, size // 1500))
    used: set[str] = set()
    towns = [_town(rng, used) for _ in range(entries)]
    head = [
        f"# The Top {entries} Smart Harbour Towns of Veloria in 2031: The Full Ranking",
        "",
        f"Veloria's coast is lined with harbours racing to automate. This ranking orders the {entries} smartest "
        "harbour towns by port automation, research output and public investment, drawing on the Veloria "
        "Maritime Office's yearly survey.",
        "",
    ]
    tail = [
        "## Trends Across the Coast",
        "",
        "Automation spread fastest in the mid-sized harbours. Public money followed private robotics labs, "
        "and most towns now share one customs clearance system.",
        "",
        "## Methodology",
        "",
        "Scores weigh port automation at 40%, research output at 35% and public investment at 25%. Figures come "
        "from the Veloria Maritime Office and the towns' own yearly reports.",
        "",
    ]
    budget = max(0, target - len("\n".join(head + tail)))
    per_entry = budget // entries
    body: list[str] = []
    for rank, town in enumerate(towns, start=1):
        section = [f"## {rank}. {town}", "", "Key Strengths:", ""]
        used_topics: list[str] = []
        length = sum(len(line) + 1 for line in section)
        while True:
            topic = rng.choice([t for t in _TOPICS if t not in used_topics] or list(_TOPICS))
            line = _bullet(rng, town, topic, rng.randint(2, 4))
            if length + len(line) > per_entry and len(used_topics) >= 2:
                line = _bullet(rng, town, topic, 1)  # the rest of the entry's share may hold a short one
                if length + len(line) > per_entry:
                    break
            used_topics.append(topic)
            section.append(line)
            length += len(line) + 1
        body.extend([*section, ""])
    return "\n".join(head + body + tail)


if __name__ == "__main__":
    sys.stdout.write(ranking_article(int(sys.argv[1]) if len(sys.argv) > 1 else 15_000))
