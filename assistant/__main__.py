"""``python -m assistant`` is the ``assistant`` command."""

import sys

from assistant.cli.main import main

sys.exit(main())
