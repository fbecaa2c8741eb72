"""Migrations of the feedback store, a database file of its own (see bot/db)."""
