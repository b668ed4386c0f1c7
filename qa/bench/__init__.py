"""``qa bench``: speed and memory measured on this machine, against the LlamaIndex starter."""
