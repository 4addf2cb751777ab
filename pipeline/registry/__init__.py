"""The account registry (花名册): import, validation, publication, and the in-worker cache."""
