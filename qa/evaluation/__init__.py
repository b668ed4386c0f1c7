"""Evaluation: score retrieval, answers, citations and abstention on golden questions (``qa eval``)."""
