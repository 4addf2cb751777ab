"""ingest: validate crawl pages, enrich them from the registry, fan out canonical events."""
