"""The sandbox's little command language: its words, its help, and how a line is cut into words."""

from __future__ import annotations

import re
import shlex
from datetime import timedelta

HELP = """\
Sandbox commands (one per line; lines starting with # are comments):
  /lead add partner:"Europeana" level:global direction:external
                         run a slash command as the current member (options as name:value, quote spaces)
  in thread L-1 /checklist status   run a slash command, click or select in a place: a thread (a lead's
                         checklist thread, or a thread by name), a channel (in #leads ...) or your DM with
                         the bot (in dm /feedback retract code:...); without `in`, commands run in #general
  as carol               act as another member (alice, bob: working group; carol, erin: reviewers; dave: member)
  dm <text>              write to the bot in a direct message
  click "Send anonymously"   press a button on the latest message that has it
  click 2 "Next"         ... on the second latest such message
  select "Topic" partnership   choose option(s) in the latest select whose placeholder matches
  modal summary:"..." offer:"..."   fill and submit the open modal (field names or labels)
  wait 7d                let time pass (d, h, m): reviews close, digests go out
  show #digest           print a channel, a thread (show thread L-1) or a DM (show dm dave), each message
                         with when it was posted; relative times ("2 days ago") count from the sandbox's now
  locale es-ES           change the current member's Discord language (en-US, es-ES, fr, ar)
  help /lead add         what one slash command takes; `help` alone lists them all
  whoami / help / quit"""

#: The words a line may start with (besides a slash command).
WORDS = ("as", "dm", "click", "select", "modal", "wait", "show", "locale", "in", "help", "whoami", "quit", "exit")
#: ``in PLACE LINE``: the place is dm, #channel, or thread NAME (one word, or quoted).
IN_PLACE = re.compile(r"""(dm|#\S+|thread\s+(?:"[^"]*"|'[^']*'|[^\s/"']\S*))\s+(\S.*)""", re.S)
DURATION = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")
MAX_WAIT = timedelta(days=366)  # time moves an hour per background pass


class SandboxError(Exception):
    """A line the sandbox cannot run: shown as a one-line hint."""


def split(text: str) -> list[str]:
    """``text`` cut into words as a shell would (quotes keep spaces), or a hint when it cannot be."""
    try:
        return shlex.split(text)
    except ValueError as error:
        problem = "a quotation mark is not closed" if "quotation" in str(error) else str(error)
        raise SandboxError(f"could not read that line: {problem}.") from None
