"""Feed curation and ingestion: URL safety, fetching, parsing, normalising, de-duplication, OPML."""
