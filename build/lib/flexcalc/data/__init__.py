"""Bundled reference tables and the offline sample dataset (see SOURCES.md)."""
