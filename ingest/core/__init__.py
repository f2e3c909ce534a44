"""The small core that ingest and app share: settings, errors, typed results, text helpers and the lexicon.

It is the lowest layer: `ingest` and `app` import it, and it imports neither of them.
"""
