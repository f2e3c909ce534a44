"""Rankings written in sentences (ingest/prose_ranks.py): each mechanism on made-up sentences of its own."""

from __future__ import annotations

import pytest

from ingest.document import read_document
from ingest.nlp import english_pipeline
from ingest.prose_ranks import _frame_matches, _matchers, _sentence_ranks, _sentences, _verb_lemma, prose_ranking


def ranked(text: str) -> list[tuple[int, str]]:
    ranking = prose_ranking(read_document(text, "text"))
    assert ranking is not None, "no ranking read"
    return [(e.rank, e.name) for e in ranking.entries]


def sentence_ranks(sentence: str) -> list[tuple[int, str]]:
    """The (rank, name) pairs one sentence states, frames first and the dependency parse for the rest."""
    nlp = english_pipeline()
    phrases, frames = _matchers(nlp)
    parsed = nlp(sentence)
    (sent,) = _sentences(parsed)
    pairs = _sentence_ranks(sent, phrases, nlp, _frame_matches(parsed, frames))
    return [(rank, sentence[a:b]) for rank, (a, b) in pairs]


# Each sentence here is one the small model parses wrongly ("share" as a noun, a name as an adverb or a verb), so
# the parse alone reads no rank from it: the frame's side reads the names.
@pytest.mark.parametrize(("sentence", "expected"), [
    ("Bramble and Copper Pot share 12th place.", [(12, "Bramble"), (12, "Copper Pot")]),
    ("Gate No. 4 and Mossley share 21st place.", [(21, "Gate No. 4"), (21, "Mossley")]),
    ("In 23rd place is 山茶.", [(23, "山茶")]),
    ("In 14th place is 森の珈琲.", [(14, "森の珈琲")]),
    ("Our choice: 森の珈琲 tops the list.", [(1, "森の珈琲")]),
])
def test_a_frame_reads_the_names_on_its_side_where_the_parse_fails(sentence: str,
                                                                   expected: list[tuple[int, str]]) -> None:
    assert sentence_ranks(sentence) == expected


def test_names_after_followed_by_pair_with_the_ordinals_after_them() -> None:
    assert sentence_ranks("Fern Hall came 3rd, followed by Lark Rise and 山茶 in fourth and fifth.") == \
        [(3, "Fern Hall"), (4, "Lark Rise"), (5, "山茶")]


def test_a_tie_verb_gives_every_name_before_it_the_rank_in_a_document() -> None:
    text = ("Favourite tea rooms\n\nMarlow Tea House came first.\n\n"
            "Bramble and Copper Pot share second place.\n\nIn fourth place is 松风茶室. 松风茶室 serves oolong.")
    assert ranked(text) == [(1, "Marlow Tea House"), (2, "Bramble"), (2, "Copper Pot"), (4, "松风茶室")]


def test_a_words_lemma_as_a_verb_holds_where_the_tagger_lemmatised_it_as_something_else() -> None:
    vocab = english_pipeline().vocab
    assert (_verb_lemma(vocab, "tops"), _verb_lemma(vocab, "came"), _verb_lemma(vocab, "shares")) == \
        ("top", "come", "share")


def test_an_abbreviation_ending_the_sentence_gives_its_dot_to_the_sentence() -> None:
    text = "Tea rooms\n\nMarlow Tea House came first.\n\nBirch Lane came second.\n\nIn third place is Harlow & Co."
    assert ranked(text)[-1] == (3, "Harlow & Co")


def test_where_no_frame_fits_the_dependency_parse_still_names_the_subject() -> None:
    # "In 2019, Birch Lane" holds two name-like parts for one rank: the frame does not fit, the parse does
    text = "Cafés\n\nAlder Hall came first. In 2019, Birch Lane came second. Cedar Row finished third."
    assert ranked(text) == [(1, "Alder Hall"), (2, "Birch Lane"), (3, "Cedar Row")]


@pytest.mark.parametrize("text", ["Birch + Ember came 7th. Birch + Ember roasts its own beans.",
                                  "Gate No. 4 opened in 1990. Its porch faces the bay."])
def test_sentences_end_only_at_a_full_stop_not_inside_a_name(text: str) -> None:
    parsed = english_pipeline()(text)
    ends = [s.text[-1] for s in _sentences(parsed)]
    assert ends == ["."] * len(ends)
    assert " ".join(s.text for s in _sentences(parsed)) == text


def test_an_entrys_other_sentences_go_with_it_when_its_name_holds_a_plus() -> None:
    text = ("Coffee bars\n\nBirch + Ember came first. Birch + Ember roasts its own beans.\n\n"
            "Wren Loaf came second.\n\nCrumb Street came third.")
    ranking = prose_ranking(read_document(text, "text"))
    assert ranking is not None
    doc_text = read_document(text, "text").text
    assert [doc_text[a:b] for a, b in ranking.entries[0].sentences] == \
        ["Birch + Ember came first.", "Birch + Ember roasts its own beans."]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Impressive results came from Vellmark at #10.", [(10, "Vellmark")]),  # a number after a number sign
    ("The Orrin Survey shows Kestria at number 3, up from 9th.", [(3, "Kestria")]),
    ("Brindle and Osk came in joint 12th.", [(12, "Brindle"), (12, "Osk")]),  # "joint": a tie
    ("Norvale topped the 2031 Openness Index.", [(1, "Norvale")]),  # to top a named ranking is first place
])
def test_ranks_by_number_sign_joint_ties_and_topping_a_named_index(sentence: str,
                                                                    expected: list[tuple[int, str]]) -> None:
    assert sentence_ranks(sentence) == expected


def test_a_text_that_ranks_the_first_few_may_skip_to_ranks_further_down() -> None:
    text = ("The Kite Index\n\nAlder Hall came first. Birch Lane came second, and Cedar Row finished third. "
            "Further down, Dunmore came 7th and Elm Quay came in joint 9th with Fallow.")
    assert ranked(text) == [(1, "Alder Hall"), (2, "Birch Lane"), (3, "Cedar Row"), (7, "Dunmore"), (9, "Elm Quay")]


def test_followed_by_without_an_ordinal_is_the_next_rank_and_a_former_place_is_no_rank() -> None:
    assert sentence_ranks("Norvale topped the 2031 Kite Index, closely followed by Estmark and then Vesta at "
                          "number 3, up from 9th last year.") == [(1, "Norvale"), (2, "Estmark"), (3, "Vesta")]


def test_a_name_ends_before_its_relative_pronoun_and_a_phrase_gives_its_last_name() -> None:
    assert sentence_ranks("Good results came from southern regions like Solmere and Tarn who came in joint 12th.") \
        == [(12, "Solmere"), (12, "Tarn")]


def _prose_ranks(text: str) -> list[tuple[int, str]]:
    ranking = prose_ranking(read_document(text, "markdown"))
    return [(e.rank, e.name) for e in ranking.entries] if ranking else []


def test_came_last_is_the_place_after_every_other_the_text_gives() -> None:
    text = ("# Quiz night at the Owl\n\nThe Owls came first with 41 points. The Kites came second with 38. "
            "The Herons finished third with 30. The Wrens came last with 12, but enjoyed the evening.\n")
    assert _prose_ranks(text) == [(1, "The Owls"), (2, "The Kites"), (3, "The Herons"), (4, "The Wrens")]


def test_came_last_takes_the_count_the_title_announces_and_only_one_name_is_last() -> None:
    counted = ("# The 6 teams of the Tarn relay\n\nThe Otters came first. The Voles came second. The Newts finished "
               "third. The Stoats finished in last place after a fall.\n")
    assert _prose_ranks(counted)[-1] == (6, "The Stoats")
    two_last = ("# Tarn relay\n\nThe Otters came first. The Voles came second. The Newts finished third. The Stoats "
                "came last. The Moles came last too, in the other heat.\n")
    assert [r for r, _ in _prose_ranks(two_last)] == [1, 2, 3]
