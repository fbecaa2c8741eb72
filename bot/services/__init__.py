"""Plain services: SQL and rules for each feature. Nothing here imports discord."""
