"""The last step of every answer: check it before it is shown.

Every citation must quote the source verbatim at its offsets and be referenced by a marker in the text, and the
text must be free of template defects (empty lists, function words in a slot, dangling dashes). A broken
citation is removed and logged; defects are logged. The same checks back the tests over generated questions.

What the reader sees is a rendering of the quotes without markdown's inline markers ("**Acme** is …" reads
"Acme is …"); the citations themselves keep the source's characters, so they still check against its offsets.
"""

from __future__ import annotations

import logging
import re

from app.answer.draft import Draft
from ingest.core.text import STOPWORDS, unmarked

logger = logging.getLogger(__name__)

_LEAD = re.compile(r"^(?:Yes\. |No\. )?([^:\n\[]{1,40}): ", re.M)
_DEFECTS = {
    "empty brackets": re.compile(r"\(\s*\)|\[\s*\]"),
    "dangling dash": re.compile(r"[—–-]\s*(?:$|\[|\n)|^\s*[—–]", re.M),
    "doubled punctuation": re.compile(r"(?<!\.)\.\.(?!\.)|,\s*,|,\s*\.|:\s*\.|\s+[,.;:](?!\d)"),
    "empty list": re.compile(r"\b(?:are|is|include|includes|names these [\w ]+):\s*(?:\.|$|\[)", re.M),
    "placeholder": re.compile(r"\{[a-z_]+\}|\bNone\b(?! of)|\bnan\b"),
    # a slot filled with a verb ("the number of are"), or with an article and nothing after it ("the date of the.");
    # "the latest date of the 15 shows" is English
    "function word in a slot": re.compile(
        r"\b(?:number|amount|date) of (?:(?:are|is|did|does|do|was|were)\b|(?:the|a|an)(?=\s*(?:[.?!,;:\[]|$)))"),
}
_LABELS_ALLOWED = frozenset({"Yes", "No"})


def template_defects(text: str) -> list[str]:
    """Names of the template defects found in an answer text (empty when it reads well)."""
    found = [name for name, pattern in _DEFECTS.items() if pattern.search(text)]
    for match in _LEAD.finditer(text):
        lead = match.group(1).strip()
        if lead.lower() in STOPWORDS and lead not in _LABELS_ALLOWED:
            found.append(f"function word as a lead ({lead!r})")
    return found


def verify(draft: Draft, source_text: str) -> Draft:
    """Drop citations that do not quote the source verbatim; render the text without markdown markers; log
    template defects. Returns the draft."""
    kept = []
    for citation in draft.citations:
        if source_text[citation.start:citation.end] != citation.quote:
            logger.error("Dropped a citation whose quote is not the source text at %d:%d: %r", citation.start,
                         citation.end, citation.quote[:80])
            continue
        kept.append(citation)
    if len(kept) != len(draft.citations):
        draft.citations = kept
    draft.parts = [unmarked(part) for part in draft.parts]
    defects = template_defects(draft.text)
    if defects:
        logger.warning("Answer has template defects %s: %r", defects, draft.text[:200])
    return draft
