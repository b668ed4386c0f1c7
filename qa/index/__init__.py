"""The index: layout and generations, manifest, vectors (Chroma), BM25, building, reading."""
