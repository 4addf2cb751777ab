"""The lexicon's contract: rule files (YAML) as pydantic models.

A lexicon is a directory of ``*.yaml`` files. Each file holds ``rules:`` (and optionally
``word_lists:`` that load plain word lists of any size as one rule each). A rule says what to
find (literal or regex patterns), what cancels a hit (exceptions), where it applies, how bad it
is, which regulation it cites and how to fix it (in Chinese, for the people who fix it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Severity(StrEnum):
    """How bad a hit is; drives the score and, later, the alert."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Category(StrEnum):
    """What kind of problem a rule finds. Labels (Chinese) are in :data:`CATEGORY_LABELS`."""

    guarantee = "guarantee"                  # 保本保息、稳赚不赔、零风险、承诺收益
    absolute_terms = "absolute_terms"        # 广告法极限用语：最、第一、国家级、唯一
    inflated_performance = "inflated_performance"  # 夸大过往业绩
    hidden_risk = "hidden_risk"              # 隐瞒风险、理财混同存款
    official_backing = "official_backing"    # 暗示监管或政府背书
    endorsement = "endorsement"              # 违规代言、明星/专家推荐
    pressure_selling = "pressure_selling"    # 即将停售、返现、限时抢购
    illegal_finance = "illegal_finance"      # 荐股、虚拟货币、征信修复、信用卡代还
    personal_data = "personal_data"          # 身份证号、银行卡号、手机号、邮箱
    complaint = "complaint"                  # 投诉、维权、暴雷（评论舆情）
    missing_risk_notice = "missing_risk_notice"  # 理财营销缺少风险提示
    politics = "politics"
    pornography = "pornography"
    gambling = "gambling"
    violence = "violence"


CATEGORY_LABELS: dict[Category, str] = {
    Category.guarantee: "承诺保本收益",
    Category.absolute_terms: "绝对化用语",
    Category.inflated_performance: "夸大业绩",
    Category.hidden_risk: "隐瞒风险",
    Category.official_backing: "暗示官方背书",
    Category.endorsement: "违规代言",
    Category.pressure_selling: "诱导销售",
    Category.illegal_finance: "非法金融活动",
    Category.personal_data: "个人信息泄露",
    Category.complaint: "客诉舆情",
    Category.missing_risk_notice: "缺少风险提示",
    Category.politics: "涉政",
    Category.pornography: "涉黄",
    Category.gambling: "涉赌",
    Category.violence: "暴恐",
}

ItemKind = Literal["post", "comment", "profile"]
AccountKindName = Literal["official", "employee", "competitor"]
Validator = Literal["id_card", "bank_card", "mobile"]
ALL_ITEMS: tuple[ItemKind, ...] = ("post", "comment", "profile")
ALL_ACCOUNTS: tuple[AccountKindName, ...] = ("official", "employee", "competitor")


class Normalization(BaseModel):
    """Which transformations apply before this rule matches (all on unless switched off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    width: bool = True          # 全角→半角
    case: bool = True           # 大小写
    traditional: bool = True    # 繁→简
    digits: bool = True         # ①⑴０一二三 → 1
    latin: bool = True          # stylised Latin letters (𝐀, Ⓐ) → a
    separators: bool = True     # 稳!赚@不#赔, zero-width characters between characters
    repeats: bool = True        # 稳稳稳赚赚
    pinyin: bool = False        # bao本, baoben (for high-severity literal rules)
    # Regular expressions see the text after the character tables only (no squeezing):
    # separators and repeats are for the regex to allow, e.g. \d{4}[ -]?\d{4}.


class Pattern(BaseModel):
    """One thing to look for: a literal phrase or a regular expression (Hyperscan syntax)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    literal: str | None = Field(None, min_length=1)
    regex: str | None = Field(None, min_length=1)
    validator: Validator | None = Field(
        None, description="a check on the matched text: ID-card checksum, Luhn for bank cards")

    @model_validator(mode="after")
    def _one_kind(self) -> Pattern:
        if (self.literal is None) == (self.regex is None):
            raise ValueError("a pattern is either `literal` or `regex`, not both or neither")
        if self.validator is not None and self.regex is None:
            raise ValueError("`validator` applies to regex patterns")
        return self


class AppliesTo(BaseModel):
    """Where a rule applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[ItemKind] = Field(default_factory=lambda: list(ALL_ITEMS))
    accounts: list[AccountKindName] = Field(default_factory=lambda: list(ALL_ACCOUNTS))


class Rule(BaseModel):
    """One lexicon rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", description="e.g. FIN-GUAR-001")
    category: Category
    severity: Severity
    weight: int = Field(ge=1, le=100, description="points one hit adds to the 0–100 score")
    patterns: list[Pattern] = Field(min_length=1)
    exceptions: list[str] = Field(
        default_factory=list,
        description="phrases that cancel a hit they contain or overlap (非保本 cancels 保本)")
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    normalize: Normalization = Field(default_factory=Normalization)
    citation: str = Field(min_length=1, description="regulation or policy, e.g. 《广告法》第九条")
    suggestion: str = Field(min_length=1, description="how to fix it, in Chinese")


class WordList(BaseModel):
    """A plain word list (one term per line, ``#`` comments) loaded as one literal rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
    file: str = Field(description="path relative to the YAML file")
    category: Category
    severity: Severity
    weight: int = Field(ge=1, le=100)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    # Lists can hold tens of thousands of terms; every term is squeezed like the text, so
    # separator- and repeat-tolerance cost nothing per term and are on by default.
    normalize: Normalization = Field(default_factory=Normalization)
    citation: str = Field(min_length=1)
    suggestion: str = Field(min_length=1)


class RiskNoticeRule(BaseModel):
    """The absence rule: marketing a wealth/investment product without the risk notice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
    severity: Severity
    weight: int = Field(ge=1, le=100)
    triggers: list[str] = Field(min_length=1, description="terms that mean a product is marketed")
    notices: list[str] = Field(min_length=1, description="accepted risk-notice wordings")
    applies_to: AppliesTo = Field(default_factory=lambda: AppliesTo(items=["post"]))
    citation: str = Field(min_length=1)
    suggestion: str = Field(min_length=1)


class LexiconFile(BaseModel):
    """One YAML file of a lexicon."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Rule] = Field(default_factory=list)
    word_lists: list[WordList] = Field(default_factory=list)
    risk_notice: RiskNoticeRule | None = None
