"""Ingestion: load files, clean them, split into passages, de-duplicate."""
