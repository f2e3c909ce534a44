"""`python -m app ...` is the `ai-cities` command."""

import sys

from app.cli import main

sys.exit(main())
