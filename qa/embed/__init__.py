"""Embedding: the seam, sentence-transformers, and the ONNX query encoder with its export."""
