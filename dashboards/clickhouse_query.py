"""A ClickHouse target for grafana-foundation-sdk.

The SDK ships no query type for the ``grafana-clickhouse-datasource`` plugin, so this module
defines one (raw SQL, the plugin's ``rawSql`` target) and registers it as a dataquery variant:
boards built in Python carry it like any other target, and dashboards read back from JSON turn
it into a :class:`ClickHouseQuery` again.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import runtime as cogruntime
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard

PLUGIN_TYPE = "grafana-clickhouse-datasource"
DATASOURCE_UID = "matrixguard-clickhouse"  # infra/grafana/provisioning/datasources
DATASOURCE = dashboard.DataSourceRef(type_val=PLUGIN_TYPE, uid=DATASOURCE_UID)

# The plugin's result formats (pluginVersion 4): 0 time series, 1 table.
QueryFormat = Literal["timeseries", "table"]
_FORMAT_CODE = {"timeseries": 0, "table": 1}


class ClickHouseQuery(cogvariants.Dataquery):
    """One ``rawSql`` target of the ClickHouse data source plugin."""

    def __init__(self, ref_id: str = "A", raw_sql: str = "",
                 query_format: QueryFormat = "table", hide: bool = False) -> None:
        self.ref_id = ref_id
        self.raw_sql = raw_sql
        self.query_format: QueryFormat = query_format
        self.hide = hide

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "datasource": DATASOURCE.to_json(),
            "editorType": "sql",
            "format": _FORMAT_CODE[self.query_format],
            "queryType": self.query_format,
            "rawSql": self.raw_sql,
            "refId": self.ref_id,
        }
        if self.hide:
            data["hide"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        fmt: QueryFormat = "timeseries" if data.get("format") == 0 else "table"
        return cls(ref_id=str(data.get("refId", "A")), raw_sql=str(data.get("rawSql", "")),
                   query_format=fmt, hide=bool(data.get("hide", False)))


class ClickHouseQueryBuilder(cogbuilder.Builder[ClickHouseQuery]):
    """Builder of :class:`ClickHouseQuery`, in the SDK's style."""

    def __init__(self) -> None:
        self._internal = ClickHouseQuery()

    def build(self) -> ClickHouseQuery:
        return self._internal

    def ref_id(self, ref_id: str) -> Self:
        self._internal.ref_id = ref_id
        return self

    def raw_sql(self, raw_sql: str) -> Self:
        self._internal.raw_sql = raw_sql
        return self

    def format(self, query_format: QueryFormat) -> Self:
        self._internal.query_format = query_format
        return self

    def hide(self, hide: bool) -> Self:
        self._internal.hide = hide
        return self


def register() -> None:
    """Make the SDK's JSON decoding turn ClickHouse targets into :class:`ClickHouseQuery`."""
    cogruntime.register_dataquery_variant(
        cogruntime.DataqueryConfig(identifier=PLUGIN_TYPE,
                                   from_json_hook=ClickHouseQuery.from_json))


register()
