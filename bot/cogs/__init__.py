"""Discord glue, one extension per feature. Every module here not starting with ``_`` is loaded."""
