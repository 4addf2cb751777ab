"""Account anomalies: status, verification, identity, followers, engagement, posting and
negative-comment surges, judged per account as events arrive (pure core + thin Faust module)."""
