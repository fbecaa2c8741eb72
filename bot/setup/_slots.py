"""What ``partnerbot setup`` picks: each channel and role the config names, its flag and what it is for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Slot:
    """One channel or role of the config, picked by name."""

    #: The config key it fills, ``channels.leads``.
    key: str
    kind: Literal["channel", "role"]
    #: The command-line flag that names it without asking.
    flag: str
    title: str
    #: What it is for, shown when asking.
    purpose: str
    #: The name offered for a new one; None: setup never creates it (the optional members role).
    suggested: str | None
    #: Whether only the working group (and the reviewers and the bot) may read it.
    private: bool = False

    @property
    def dest(self) -> str:
        """The flag's attribute on argparse's namespace."""
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def optional(self) -> bool:
        return self.suggested is None


_PRIVATE = "private to the working group"

SLOTS = (
    Slot(
        "channels.leads",
        "channel",
        "--leads-channel",
        "leads channel",
        f"new lead cards and review cards (Approve / Veto / Recuse); {_PRIVATE}",
        "partnership-leads",
        private=True,
    ),
    Slot(
        "channels.checklists",
        "channel",
        "--checklists-channel",
        "checklists channel",
        f"one thread for each checklist run; {_PRIVATE}",
        "partnership-checklists",
        private=True,
    ),
    Slot(
        "channels.announcements",
        "channel",
        "--announcements-channel",
        "announcements channel",
        "working-group updates, each with a discussion thread; public",
        "partnership-updates",
    ),
    Slot(
        "channels.digest",
        "channel",
        "--digest-channel",
        "digest channel",
        f"the scheduled digest, which quotes released anonymous feedback; {_PRIVATE}",
        "partnership-digest",
        private=True,
    ),
    Slot(
        "roles.working_group",
        "role",
        "--working-group-role",
        "working-group role",
        "the partnerships working group: sees every lead, runs checklists, posts updates and digests",
        "Partnerships working group",
    ),
    Slot(
        "roles.reviewers",
        "role",
        "--reviewers-role",
        "reviewers role",
        "everything the working group can, plus approving or vetoing leads under review",
        "Partnership reviewers",
    ),
    Slot(
        "roles.members",
        "role",
        "--members-role",
        "members role",
        "who counts as a member (may log leads and send feedback); none: everyone in the server",
        None,
    ),
)
