"""Answering: the evidence of a question, the router that picks one strategy per intent kind, the strategies, and
the drafts they write."""
