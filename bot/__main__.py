"""``python -m bot``: the ``partnerbot`` command line (:mod:`bot.cli`)."""

import sys

from bot.cli import main

sys.exit(main())
