"""Keep feedback authors and texts out of every log line while the feedback cog is loaded.

Feedback passes through two libraries that log what they carry at DEBUG: discord.py (a feedback DM's
gateway event holds its author and text, the REST body of a digest quotes released feedback, REST URLs
carry the DM channel id) and aiosqlite (each statement with its parameters, on the main database and on
the feedback store alike). :mod:`bot.logs` redacts their records as they are made, whatever the level;
the cog holds that redaction while it is loaded (the CLI, ``setup_logging`` and the sandbox hold it for
the whole process), so a bot embedded some other way is covered too.
"""

from __future__ import annotations

from bot.logs import ID, TOKEN, WITHHELD, install, installed, redact, uninstall

__all__ = ["ID", "TOKEN", "WITHHELD", "install", "installed", "redact", "uninstall"]
