"""Scoring of the health check (矩阵体检): facts in, four dimension scores and findings out.

Every dimension starts at 100 and loses the points of its findings; nothing else moves a score,
so a report always adds up: ``100 - sum(points of the dimension's findings) == score``. The
points of each finding are in :class:`HealthPolicy` (README "Health check" lists them); a
group of findings with a cap (content risk hits, open alerts…) never costs more than the cap,
and a dimension never goes below 0 (the last findings then cost what is left).

Overall = weighted mean of the dimensions (安全合规 0.35, 企业授权 0.25, 品牌形象 0.20,
运营能力 0.20), rounded, then capped: an account with a critical finding (banned or deleted,
verified to another subject, a critical lexicon hit on its profile or posts) gets at most 59,
i.e. 较差, whatever its other dimensions say; one with a high finding at most 89 (优秀 means no
high or critical problem). The report says when a cap applied (``overall_note``).
Levels: 优秀 ≥ 90, 良好 ≥ 75, 一般 ≥ 60, 较差 below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from agents.anomaly.naming import NamingRule, name_violations
from agents.health.facts import WINDOW_DAYS, AccountFacts, PeerStats
from agents.sensitivity.rules import CATEGORY_LABELS, Category
from schemas.events import AccountKind, Severity


class Dimension(StrEnum):
    """The four dimensions of the health check."""

    brand = "brand"
    authorization = "authorization"
    compliance = "compliance"
    operations = "operations"


DIMENSION_LABELS: dict[Dimension, str] = {
    Dimension.brand: "品牌形象",
    Dimension.authorization: "企业授权",
    Dimension.compliance: "安全合规",
    Dimension.operations: "运营能力",
}
SEVERITY_LABELS: dict[str, str] = {
    "critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示",
}
KIND_LABELS: dict[str, str] = {"official": "官方", "employee": "员工", "competitor": "竞品"}
PLATFORM_LABELS: dict[str, str] = {
    "douyin": "抖音", "xiaohongshu": "小红书", "weixin_channels": "视频号",
    "weixin_mp": "公众号", "weibo": "微博", "bilibili": "B站", "kuaishou": "快手",
}
ANOMALY_LABELS: dict[str, str] = {
    "status_changed": "账号状态变化", "verification_lost": "认证失效",
    "subject_mismatch": "认证主体不符", "renamed": "账号改名", "avatar_changed": "头像变更",
    "bio_changed": "简介变更", "name_rule_violation": "名称不合规", "follower_drop": "粉丝骤降",
    "follower_spike": "粉丝异常增长", "engagement_spike": "互动异常", "dormant": "账号停更",
    "posting_burst": "异常集中发布", "negative_comment_surge": "负面评论激增",
}
ANOMALY_SUGGESTIONS: dict[str, str] = {
    "follower_drop": "排查掉粉原因（内容争议、平台处罚、账号异常），必要时发布说明",
    "follower_spike": "核实是否存在刷粉或购买粉丝行为，如有须立即停止并清理",
    "engagement_spike": "核实互动是否真实：排查刷量，或关注热点作品引发的舆情",
    "posting_burst": "核实短时间内大量发布是否为本人操作，排查账号被盗用的可能",
    "negative_comment_surge": "启动舆情处置：核实客诉内容，及时回应并同步消保部门",
}
LEVELS: tuple[tuple[int, str], ...] = ((90, "优秀"), (75, "良好"), (60, "一般"), (0, "较差"))
# Anomaly types the health check judges from the facts themselves: an open alert of these
# types would count the same problem twice.
COVERED_ANOMALIES = frozenset({
    "status_changed", "verification_lost", "subject_mismatch", "name_rule_violation", "dormant",
})
PROFILE_CHANGES = frozenset({"renamed", "avatar_changed", "bio_changed"})
STATUS_LABELS: dict[str, str] = {
    "banned": "被封禁", "deleted": "已注销或被删除", "restricted": "被限制（限流/禁言）",
    "private": "设为私密",
}
STATUS_SUGGESTIONS: dict[str, str] = {
    "banned": "立即联系平台核实封禁原因并申诉；排查近期发布内容，整改后申请解封",
    "deleted": "核实是否为主动注销：是则从花名册移除，否则立即向平台申诉找回",
    "restricted": "排查近期违规内容并整改，向平台申诉解除限制",
    "private": "核实设为私密的原因；展业账号应保持公开，否则从花名册移除",
}


class HealthPolicy(BaseModel):
    """The points each finding costs, the caps, thresholds and weights."""

    model_config = ConfigDict(frozen=True)

    # 品牌形象
    naming_rule: int = 40
    name_not_registered: int = 15
    profile_hit: dict[str, int] = Field(
        default_factory=lambda: {"critical": 40, "high": 30, "medium": 20, "low": 10})
    profile_hit_cap: int = 60
    no_avatar: int = 10
    empty_bio: int = 10
    profile_changed: int = 5
    profile_changed_cap: int = 15
    # 企业授权
    no_snapshot: int = 30
    unverified: int = 50
    subject_mismatch: int = 60
    subject_not_registered: int = 15
    no_owner: int = 30
    owner_unreachable: int = 10
    # 安全合规
    status: dict[str, int] = Field(
        default_factory=lambda: {"banned": 60, "deleted": 60, "restricted": 30, "private": 10})
    content_hit: dict[str, int] = Field(
        default_factory=lambda: {"critical": 20, "high": 10, "medium": 4, "low": 1})
    content_hit_cap: int = 60
    personal_data_post: int = 15
    personal_data_post_cap: int = 30
    personal_data_comment: int = 5
    personal_data_comment_cap: int = 15
    open_alert: dict[str, int] = Field(
        default_factory=lambda: {"critical": 15, "high": 10, "medium": 5, "low": 2, "info": 0})
    open_alert_cap: int = 30
    # 运营能力
    dormant_days_official: float = 7.0
    dormant_days_employee: float = 14.0
    dormant: int = 25
    long_dormant_days: float = 30.0
    long_dormant: int = 40
    stale_days: int = Field(
        default=3, description="a crawl older than this is shown (0 points): data not current")
    low_frequency: int = 15
    low_engagement_p25: int = 10
    low_engagement_p10: int = 20
    follower_decline_low: float = -0.01
    follower_decline_low_points: int = 5
    follower_decline_high: float = -0.05
    follower_decline_high_points: int = 15
    # overall
    weights: dict[Dimension, float] = Field(default_factory=lambda: {
        Dimension.compliance: 0.35, Dimension.authorization: 0.25,
        Dimension.brand: 0.20, Dimension.operations: 0.20,
    })
    critical_cap: int = Field(
        default=59, description="highest overall of an account with a critical finding (较差)")
    high_cap: int = Field(
        default=89, description="highest overall of an account with a high finding (not 优秀)")


DEFAULT_POLICY = HealthPolicy()
_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Finding(BaseModel):
    """One concrete problem, what it cost and how to fix it (Chinese for the risk officer)."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    code: str = Field(description="stable machine code, e.g. subject_mismatch")
    severity: Severity
    points: int = Field(ge=0, description="points it cost its dimension")
    title: str = Field(description="short label, e.g. 认证主体不一致")
    message: str = Field(description="what is wrong, with the figures")
    suggestion: str = Field(description="how to fix it")

    @property
    def dimension_label(self) -> str:
        """The dimension in Chinese."""
        return DIMENSION_LABELS[self.dimension]


class HealthReport(BaseModel):
    """The health check of one account."""

    model_config = ConfigDict(frozen=True)

    account_key: str
    platform: str
    kind: AccountKind
    org_unit: str
    team: str
    owner: str
    display_name: str
    brand_score: int = Field(ge=0, le=100)
    authorization_score: int = Field(ge=0, le=100)
    compliance_score: int = Field(ge=0, le=100)
    operations_score: int = Field(ge=0, le=100)
    overall: int = Field(ge=0, le=100)
    level: str
    overall_note: str = Field(
        default="", description="why overall is below the weighted mean (a cap), if it is")
    findings: list[Finding]

    def score(self, dimension: Dimension) -> int:
        """The score of one dimension."""
        return int(getattr(self, f"{dimension.value}_score"))

    def main_issues(self, n: int = 2) -> str:
        """The ``n`` costliest findings on one line: ``认证主体不一致 -60；未指定负责人 -30``."""
        return "；".join(f"{f.title} -{f.points}" if f.points else f.title
                        for f in self.findings[:n])


def level_of(overall: int) -> str:
    """优秀 / 良好 / 一般 / 较差."""
    return next(label for floor, label in LEVELS if overall >= floor)


def _sev(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.medium


def _category(value: str) -> str:
    try:
        return CATEGORY_LABELS[Category(value)]
    except (ValueError, KeyError):
        return value


class _Draft:
    """Findings of one account before the dimension budgets are applied."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, dimension: Dimension, code: str, severity: Severity | str, points: int,
            title: str, message: str, suggestion: str) -> None:
        self.items.append(Finding(dimension=dimension, code=code, severity=_sev(str(severity)),
                                  points=max(0, points), title=title, message=message,
                                  suggestion=suggestion))

    def capped(self, start: int, cap: int) -> None:
        """Cap the points of the findings added since index ``start`` at ``cap`` in total."""
        left = cap
        for i in range(start, len(self.items)):
            cost = min(self.items[i].points, left)
            left -= cost
            if cost != self.items[i].points:
                self.items[i] = self.items[i].model_copy(update={"points": cost})


def assess(
    facts: AccountFacts, peers: PeerStats, now: datetime, rule: NamingRule, brand: str,
    policy: HealthPolicy = DEFAULT_POLICY,
) -> HealthReport:
    """Score one own account on the four dimensions and explain every point it lost."""
    if facts.kind is AccountKind.competitor:
        raise ValueError(f"{facts.account_key}: competitor accounts are not health-checked")
    draft = _Draft()
    _brand(draft, facts, rule, brand, policy)
    _authorization(draft, facts, policy)
    _compliance(draft, facts, policy)
    _operations(draft, facts, peers, policy, now)

    findings: list[Finding] = []
    scores: dict[Dimension, int] = {}
    for dim in Dimension:
        left = 100
        mine = sorted((f for f in draft.items if f.dimension is dim),
                      key=lambda f: (-f.points, f.code))
        for f in mine:
            cost = min(f.points, left)
            left -= cost
            findings.append(f if cost == f.points else f.model_copy(update={"points": cost}))
        scores[dim] = left
    findings.sort(key=lambda f: (-f.points, -_SEVERITY_RANK[f.severity], f.code))
    weighted = sum(policy.weights[d] * scores[d] for d in Dimension) / sum(policy.weights.values())
    overall = int(weighted + 0.5)
    note = ""
    for sev, cap in ((Severity.critical, policy.critical_cap), (Severity.high, policy.high_cap)):
        worst = next((f for f in findings if f.severity is sev), None)
        if worst is not None and overall > cap:
            note = (f"加权分 {overall}，因存在{SEVERITY_LABELS[sev.value]}风险问题"
                    f"（{worst.title}）封顶 {cap}")
            overall = cap
            break
    return HealthReport(
        account_key=facts.account_key, platform=facts.platform, kind=facts.kind,
        org_unit=facts.org_unit, team=facts.team, owner=facts.owner,
        display_name=facts.display_name,
        brand_score=scores[Dimension.brand],
        authorization_score=scores[Dimension.authorization],
        compliance_score=scores[Dimension.compliance],
        operations_score=scores[Dimension.operations],
        overall=overall, level=level_of(overall), overall_note=note, findings=findings,
    )


def rank(reports: Iterable[HealthReport]) -> list[HealthReport]:
    """Worst first: lowest overall, then lowest single dimension, then most findings."""
    return sorted(reports, key=lambda r: (
        r.overall, min(r.score(d) for d in Dimension), -len(r.findings), r.account_key))


def level_counts(reports: Sequence[HealthReport]) -> dict[str, int]:
    """How many accounts per level, best level first."""
    counts = {label: 0 for _, label in LEVELS}
    for r in reports:
        counts[r.level] += 1
    return counts


# ---------------------------------------------------------------- 品牌形象 brand image

def _brand(draft: _Draft, f: AccountFacts, rule: NamingRule, brand: str, p: HealthPolicy) -> None:
    dim = Dimension.brand
    name = f.snapshot.name if f.snapshot is not None else f.display_name
    for problem in name_violations(name, f.kind, rule, brand):
        if f.kind is AccountKind.official:
            fix = f"将账号名称改为包含「{brand}」的规范名称，并同步更新花名册"
        else:
            fix = ("员工个人账号名称不得使用「官方」「客服」「分行」等字样，请修改名称，"
                   "避免被误认为官方账号")
        draft.add(dim, "naming_rule", Severity.high, p.naming_rule, "名称不合规", problem, fix)
    if f.snapshot is not None and f.snapshot.name != f.display_name:
        draft.add(dim, "name_not_registered", Severity.medium, p.name_not_registered,
                  "名称与登记不符",
                  f"平台显示名称「{f.snapshot.name}」与花名册登记名称「{f.display_name}」不一致",
                  "核实改名是否经过审批：已审批的请更新花名册，未经审批的请改回登记名称")
    start = len(draft.items)
    hits = sorted(f.profile_hits, key=lambda h: -_SEVERITY_RANK[_sev(h.severity)])
    for hit in hits:
        where = "名称" if hit.field == "name" else "简介"
        draft.add(dim, "profile_risk", hit.severity, p.profile_hit.get(hit.severity, 20),
                  f"{where}含违规表述",
                  f"账号{where}含「{hit.term}」（{_category(hit.category)}，"
                  f"{SEVERITY_LABELS.get(hit.severity, hit.severity)}风险，规则 {hit.rule_id}）",
                  hit.suggestion or f"修改账号{where}，删除违规表述")
    draft.capped(start, p.profile_hit_cap)
    if f.snapshot is not None:
        if not f.snapshot.avatar_hash:
            draft.add(dim, "no_avatar", Severity.low, p.no_avatar, "未设置头像",
                      "账号未设置头像，品牌识别度低",
                      "官方账号使用本行统一的品牌头像；员工账号使用清晰、得体的头像"
                      if f.kind is AccountKind.official else "设置清晰、得体的头像")
        if f.kind is AccountKind.official and not f.snapshot.bio.strip():
            draft.add(dim, "empty_bio", Severity.low, p.empty_bio, "简介为空",
                      "官方账号简介为空，用户无法确认账号身份与服务范围",
                      "补充账号简介：机构全称、服务范围与官方客服渠道")
    start = len(draft.items)
    for a in f.open_anomalies:
        if a.anomaly_type not in PROFILE_CHANGES:
            continue
        label = ANOMALY_LABELS.get(a.anomaly_type, a.anomaly_type)
        draft.add(dim, "profile_changed", Severity.low, p.profile_changed, f"{label}待复核",
                  f"{a.title or label}（{a.observed_at:%Y-%m-%d}），告警尚未关闭",
                  "确认资料变更是否经过审批；未经审批的请恢复原资料并排查账号安全")
    draft.capped(start, p.profile_changed_cap)


# ---------------------------------------------------------------- 企业授权 authorization

def _authorization(draft: _Draft, f: AccountFacts, p: HealthPolicy) -> None:
    dim = Dimension.authorization
    expected = f.expected_verification_subject.strip()
    snap = f.snapshot
    if snap is None:
        draft.add(dim, "no_snapshot", Severity.medium, p.no_snapshot, "未采集到账号资料",
                  "尚未采集到该账号的主页资料，无法核验认证与账号状态",
                  "检查账号链接与采集任务是否正常；账号已停用的请从花名册移除")
    elif not snap.verified and (f.kind is AccountKind.official or expected):
        who = "官方账号" if f.kind is AccountKind.official else "登记了认证主体的账号"
        draft.add(dim, "unverified", Severity.high, p.unverified, "未认证",
                  f"{who}未完成平台认证" + (f"（应认证主体：{expected}）" if expected else ""),
                  f"以「{expected}」主体向平台申请企业/机构认证" if expected
                  else "以本行或分支机构主体向平台申请企业/机构认证")
    elif snap.verified and expected and (snap.verification_subject or "").strip() != expected:
        actual = (snap.verification_subject or "").strip() or "（未显示）"
        draft.add(dim, "subject_mismatch", Severity.critical, p.subject_mismatch,
                  "认证主体不一致",
                  f"认证主体「{actual}」与花名册登记主体「{expected}」不一致",
                  "立即核实账号归属：若被冒用或转让，向平台申诉找回并更正认证主体；"
                  "若登记有误，请更新花名册")
    if f.kind is AccountKind.official and not expected:
        draft.add(dim, "subject_not_registered", Severity.medium, p.subject_not_registered,
                  "未登记认证主体", "花名册未登记该官方账号的认证主体，无法核对授权",
                  "在花名册补充认证主体全称（expected_verification_subject）")
    if not f.owner.strip():
        draft.add(dim, "no_owner", Severity.high, p.no_owner, "未指定负责人",
                  "花名册未指定负责人，告警无人接收", "在花名册为该账号指定负责人及联系方式")
    elif not f.owner_reachable:
        draft.add(dim, "owner_unreachable", Severity.low, p.owner_unreachable,
                  "负责人无联系方式",
                  f"负责人「{f.owner}」未登记手机、邮箱或企业微信，告警无法送达",
                  "在花名册补充负责人的手机、邮箱或企业微信")


# ---------------------------------------------------------------- 安全合规 security & compliance

def _compliance(draft: _Draft, f: AccountFacts, p: HealthPolicy) -> None:
    dim = Dimension.compliance
    if f.snapshot is not None and f.snapshot.status in p.status:
        status = f.snapshot.status
        draft.add(dim, "account_status",
                  Severity.critical if p.status[status] >= 60 else
                  Severity.high if p.status[status] >= 30 else Severity.low,
                  p.status[status], f"账号{STATUS_LABELS[status]}",
                  f"最新采集（{f.snapshot.captured_at:%Y-%m-%d %H:%M}）显示账号"
                  f"{STATUS_LABELS[status]}", STATUS_SUGGESTIONS[status])
    counts = [(sev, f.post_hits_by_severity.get(sev, 0)) for sev in
              ("critical", "high", "medium", "low")]
    counts = [(sev, n) for sev, n in counts if n > 0]
    if counts:
        raw = sum(n * p.content_hit[sev] for sev, n in counts)
        cost = min(raw, p.content_hit_cap)
        worst = counts[0][0]
        categories = "、".join(f"{_category(c)} {n}" for c, n in sorted(
            f.post_hits_by_category.items(), key=lambda kv: (-kv[1], kv[0])))
        draft.add(dim, "content_risk", worst, cost, f"内容风险（{SEVERITY_LABELS[worst]}）",
                  f"近{WINDOW_DAYS}天作品命中风险规则 " + "、".join(
                      f"{SEVERITY_LABELS[sev]} {n} 条（每条 -{p.content_hit[sev]}）"
                      for sev, n in counts)
                  + (f"，封顶 -{p.content_hit_cap}" if raw > cost else "")
                  + (f"；类别：{categories}" if categories else ""),
                  "逐条复核命中内容，删除或修改违规表述；严重、高风险内容须追溯发布审核流程")
    if f.personal_data_posts:
        draft.add(dim, "personal_data_post", Severity.high,
                  min(f.personal_data_posts * p.personal_data_post, p.personal_data_post_cap),
                  "作品泄露个人信息",
                  f"近{WINDOW_DAYS}天 {f.personal_data_posts} 篇作品含个人信息"
                  f"（身份证号、银行卡号、手机号等，每篇 -{p.personal_data_post}）",
                  "立即删除或打码相关内容，按个人信息保护要求评估是否需要报告")
    if f.personal_data_comments:
        draft.add(dim, "personal_data_comment", Severity.medium,
                  min(f.personal_data_comments * p.personal_data_comment,
                      p.personal_data_comment_cap),
                  "评论区泄露个人信息",
                  f"近{WINDOW_DAYS}天评论区出现 {f.personal_data_comments} 条含个人信息的评论"
                  f"（每条 -{p.personal_data_comment}）",
                  "隐藏或删除相关评论，并提醒用户勿在公开评论中留下个人信息")
    start = len(draft.items)
    alerts = [a for a in f.open_anomalies
              if a.anomaly_type not in COVERED_ANOMALIES | PROFILE_CHANGES]
    for a in sorted(alerts, key=lambda a: (-_SEVERITY_RANK[_sev(a.severity)], a.observed_at)):
        label = ANOMALY_LABELS.get(a.anomaly_type, a.anomaly_type)
        draft.add(dim, "open_alert", a.severity, p.open_alert.get(a.severity, 5),
                  f"未处置告警：{label}",
                  f"{a.title or label}（{a.observed_at:%Y-%m-%d}，"
                  f"{SEVERITY_LABELS.get(a.severity, a.severity)}），告警尚未关闭",
                  ANOMALY_SUGGESTIONS.get(a.anomaly_type, "核实告警原因并处置，处置后关闭告警"))
    draft.capped(start, p.open_alert_cap)


# ---------------------------------------------------------------- 运营能力 operations

def _operations(draft: _Draft, f: AccountFacts, peers: PeerStats, p: HealthPolicy,
                now: datetime) -> None:
    dim = Dimension.operations
    limit = p.dormant_days_official if f.kind is AccountKind.official else p.dormant_days_employee
    days = f.days_since_last_post(now)
    seen = f.observed_until(now)
    as_of = f"截至最近一次采集（{seen:%Y-%m-%d}）" if (now - seen).days >= 1 else ""
    usual = (f"，此前平均约每 {f.median_gap_h / 24:.1f} 天发布一次"
             if f.median_gap_h is not None else "")
    dormant = False
    if days is None or days >= p.long_dormant_days:
        dormant = True
        draft.add(dim, "dormant", Severity.high, p.long_dormant, "长期停更",
                  "从未采集到该账号的作品" if days is None else
                  f"{as_of}已 {days:.0f} 天未发布作品{usual}",
                  "制定发布计划，恢复稳定更新；确已停止运营的账号请申请注销并从花名册移除")
    elif days >= limit:
        dormant = True
        draft.add(dim, "dormant", Severity.medium, p.dormant, "停更",
                  f"{as_of}已 {days:.0f} 天未发布作品（{KIND_LABELS[f.kind.value]}账号要求 "
                  f"{limit:g} 天内更新{usual}）",
                  "制定发布计划，保持稳定更新")
    if f.last_crawled_at is not None and (now - f.last_crawled_at).days >= p.stale_days:
        draft.add(dim, "stale_data", Severity.info, 0, "数据未更新",
                  f"最近一次采集在 {(now - f.last_crawled_at).days} 天前"
                  f"（{f.last_crawled_at:%Y-%m-%d}），运营与合规结论截至该日",
                  "检查该账号的采集任务是否正常运行")
    group = peers.group(f.platform, f.kind)
    peer_name = f"同平台{KIND_LABELS[f.kind.value]}账号"
    if group is not None and group.posts_30d is not None and not dormant:
        q = group.posts_30d
        if f.posts_30d < q.p25:
            draft.add(dim, "low_frequency", Severity.low, p.low_frequency, "更新频率低",
                      f"近{WINDOW_DAYS}天发布 {f.posts_30d} 篇，低于{peer_name}的 25% 分位"
                      f"（{q.p25:.0f} 篇；中位数 {q.p50:.0f} 篇）",
                      "提高更新频率，参考同类账号保持每周稳定发布")
    rate = f.engagement_rate
    if group is not None and group.engagement_rate is not None and rate is not None:
        q = group.engagement_rate
        if rate < q.p10 or rate < q.p25:
            low10 = rate < q.p10
            draft.add(dim, "low_engagement", Severity.medium if low10 else Severity.low,
                      p.low_engagement_p10 if low10 else p.low_engagement_p25, "互动率偏低",
                      f"近{WINDOW_DAYS}天互动率 {rate:.2%}（互动 {f.interactions_30d:,} / 播放 "
                      f"{f.views_30d:,}），低于{peer_name}的 {'10' if low10 else '25'}% 分位"
                      f"（{q.p10 if low10 else q.p25:.2%}；中位数 {q.p50:.2%}）",
                      "优化选题与内容形式，参考同类高互动作品；及时回复评论，提升互动")
    change = f.follower_change
    if change is not None and f.snapshot is not None and change < p.follower_decline_low:
        high = change <= p.follower_decline_high
        draft.add(dim, "follower_decline", Severity.medium if high else Severity.low,
                  p.follower_decline_high_points if high else p.follower_decline_low_points,
                  "粉丝下降",
                  f"近{WINDOW_DAYS}天粉丝 {f.followers_30d_ago or 0:,} → "
                  f"{f.snapshot.followers:,}（{change:+.1%}）",
                  "排查掉粉原因（内容质量、负面舆情、平台处罚），必要时调整运营策略")
