"""sink: write canonical topics to the warehouse in batches, at least once, idempotently."""
