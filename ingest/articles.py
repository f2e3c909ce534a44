"""The library of stored articles: every ingested article is its own Chroma collection, named from its article
id, with the manifest that says what it is (title, source, ranked noun, entry count, when it was built).

The shipped article (`Settings.source_path`) keeps the collection `Settings.collection`; any other article `ID`
lives in `<collection>--ID`, beside its companions (`<name>_ml`, the multilingual index, and `<name>-vectors`,
the kept vectors). An article's id comes from its file name (`rivers.md` -> `rivers`; a page fetched from a URL
is kept under a name made of its address), so ingesting the same file again refreshes it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.core.errors import AICitiesError
from ingest.core.settings import Settings
from ingest.multilingual import ML_SUFFIX
from ingest.store import MANIFEST_KEY, STRUCTURE_KEY, ArticleIndex, Manifest

logger = logging.getLogger(__name__)

ID_MAX_CHARS = 60
_SEPARATOR = "--"


class UnknownArticleError(AICitiesError, LookupError):
    """No stored article has this id (`ai-cities articles` lists them)."""


class ProtectedArticleError(AICitiesError, ValueError):
    """The shipped article cannot be removed."""


def slug(text: str) -> str:
    """An article id made of `text`: lower-case letters, digits and single hyphens, at most `ID_MAX_CHARS`."""
    folded = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return folded[:ID_MAX_CHARS].rstrip("-") or "article"


def shipped_article_id(settings: Settings) -> str:
    """The id of the shipped article (the one `Settings.source_path` names)."""
    return slug(settings.source_path.stem)


def article_id_for(source: Path, settings: Settings) -> str:
    """The id an article read from `source` is stored under: the shipped id for the shipped file, else the slug
    of the file's name."""
    try:
        if source.resolve() == settings.source_path.resolve():
            return shipped_article_id(settings)
    except OSError:
        pass
    return slug(source.stem)


def collection_for(settings: Settings, article_id: str) -> str:
    """The Chroma collection of the article `article_id`."""
    if article_id == shipped_article_id(settings):
        return settings.collection
    return f"{settings.collection}{_SEPARATOR}{article_id}"


@dataclass(frozen=True)
class StoredArticle:
    """One article of the library, as `ai-cities articles` lists it."""

    id: str
    collection: str
    title: str
    source: str  # the file it was read from
    url: str  # the http(s) address it was fetched from ("" for a file)
    noun: str  # what the article ranks, plural ("cities", "rivers")
    entries: int  # how many entries its ranking has
    ingested_at: str  # ISO time of the build ("" when the shipped article is not indexed yet)
    shipped: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)


def describe(manifest: Manifest, metadata: dict[str, Any], *, article_id: str, collection: str,
             shipped: bool) -> StoredArticle:
    """The library entry of one collection: its manifest's description, else (an index built before manifests
    carried one) what its stored outline says."""
    title, noun, entries = manifest.title, manifest.noun, manifest.entry_count
    if not title:
        try:
            outline = json.loads(metadata.get(STRUCTURE_KEY) or "{}")
        except ValueError:
            outline = {}
        title = ((outline.get("title") or {}).get("text") or "").strip()
        profile = outline.get("profile") or {}
        noun = str(profile.get("noun_plural") or "")
        entries = sum(1 for s in outline.get("sections", []) if s.get("rank"))
    return StoredArticle(id=article_id, collection=collection, title=title or manifest.source_name,
                         source=manifest.source_path, url=manifest.source_url, noun=noun, entries=entries,
                         ingested_at=manifest.built_at, shipped=shipped)


def list_articles(client: Any, settings: Settings) -> list[StoredArticle]:
    """Every article stored in the Chroma database of `client`: the shipped one first (listed even before its
    first ingest), then the others by title."""
    shipped_id = shipped_article_id(settings)
    found: dict[str, StoredArticle] = {}
    for collection in client.list_collections():
        metadata = dict(collection.metadata or {})
        raw = metadata.get(MANIFEST_KEY)
        if not raw:
            continue
        try:
            manifest = Manifest.model_validate_json(raw)
        except ValueError:
            logger.warning("Collection %s has an unreadable manifest; not listed.", collection.name)
            continue
        article_id = manifest.article_id or (shipped_id if collection.name == settings.collection else "")
        # companions (`_ml`, builds being swapped in) carry the same manifest under another name
        if not article_id or collection_for(settings, article_id) != collection.name:
            continue
        found[article_id] = describe(manifest, metadata, article_id=article_id, collection=collection.name,
                                     shipped=article_id == shipped_id)
    shipped = found.pop(shipped_id, None) or StoredArticle(
        id=shipped_id, collection=settings.collection, title=settings.source_path.stem, source=str(
            settings.source_path), url="", noun="", entries=0, ingested_at="", shipped=True)
    return [shipped, *sorted(found.values(), key=lambda a: (a.title.lower(), a.id))]


def find_article(client: Any, settings: Settings, article_id: str) -> StoredArticle:
    """The stored article `article_id`.

    Raises:
        UnknownArticleError: no article has that id.
    """
    articles = list_articles(client, settings)
    for article in articles:
        if article.id == article_id:
            return article
    known = ", ".join(a.id for a in articles)
    raise UnknownArticleError(f"No article {article_id!r} in the library (known: {known}). "
                              "`ai-cities articles` lists them; `ai-cities ingest FILE_OR_URL` adds one.")


def article_exists(client: Any, settings: Settings, article_id: str) -> bool:
    """True when the article's collection is in the store with its manifest (one lookup, no listing)."""
    try:
        collection = client.get_collection(collection_for(settings, article_id))
    except Exception:  # Chroma raises its own NotFoundError (or a ValueError in older versions)
        return False
    return bool((collection.metadata or {}).get(MANIFEST_KEY))


def remove_article(client: Any, settings: Settings, article_id: str) -> StoredArticle:
    """Delete the article's collection and its companions (multilingual index, kept vectors), and nothing else.

    Raises:
        UnknownArticleError: no article has that id.
        ProtectedArticleError: it is the shipped article.
    """
    article = find_article(client, settings, article_id)
    if article.shipped:
        raise ProtectedArticleError(f"{article_id!r} is the shipped article; it is always in the library.")
    for name in (article.collection, f"{article.collection}{ML_SUFFIX}",
                 ArticleIndex.vectors_name_of(article.collection)):
        try:
            client.delete_collection(name)
        except Exception as exc:  # a companion that was never built
            logger.debug("No collection %s to delete (%s)", name, exc)
    return article
