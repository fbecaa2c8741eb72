"""A simulated Discord for tests, benchmarks and ``partnerbot sandbox``.

Built on dpytest (its id and payload factories) and extended with what dpytest 0.7 lacks: real
INTERACTION_CREATE payloads for slash commands, autocomplete, buttons, selects and modals, fed to
discord.py's own parser; interaction responses captured at the webhook layer; threads; DMs both
ways; injected faults; and restarts on the same database.
"""

from bot.sim import ids
from bot.sim.harness import Sim
from bot.sim.models import InteractionResult, SimChannel, SimMessage, SimModal, SimUser
from bot.sim.payloads import SimError
from bot.sim.server import SimServer

ids.install()

__all__ = [
    "InteractionResult",
    "Sim",
    "SimChannel",
    "SimError",
    "SimMessage",
    "SimModal",
    "SimServer",
    "SimUser",
]
