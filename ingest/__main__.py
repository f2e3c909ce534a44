"""`python -m ingest [SOURCE] [--rebuild]`: index an article (see `ingest.cli`); never imports the app."""

import sys

from ingest.cli import main

sys.exit(main())
