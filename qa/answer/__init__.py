"""Answering: turn retrieved passages into a cited answer (extractive or LLM)."""
