"""Ingestion: landing (land), reader (read one file), blocks (stage its blocks), run (ingest the
pending files), pseudonyms and keys, the opt-out, one module per log format."""
