"""health: the matrix health check (矩阵体检) of the bank's own accounts.

Four dimension scores per account (品牌形象 brand image, 企业授权 authorization, 安全合规 security
& compliance, 运营能力 operations), an overall score and level, and the findings behind them,
each with the points it cost and a fix suggestion in Chinese. ``facts`` and ``score`` are the
pure core; ``warehouse`` reads the facts from ClickHouse and writes runs; ``agent`` runs it on a
timer in the worker.
"""
