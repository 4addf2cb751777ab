"""MatrixGuard agents: each a Kafka-free core plus a thin Faust module."""
