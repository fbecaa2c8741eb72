"""Partnerships bot: one place for a working group's partnership leads, checklists, digests and feedback."""

__version__ = "0.1.0"
