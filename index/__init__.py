"""Reference documents: load, chunk, embed, store, search (the retrieval index)."""
