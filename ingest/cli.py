"""`python -m ingest [SOURCE] [--rebuild]`: index a source article (a file or an http(s) URL) into the library in
Chroma (`ingest.articles`: its own collection, under an id made of its file name), without the app.

The same job as `ai-cities ingest`, built from ingest's own pieces (settings, fetch, embedder, store,
pipeline), so indexing never imports the question-answering app.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ingest.core.cli import load_settings, quiet_environment, run_guarded

SOURCE_HELP = ("path to a .txt, .md or .html file, or the http(s) URL of an HTML, markdown or text page "
               "(default: AICITIES_SOURCE_PATH)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m ingest`."""
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Index a source article into Chroma "
                                     "(skipped when the index was already built from the same inputs).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO; DEBUG for ours)")
    parser.add_argument("source", nargs="?", help=SOURCE_HELP)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    return parser


def source_argument(source: str | None, settings, show_progress: bool | None = None) -> Path | None:
    """The SOURCE a command line was given, as a file to ingest: a URL is fetched first (into
    `settings.sources_dir`, saying so on stdout) and its copy is the file; None stays None (the configured one).

    Raises:
        SourceError: the URL cannot be fetched or is not a page ingest reads.
    """
    if not source:
        return None
    from ingest.fetch import fetch_with_settings, is_url

    if not is_url(source):
        return Path(source)
    fetched = fetch_with_settings(source, settings, show_progress=show_progress)
    print(fetched.summary(), flush=True)
    return fetched.path


def ingest(source: str | Path | None = None, *, rebuild: bool = False, show_progress: bool | None = None):
    """Index `source` (a path or an http(s) URL; default: the configured one) with the configured embedder
    and store.

    Returns:
        The pipeline's `IngestReport`.
    """
    from ingest.articles import article_id_for, collection_for
    from ingest.embeddings import LocalEmbeddings
    from ingest.pipeline import ingest_source
    from ingest.store import ArticleIndex, make_client

    settings = load_settings()
    path = source_argument(str(source) if source else None, settings, show_progress) or settings.source_path
    article_id = article_id_for(path, settings)
    embeddings = LocalEmbeddings(settings.embedding_model_path, torch_threads=settings.torch_threads,
                                 engine=settings.embedding_engine)
    index = ArticleIndex(make_client(settings), collection_for(settings, article_id), embeddings)
    return ingest_source(index, embeddings, path, rebuild=rebuild, max_bytes=settings.max_source_bytes,
                         show_progress=show_progress, article_id=article_id)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m ingest`; returns the exit code (0 ok, 1 an error, 2 bad arguments)."""
    quiet_environment()
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))

    def run() -> int:
        report = ingest(args.source, rebuild=args.rebuild)
        print(report.summary())
        if report.article_id:
            print(f"article {report.article_id!r} (ask it with `ai-cities ask --article {report.article_id}`)")
        return 0

    return run_guarded(run, verbose=args.verbose)
