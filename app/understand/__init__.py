"""Question understanding: hygiene, the spaCy parse, the intent classifier and the analyzer that turns a question into
an `Intent`."""
