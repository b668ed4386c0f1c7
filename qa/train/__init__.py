"""Training the reader: data built from named sources, a deterministic fit, an int8 ONNX export."""
