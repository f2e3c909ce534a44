"""`python -m ingest [SOURCE] [--rebuild]` is `ai-cities ingest`."""

import sys

from app.cli import main

sys.exit(main(["ingest", *sys.argv[1:]]))
