"""Alerting: risk hits, content scores and anomalies become alerts, routed to receivers,
grouped, silenced and inhibited the way Alertmanager does it (pure core + thin Faust modules)."""
