"""What every board is built from: the Board, panels with a ClickHouse target, the shared
template variables and the SQL filter they expand to, Chinese labels of codes, and
deterministic JSON output."""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import bargauge, dashboard, stat, table, timeseries
from grafana_foundation_sdk.builders import common as bcommon
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as mcommon
from grafana_foundation_sdk.models import dashboard as mdash

from dashboards.clickhouse_query import DATASOURCE, ClickHouseQueryBuilder, QueryFormat

UID_RISK = "matrixguard-risk"
UID_HEALTH = "matrixguard-health"
UID_OVERVIEW = "matrixguard-overview"
UID_PIPELINE = "matrixguard-pipeline"

PLATFORM_CN = {"douyin": "抖音", "xiaohongshu": "小红书", "weixin_channels": "视频号",
               "weixin_mp": "公众号", "weibo": "微博", "bilibili": "哔哩哔哩",
               "kuaishou": "快手"}
KIND_CN = {"official": "官方号", "employee": "员工号", "competitor": "竞品号"}
SEVERITY_CN = {"critical": "严重", "high": "高", "medium": "中", "low": "低"}
CATEGORY_CN = {"absolute_terms": "绝对化用语", "complaint": "投诉舆情", "endorsement": "违规代言",
               "gambling": "赌博", "guarantee": "保本保收益", "hidden_risk": "隐瞒风险",
               "illegal_finance": "非法金融", "inflated_performance": "夸大业绩",
               "official_backing": "冒用官方背书", "personal_data": "个人信息泄露",
               "politics": "涉政", "pornography": "色情低俗", "pressure_selling": "诱导销售",
               "violence": "暴力"}
ITEM_CN = {"post": "作品", "comment": "评论", "profile": "主页资料"}


def cn(column: str, mapping: dict[str, str]) -> str:
    """SQL that shows a code column's Chinese label (the code itself when unknown)."""
    keys = ", ".join(f"'{k}'" for k in mapping)
    values = ", ".join(f"'{v}'" for v in mapping.values())
    return f"transform(toString({column}), [{keys}], [{values}], toString({column}))"


def filters(*, org: str | None = "org_unit", team: str | None = "team",
            platform: str | None = "platform", kind: str | None = "account_kind",
            account: str | None = "account_key") -> str:
    """The template-variable filter of a query, ``$__conditionalAll`` for each dimension given
    (the column that holds it in the table read; None: the table has no such column)."""
    parts = []
    for column, var in ((org, "org_unit"), (team, "team"), (platform, "platform"),
                        (kind, "account_kind"), (account, "account")):
        if column is not None:
            parts.append(f"$__conditionalAll({column} IN (${{{var}:singlequote}}), ${var})")
    return " AND ".join(parts) if parts else "1=1"


def _query_var(name: str, label: str, sql: str, *, multi: bool = True) -> dashboard.QueryVariable:
    return (dashboard.QueryVariable(name).label(label).datasource(DATASOURCE).query(sql)
            .multi(multi).include_all(True).allow_custom_value(True)
            .refresh(mdash.VariableRefresh.ON_DASHBOARD_LOAD)
            .sort(mdash.VariableSort.ALPHABETICAL_ASC)
            .current(mdash.VariableOption(text="All", value="$__all", selected=True)))


def filter_variables() -> list[cogbuilder.Builder[mdash.VariableModel]]:
    """机构、团队、平台、账号类型、账号: each narrows the next ones' options."""
    reg = "SELECT DISTINCT {col} FROM accounts FINAL WHERE {where} ORDER BY 1"
    org = "$__conditionalAll(org_unit IN (${org_unit:singlequote}), $org_unit)"
    team = "$__conditionalAll(team IN (${team:singlequote}), $team)"
    plat = "$__conditionalAll(platform IN (${platform:singlequote}), $platform)"
    kind = "$__conditionalAll(kind IN (${account_kind:singlequote}), $account_kind)"
    return [
        _query_var("org_unit", "机构", reg.format(col="org_unit", where="org_unit != ''")),
        _query_var("team", "团队", reg.format(col="team", where=f"team != '' AND {org}")),
        _query_var("platform", "平台", reg.format(col="platform", where=f"{org} AND {team}")),
        _query_var("account_kind", "账号类型",
                   reg.format(col="kind", where=f"{org} AND {team} AND {plat}")),
        _query_var("account", "账号", reg.format(
            col="account_key", where=f"{org} AND {team} AND {plat} AND {kind}"), multi=False),
    ]


def target(sql: str, fmt: QueryFormat) -> ClickHouseQueryBuilder:
    return ClickHouseQueryBuilder().ref_id("A").raw_sql(sql.strip()).format(fmt)


def link(title: str, url: str) -> dashboard.DashboardLink:
    """A data link (to another board, with the row's values in the URL)."""
    return dashboard.DashboardLink(title).url(url)


def ts_panel(title: str, sql: str, *, unit: str = "short", axis: str = "",
             description: str = "", stack: bool = False, bars: bool = False,
             ) -> timeseries.Panel:
    """Time series: the SQL returns ``time`` and one or more numbers (optionally a label
    column, which the plugin turns into one series per value)."""
    p = (timeseries.Panel().title(title).description(description).datasource(DATASOURCE)
         .with_target(target(sql, "timeseries")).unit(unit).axis_label(axis)
         .fill_opacity(25 if stack or bars else 10)
         .legend(_legend()))
    if bars:
        p = p.draw_style(mcommon.GraphDrawStyle.BARS)
    if stack:
        p = p.stacking(_stacking())
    return p


def _legend() -> Any:
    return (bcommon.VizLegendOptions().show_legend(True)
            .display_mode(mcommon.LegendDisplayMode.LIST)
            .placement(mcommon.LegendPlacement.BOTTOM))


def _stacking() -> Any:
    return bcommon.StackingConfig().mode(mcommon.StackingMode.NORMAL)


def stat_panel(title: str, sql: str, *, unit: str = "short", description: str = "",
               ) -> stat.Panel:
    """One number (the SQL returns a single row of numbers)."""
    return (stat.Panel().title(title).description(description).datasource(DATASOURCE)
            .with_target(target(sql, "table")).unit(unit)
            .graph_mode(mcommon.BigValueGraphMode.NONE)
            .color_mode(mcommon.BigValueColorMode.VALUE))


def bar_panel(title: str, sql: str, *, unit: str = "short", description: str = "",
              max_val: float | None = None) -> bargauge.Panel:
    """Bars: a label column and a number per row (or one row of numbers)."""
    p = (bargauge.Panel().title(title).description(description).datasource(DATASOURCE)
         .with_target(target(sql, "table")).unit(unit)
         .orientation(mcommon.VizOrientation.HORIZONTAL)
         .display_mode(mcommon.BarGaugeDisplayMode.BASIC)
         .reduce_options(_all_values()))
    if max_val is not None:
        p = p.min(0).max(max_val)
    return p


def _all_values() -> Any:
    return bcommon.ReduceDataOptions().values(True).calcs([]).limit(50)


def table_panel(title: str, sql: str, *, description: str = "",
                links: list[cogbuilder.Builder[mdash.DashboardLink]] | None = None,
                ) -> table.Panel:
    p = (table.Panel().title(title).description(description).datasource(DATASOURCE)
         .with_target(target(sql, "table")))
    if links:
        p = p.data_links(list(links))
    return p


class Board:
    """A dashboard under construction: panels get stable ids (their order) and a grid place."""

    def __init__(self, uid: str, title: str, *, description: str, time_from: str,
                 refresh: str, tags: list[str]) -> None:
        self.builder = (dashboard.Dashboard(title).uid(uid).description(description)
                        .tags(["matrixguard", *tags]).timezone("browser")
                        .time(time_from, "now").refresh(refresh).editable()
                        .tooltip(mdash.DashboardCursorSync.CROSSHAIR))
        self._next_id = 1
        self._x = 0
        self._y = 0
        self._row_h = 0

    def row(self, title: str) -> None:
        self._newline()
        self.builder.with_row(dashboard.Row(title).id(self._take_id())
                              .grid_pos(mdash.GridPos(h=1, w=24, x=0, y=self._y)))
        self._y += 1

    def add(self, panel: Any, w: int, h: int) -> int:
        """Place the panel (left to right, wrapping at 24 columns); its id."""
        if self._x + w > 24:
            self._newline()
        pid = self._take_id()
        panel.id(pid).grid_pos(mdash.GridPos(h=h, w=w, x=self._x, y=self._y))
        # GridPos(x=0, y=0) is "place me" to the SDK: the very first panel is placed at 0,0 too
        self.builder.with_panel(panel)
        self._x += w
        self._row_h = max(self._row_h, h)
        return pid

    def _newline(self) -> None:
        if self._x:
            self._y += self._row_h
        self._x, self._row_h = 0, 0

    def _take_id(self) -> int:
        pid = self._next_id
        self._next_id += 1
        return pid

    def build(self) -> dict[str, Any]:
        """The dashboard as JSON-ready data."""
        data: dict[str, Any] = json.loads(json.dumps(self.builder.build(), cls=JSONEncoder))
        return data


def board_links() -> list[cogbuilder.Builder[mdash.DashboardLink]]:
    """Links to the other MatrixGuard boards, keeping the time range and the variables."""
    return [dashboard.DashboardLink("MatrixGuard 看板").type(mdash.DashboardLinkType.DASHBOARDS)
            .tags(["matrixguard"]).as_dropdown(True).include_vars(True).keep_time(True)
            .target_blank(False).icon("external link").tooltip("").url("")]


def to_json(data: dict[str, Any]) -> str:
    """Deterministic JSON text of a board (sorted keys, Chinese kept as is)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
