"""Ingest: load the article, clean and parse it, chunk, embed, and store it in Chroma."""
