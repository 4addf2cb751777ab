"""The warehouse: ClickHouse through clickhouse-connect (chDB embedded, HTTP in production)."""
