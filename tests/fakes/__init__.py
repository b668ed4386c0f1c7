"""Test doubles that stand in for external services (LLM servers) over real HTTP."""
