"""MatrixGuard contracts: event models, the topic registry and ClickHouse migrations."""
