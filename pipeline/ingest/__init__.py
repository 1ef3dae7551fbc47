"""Ingestion: landing, blocks, pseudonyms and keys, the opt-out, one module per log format."""
