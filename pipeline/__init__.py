"""MatrixGuard wiring and I/O: settings, broker, warehouse, registry, crawlers, CLI."""
