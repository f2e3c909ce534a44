"""Fact questions (who, what, where, when, how much, how many) answered with the article's own sentences,
led by the entity of the type asked for. It refuses by answer type: when the evidence holds nothing of the
type and focus asked for (a person in a role, a date, an amount, a count of X), it says what is missing."""

from __future__ import annotations

import re
from dataclasses import replace

from app.answer.draft import Draft, abstention, joined, name_list
from app.answer.evidence import Evidence
from app.answer.strategies.base import Strategy
from app.knowledge import RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Intent, IntentKind
from ingest.core.lexicon import MONTHS, RESIDENCE_VERBS, VALUE_WORDS, ordinal
from ingest.core.text import fold, stem, terms

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NUMBER_BEFORE_WORD = re.compile(r"(?<![\w.])(\d[\d,.]*(?:\s?(?:[kKmMbB]n?|million|billion|thousand))?)\s+(\w+)")
_POINT_IN_TIME = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b|\b(" + "|".join(MONTHS) + r")\b", re.I)
_ABOUT_A_NAME = frozenset({IntentKind.FACT, IntentKind.EXPLAIN, IntentKind.OVERVIEW, IntentKind.FILTER,
                           IntentKind.LIST_ENTITIES, IntentKind.SUMMARY})
_TYPED = {AnswerType.DATE, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.COUNT}
_ACCEPTED = {AnswerType.MONEY: AnswerType.MONEY, AnswerType.DATE: AnswerType.DATE,
             AnswerType.PERCENT: AnswerType.PERCENT, AnswerType.COUNT: AnswerType.COUNT}


def unknown_subject(evidence: Evidence, intent: Intent) -> Draft | None:
    """An abstention when the question is about something the article never mentions (a place outside the
    ranking, a name the article doesn't contain), or asks for the rank of a name the article mentions but
    doesn't rank."""
    kb = evidence.kb
    listed = name_list([e.name for e in kb.ranking])
    if intent.unranked_places and not intent.entries and not intent.names and kb.ranking:
        places = name_list(list(intent.unranked_places[:2]))
        return abstention(f"The article doesn't mention {places}: it ranks {kb.count_phrase()} ({listed}).")
    if intent.unranked_names and not intent.entries and kb.ranking:
        names = name_list(list(intent.unranked_names[:2]))
        them = "it" if len(intent.unranked_names) == 1 else "them"
        return abstention(f"The article mentions {names} but doesn't rank {them}: it ranks {kb.count_phrase()} "
                          f"({listed}).")
    if intent.unknown_names and not intent.entries and not intent.names:
        return abstention(f"The article doesn't mention {name_list(list(intent.unknown_names[:2]))}.")
    named = list(intent.unknown_proper_names)
    if named and intent.entries and not intent.names and not intent.polar and intent.kind in _ABOUT_A_NAME:
        # "What does Acme Research Zedland do in Zedville?": what is asked about is the name, which the article
        # never mentions, not the entry it is placed in
        return abstention(f"The article doesn't mention {name_list(named[:2])}.")
    return None


def outside_period(evidence: Evidence, intent: Intent) -> Draft | None:
    """An abstention when the question asks about a year other than the one the article's title covers
    ("… in 2017?" of a review of 2016) and no sentence that mentions that year speaks to the rest of the
    question: the year comes up only in passing."""
    from dataclasses import replace

    kb = evidence.kb
    covered = set(_YEAR.findall(kb.title))
    asked = [y for y in intent.years if y not in covered]
    if not covered or not asked:
        return None
    for year in asked:
        mentions = [s for s in kb.sentences if year in s.text]
        rest = replace(intent, terms=tuple(t for t in intent.terms if t != year))
        if not mentions or not evidence.asked_terms(rest):
            continue
        if max(evidence.coverage(rest, s) for s in mentions) < evidence.limits.strong_coverage:
            period = name_list(sorted(covered))
            return abstention(f"The article covers {period}: it mentions {year} only in passing, and says nothing "
                              f"about that for {year}.")
    return None


def said_of_another(evidence: Evidence, intent: Intent) -> Draft | None:
    """An abstention when what is asked of a named entry is what the article says of another one ("How much did
    Zedburg's harbour robots cut loading times?" when only Yarrow's section has harbour robots): another entry's
    sentence covers the question's topic (its content terms beyond the entry's name, two at least) strongly,
    while the named entry's own sentences cover little of it and are no closer in meaning to the question."""
    kb = evidence.kb
    named = {e.name for e in evidence.entries(intent)}
    if not named or intent.names or intent.polar:
        return None
    own_terms = {t for name in named for t in terms(name)}
    topic = replace(intent, terms=tuple(t for t in intent.terms if t not in own_terms))
    asked = evidence.asked_terms(topic)
    if len(set(asked)) < 2:
        return None
    folded = [fold(n) for n in named]
    own, other = [], []
    for sentence in kb.sentences:
        entry = kb.entry_of(sentence)
        if (entry is not None and entry.name in named) or any(n in fold(sentence.text) for n in folded):
            own.append(sentence)
        elif entry is not None:
            other.append(sentence)
    if not own or not other:
        return None
    best = max(other, key=lambda s: evidence.coverage(topic, s))
    covered = evidence.coverage(topic, best)
    have = kb.sentence_terms[best.index]
    if covered < evidence.limits.strong_coverage or sum(bool(evidence.expanded(t) & have) for t in set(asked)) < 2:
        return None
    if max(evidence.coverage(topic, s) for s in own) > evidence.limits.elsewhere_share * covered:
        return None
    similarity = evidence.similarity(intent, [*own, best])
    if max(similarity[s.index] for s in own) >= similarity[best.index]:
        return None
    holder = kb.entry_of(best)
    assert holder is not None
    return abstention(f"The article doesn't say that about {name_list(sorted(named))}: it says it about "
                      f"{holder.name}.")


def unknown_topic(evidence: Evidence, intent: Intent) -> Draft | None:
    """An abstention when a question names an entry but asks mostly about what the article never mentions ("What
    was Zedburg's harbour tax in 2019?" of an article without taxes): less than `strong_coverage` of its topic
    (`Evidence.known_share`) is in the article, and none of the entry's own sentences is close in meaning to it
    (`focus_similarity`), which a paraphrase in other words would be. Only for an entry the question names and
    whose section is prose, asked about outside the ranking's order (an entry named by its rank comes with the
    rank)."""
    kb = evidence.kb
    named = [e for e in evidence.entries(intent) if kb.row_of(e) is None]
    focus = intent.focus
    if focus is not None and not evidence.in_article(focus.head):
        return None  # a focus the article never uses is refused by name (`Fact.missing_focus`: "the mayor")
    if not named or intent.names or intent.polar or not intent.topical or intent.ranks or intent.relation or \
            intent.top_n or intent.bottom_n or evidence.known_share(intent) >= evidence.limits.strong_coverage:
        return None  # a table row's cells are what its headers name, in words a question rarely repeats
    own = [s for entry in named for s in kb.entry_sentences(entry)]
    if own and max(evidence.similarity(intent, own).values()) >= evidence.limits.focus_similarity:
        return None
    return abstention(f"The article doesn't say that about {name_list([e.name for e in named])}: it doesn't "
                      "mention what the question asks about.")


def wrong_holder(evidence: Evidence, intent: Intent) -> tuple[str, RankEntry, Intent] | None:
    """A rank claimed for something the article doesn't rank ("Since Zedburg is 3rd, what is it known for?",
    Zedburg unranked or never mentioned): what was claimed, the entry that really holds that rank, and the intent
    re-aimed at it, so that the rest of the question is answered about the holder. A yes/no question keeps its
    own checks."""
    from dataclasses import replace

    claimed = intent.unranked_places or intent.unranked_names or tuple(
        n for n in intent.unknown_names if not _YEAR.fullmatch(n))
    kb = evidence.kb
    if intent.polar or intent.entries or intent.names or len(intent.ranks) != 1 or not claimed or not kb.ranking \
            or intent.top_n or intent.bottom_n or intent.relation:
        return None
    holder = kb.entry_at(intent.ranks[0])
    if holder is None:
        return None
    dropped = {t for name in claimed for t in terms(name)}
    return claimed[0], holder, replace(intent, entries=(holder.name,), unranked_places=(), unranked_names=(),
                                       unknown_names=(), unknown_proper_names=(),
                                       terms=tuple(t for t in intent.terms if t not in dropped))


def holder_correction(evidence: Evidence, claimed: str, holder: RankEntry, rest: Draft) -> Draft:
    """The correction of a rank claimed for `claimed`, then the answer about the holder (`rest`), which names
    the holder's rank itself unless it abstained."""
    draft = Draft()
    rank_line = f"{holder.name} is ranked {ordinal(holder.rank)} of {evidence.kb.count_phrase()}."
    if rest.abstained or rank_line not in rest.text:
        draft.say(f"That premise is not right: the article doesn't rank {claimed}; {rank_line}", holder)
    else:
        draft.say(f"That premise is not right: the article doesn't rank {claimed}.")
    return draft if rest.abstained else joined(draft, rest)


def misplaced(evidence: Evidence, intent: Intent) -> tuple[Draft, Intent] | None:
    """A name put with the wrong entry ("Springfield-based Acme" when the article puts Acme elsewhere): the
    correction, and the intent re-aimed."""
    from dataclasses import replace

    for name in intent.names:
        if not evidence.kb.is_proper_name(name):
            continue
        homes = evidence.home_of(name)
        if homes and not {e.name for e, _ in homes} & set(intent.entries) and intent.entries:
            claimed = " or ".join(intent.entries)
            where = name_list(list(dict.fromkeys(e.name for e, _ in homes)))
            draft = Draft()
            draft.say(f"That premise is not right: the article places {name} in {where}, not {claimed}.",
                      *[s for _, s in homes[:2]])
            return draft, replace(intent, entries=tuple(dict.fromkeys(e.name for e, _ in homes)))
    return None


class Fact(Strategy):
    """The best-matching article sentences, led by the answer of the type asked for."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        refusal = unknown_subject(self.evidence, intent) or unknown_topic(self.evidence, intent) or \
            said_of_another(self.evidence, intent)
        if refusal is not None:
            return refusal
        correction = misplaced(self.evidence, intent)
        if correction is not None:
            first, intent = correction
            rest = self._answer(intent, retrieval)
            return first if rest.abstained else joined(first, rest)
        return self._answer(intent, retrieval)

    def _answer(self, intent: Intent, retrieval: Retrieval) -> Draft:
        ev = self.evidence
        ranked, scores = ev.ranked(intent, retrieval)
        if not ranked:
            return abstention("The article doesn't answer that.")
        similarity = ev.similarity(intent, ranked[:ev.limits.strong_window])
        closest = max(similarity.values())
        missing = self.missing_focus(intent, closest)
        if missing:
            return abstention(missing)
        pool = ranked[:ev.limits.evidence_pool]
        named = [fold(x) for x in intent.entries + intent.names]
        held = [fold(e.name) for e in ev.entries(intent)] if not intent.entries and intent.ranks else []
        subjects = named + held
        about_named = [s for s in ranked if self._about(s, named)] if named else []
        if subjects:  # the value must be about what the question names ("the tallest tower" names one too)
            about = [s for s in ranked if self._about(s, subjects)] if held else about_named
            pool = about[:ev.limits.evidence_pool]
        if about_named:  # what it names by name comes first (not a rank's holder: "the top install method")
            first = {s.index for s in about_named}
            ranked = about_named + [s for s in ranked if s.index not in first]
        if intent.answer_type in _TYPED and not self._focus_is_entry(intent):
            holding = [s for s in pool if self._holds_type(s, intent)]
            if not holding:
                return abstention(self._type_message(intent))
            ranked = holding + [s for s in ranked if s not in holding]
        if intent.answer_type is AnswerType.PERSON and subjects and pool and \
                not ev.names_in(pool, set(subjects)):
            # "who presented X?": what the article says about X names nobody but X itself
            clause = intent.clause
            return abstention(f"The article doesn't say {clause}: it names no one for that." if clause else
                              "The article doesn't name anyone for that.")
        if intent.answer_type is AnswerType.PERSON and subjects:
            # "who presents X?": the sentences about X that name a person come first
            people = [s for s in pool if _people(s, set(subjects))]
            ranked = people + [s for s in ranked if s not in people]
        best = ranked[0]
        coverage = ev.coverage(intent, best)
        if closest < ev.limits.abstain_similarity and coverage < ev.limits.strong_coverage and not intent.entries \
                and not intent.names:
            return abstention("The article doesn't answer that: nothing in it matches the question closely "
                              "enough to quote.")
        picks = [best]
        for s in ranked[1:]:
            if len(picks) >= ev.limits.max_sentences:
                break
            cover = ev.coverage(intent, s)
            close = scores[s.index] >= ev.limits.fact_close_ratio * scores[best.index] and cover >= coverage > 0
            same_section = s.section == best.section and \
                scores[s.index] >= ev.limits.fact_section_ratio * scores[best.index]
            if (close or same_section) and cover > 0:
                picks.append(s)
        picks.sort(key=lambda s: s.start)
        lead = self.lead(intent, best)
        draft = Draft()
        for sentence in picks:
            prefix = f"{lead}: " if lead and sentence is best else ""
            if not prefix and len({p.section for p in picks}) > 1 and sentence.city:
                prefix = f"{sentence.city}: "
            self.quote(draft, sentence, prefix=prefix)
        return draft

    def _about(self, sentence: Sentence, subjects: list[str]) -> bool:
        """Whether a sentence is about one of the (folded) subjects: it sits in the subject's section, names it,
        or follows a sentence of the same passage that does ("X is a podcast by Y. It is presented by Z.")."""
        if fold(sentence.chunk.city or "") in subjects:
            return True
        sentences = self.kb.sentences  # in passage order: a passage's sentences are neighbours
        i = sentence.index
        while i >= 0 and sentences[i].chunk.id == sentence.chunk.id:
            if any(x in fold(sentences[i].text) for x in subjects):
                return True
            i -= 1
        return False

    # -- refusal by answer type -----------------------------------------------------------------------
    def _focus_is_entry(self, intent: Intent) -> bool:
        return intent.focus is not None and stem(intent.focus.head) in {stem(self.kb.noun), stem(self.kb.nouns)}

    def missing_focus(self, intent: Intent, closest: float) -> str | None:
        """What the question asks for that the article never mentions, as a plain refusal."""
        focus = intent.focus
        if focus is None or self._focus_is_entry(intent) or closest >= self.evidence.limits.focus_similarity:
            return None
        if focus.ranked and intent.ranks and intent.answer_type not in _TYPED:
            return None  # "who is the winner?": the focus is the entry at the rank, whatever the article calls it
        if focus.verb and focus.head != focus.verb and intent.answer_type in {AnswerType.DATE, AnswerType.PERSON} \
                and not self.evidence.in_article(focus.verb):
            clause = intent.clause
            return f"The article doesn't say {clause}." if clause else "The article doesn't say: nothing in it " \
                "answers that."
        if focus.verb and focus.head == focus.verb:
            if self.evidence.in_article(focus.verb) or intent.answer_type not in {
                    AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY}:
                return None
            clause = intent.clause
            return f"The article doesn't say {clause}." if clause else \
                "The article doesn't say: nothing in it answers that."
        if self.evidence.in_article(focus.head) or focus.head in VALUE_WORDS:
            return None
        if focus.named:  # "the name of X's flagship product": a thing the article never mentions has no name in it
            return f"The article doesn't name {focus.whole or 'the ' + focus.phrase}."
        if intent.answer_type not in _TYPED | {AnswerType.PERSON} and self.evidence.asks_in_question_words(focus):
            return None  # the language of questions ("which position", "the gist"), not a topic
        if intent.answer_type not in _TYPED | {AnswerType.PERSON, AnswerType.PLACE} and \
                closest >= self.evidence.limits.abstain_similarity:
            return None  # an untyped focus ("the short version") is only refused when nothing is close
        if intent.answer_type is AnswerType.NAME:
            where = f" in {focus.owner}" if focus.owner else ""
            return f"The article doesn't name any {focus.phrase}{where}."
        verb = "name" if intent.answer_type is AnswerType.PERSON else "give"
        owned = focus.whole or (f"the {focus.phrase} of {focus.owner}" if focus.owner else f"the {focus.phrase}")
        return f"The article doesn't {verb} {owned}."

    def _holds_type(self, sentence: Sentence, intent: Intent) -> bool:
        wanted = intent.answer_type
        kinds: tuple[str, ...]
        if wanted is AnswerType.MONEY and (intent.focus is None or intent.focus.head not in _money_heads()):
            kinds = ("money", "percent", "count", "quantity")
        else:
            kinds = {AnswerType.DATE: ("date",), AnswerType.MONEY: ("money",), AnswerType.PERCENT: ("percent",),
                     AnswerType.COUNT: ("count", "quantity")}[wanted]
        found = sentence.entities_of(*kinds)
        if wanted is AnswerType.DATE:  # a point in time, not a duration ("in 20 days")
            found = [e for e in found if _POINT_IN_TIME.search(e.text)]
        if wanted is AnswerType.COUNT:  # "one of the most …" picks one out; it counts nothing
            found = [e for e in found if fold(e.text) != "one"]
            if not found and self._counted_number(sentence, intent):
                return True
        if not found:
            return False
        if wanted is AnswerType.COUNT and intent.focus is not None:
            # what is counted: the noun ("people"), or the doing ("people attended" -> "attendees"); a table row's
            # column headers say what its cells count
            counted = {stem(w) for w in (intent.focus.head, intent.focus.verb) if w}
            entry = self.kb.entry_of(sentence) if sentence.chunk.kind == "row" else None
            headers = {t for topic in entry.topics for t in terms(topic)} if entry else set()
            have = self.kb.sentence_terms[sentence.index] | headers
            return any(self.evidence.expanded(w) & have for w in counted) and self._counts_the_doing(intent, have)
        return True

    def _counts_the_doing(self, intent: Intent, have: set[str]) -> bool:
        """"How many people live in X?" counts residents: a counted noun the sentence has only through a synonym
        ("people" as "users") counts them only when the sentence also says the living (lexicon
        `residence_verbs`), or a word made from it; a noun the sentence itself writes needs no more."""
        focus = intent.focus
        if focus is None or not focus.verb or focus.verb == focus.head or focus.verb not in RESIDENCE_VERBS:
            return True
        head = stem(focus.head)
        if self.evidence.literal(head) & have:
            return True
        verb = stem(focus.verb)
        return any(t.startswith(verb) for t in have)

    def _type_message(self, intent: Intent) -> str:
        focus = intent.focus
        if intent.answer_type is AnswerType.COUNT and focus is not None and focus.head != focus.verb:
            return f"The article doesn't give a number of {focus.phrase}."
        if intent.answer_type is AnswerType.DATE:
            clause = intent.clause
            return f"The article doesn't say {clause}." if clause else "The article doesn't give a date for that."
        if intent.answer_type is AnswerType.PERCENT:
            return "The article doesn't give a percentage for that."
        if intent.answer_type is AnswerType.MONEY:
            return "The article doesn't give an amount for that."
        return "The article doesn't give a number for that."

    # -- the lead -------------------------------------------------------------------------------------
    def lead(self, intent: Intent, sentence: Sentence) -> str | None:
        """The direct answer to put first: an entry, a name or a number of the type asked for."""
        ev = self.evidence
        asked = {fold(x) for x in intent.entries + intent.names}
        if intent.answer_type in {AnswerType.ENTRY, AnswerType.PLACE}:
            found = [e.name for e in ev.entries_in(sentence) if fold(e.name) not in asked]
            return name_list(found) if found else None
        if intent.answer_type in {AnswerType.NAME, AnswerType.PERSON}:
            if sentence.chunk.kind == "row":
                return None  # a table row's cells are no sentence to pick a name from
            people = _people(sentence, asked) if intent.answer_type is AnswerType.PERSON else []
            names = people or [n for n, _ in ev.names_in([sentence], asked)]
            return name_list(names[:3]) if names else None
        if intent.answer_type in _TYPED:
            if intent.focus is not None:  # a table row: the cell under the header that names what was asked
                head = self.evidence.expanded(stem(fold(intent.focus.head)))
                cell = next((v for h, v in sentence.cells() if head & set(terms(h)) and v), None)
                if cell:
                    return cell
            counted = self._counted_number(sentence, intent) if intent.answer_type is AnswerType.COUNT else None
            if counted:
                return counted
            kinds = ("money", "percent", "count", "quantity", "date")
            entity = ev.nearest(sentence.entities_of(*kinds), sentence, intent)
            return entity.text if entity else None
        return None

    def _counted_number(self, sentence: Sentence, intent: Intent) -> str | None:
        """The number written right before the counted noun ("274k occurrences"), whatever the entity
        tagger made of it."""
        if intent.focus is None:
            return None
        wanted = self.evidence.expanded(stem(intent.focus.head))
        for match in _NUMBER_BEFORE_WORD.finditer(sentence.text):
            if stem(fold(match.group(2))) in wanted:
                return match.group(1)
        return None


def _money_heads() -> set[str]:
    from ingest.core.lexicon import MONEY_VERBS, TYPE_NOUNS

    return {w for w, kind in TYPE_NOUNS.items() if kind == "money"} | MONEY_VERBS


def _people(sentence: Sentence, exclude: set[str]) -> list[str]:
    """The people a sentence names (by the entity recogniser's PERSON label), other than the excluded names."""
    return list(dict.fromkeys(e.text for e in sentence.entities if e.label == "PERSON" and fold(e.text) not in exclude))


class RankHolderFact(Fact):
    """"What boat did the runner-up sail?": a fact question about the entry at a rank is asked of that entry (of
    every entry tied there), as if the question had named it."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        if len(intent.ranks) != 1 or intent.entries:
            return None
        held = self.kb.entries_at(intent.ranks[0])
        if not held:
            return None
        return super().answer(replace(intent, entries=tuple(e.name for e in held)), retrieval)
