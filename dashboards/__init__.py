"""MatrixGuard's Grafana boards as code (grafana-foundation-sdk + a ClickHouse target).

``python -m dashboards`` writes ``dashboards/json/<uid>.json``; Grafana provisions that folder.
"""
