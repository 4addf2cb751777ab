"""``matrixguard dashboards publish``: boards, folder and data source into a Grafana."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

dashboards_app = typer.Typer(no_args_is_help=True, help="Grafana boards (看板).")


@dashboards_app.command("publish")
def dashboards_publish(
    url: Annotated[str, typer.Option(help="Grafana, e.g. http://grafana:3000")],
    token: Annotated[str, typer.Option(envvar="MATRIXGUARD_GRAFANA_TOKEN",
                                       help="service-account token (or the env variable)")],
    clickhouse_host: Annotated[str, typer.Option(help="ClickHouse as Grafana reaches it")
                               ] = "clickhouse",
    clickhouse_port: Annotated[int, typer.Option()] = 8123,
    clickhouse_password: Annotated[str, typer.Option(
        envvar="CLICKHOUSE_GRAFANA_PASSWORD", help="the grafana user's password (or the env "
                                                   "variable)")] = "",
    boards: Annotated[Path | None, typer.Option(help="board JSON folder")] = None,
) -> None:
    """Upsert the MatrixGuard folder, the ClickHouse data source and every board."""
    from pipeline.cli import _guard, out
    from pipeline.grafana_publish import BOARDS_DIR, ClickHouseSource, connect, publish

    def go() -> dict[str, object]:
        source = ClickHouseSource(host=clickhouse_host, port=clickhouse_port,
                                  password=clickhouse_password)
        return publish(connect(url, token), source, boards or BOARDS_DIR)

    done = _guard(go)
    out.print(f"folder {done['folder']}, data source {done['datasource']}, "
              f"boards: {', '.join(done['boards']) or 'none'}")  # type: ignore[arg-type]
