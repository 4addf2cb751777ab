"""Generate ``examples/roster.csv``: the account registry (花名册) of a fictional bank.

The bank is 江南银行 (fictional). The roster holds its official accounts, its employees'
accounts and 100+ accounts of fictional competitors on all seven platforms. The script uses the
standard library only and a fixed seed, so running it again reproduces the committed CSV byte
for byte::

    python examples/make_roster.py            # rewrites examples/roster.csv
    python examples/make_roster.py /tmp/x.csv # writes elsewhere
"""

from __future__ import annotations

import argparse
import csv
import random
import string
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20261122
BANK = "江南银行"
BANK_SUBJECT = "江南银行股份有限公司"
EMAIL_DOMAIN = "jnbank.example"

COLUMNS = (
    "account_key", "platform", "platform_account_id", "display_name", "kind", "org_unit",
    "team", "owner", "owner_mobile", "owner_email", "owner_wecom",
    "expected_verification_subject", "competitor_group",
)
PLATFORMS = (
    "douyin", "xiaohongshu", "weixin_channels", "weixin_mp", "weibo", "bilibili", "kuaishou",
)

# (surname, pinyin) and (given-name character, pinyin): names and their e-mail / WeCom ids.
SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"),
    ("何", "he"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("沈", "shen"),
    ("钱", "qian"), ("蒋", "jiang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邵", "shao"), ("方", "fang"), ("俞", "yu"), ("叶", "ye"),
)
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"),
    ("军", "jun"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"),
    ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("晓", "xiao"),
    ("雨", "yu"), ("欣", "xin"), ("婷", "ting"), ("浩", "hao"), ("宇", "yu"), ("佳", "jia"),
    ("琳", "lin"), ("子", "zi"), ("怡", "yi"), ("嘉", "jia"), ("文", "wen"), ("思", "si"),
    ("倩", "qian"), ("晨", "chen"), ("阳", "yang"), ("悦", "yue"), ("彤", "tong"),
    ("凯", "kai"), ("瑶", "yao"),
)

# Branch -> its sub-branches (支行). City names are real places; the bank is not.
BRANCHES = {
    "杭州分行": ("西湖支行", "滨江支行", "萧山支行", "余杭支行"),
    "宁波分行": ("鄞州支行", "江北支行"),
    "温州分行": ("鹿城支行", "瑞安支行"),
    "绍兴分行": ("柯桥支行",),
    "嘉兴分行": ("南湖支行",),
    "苏州分行": ("工业园区支行", "姑苏支行"),
    "上海分行": ("浦东支行", "徐汇支行"),
    "南京分行": ("鼓楼支行",),
}

# Head-office official accounts: (org unit, display name, subject, team, platforms).
HEAD_OFFICE_ACCOUNTS = (
    ("总行/办公室", BANK, BANK_SUBJECT, "品牌传播团队", PLATFORMS),
    ("总行/信用卡中心", f"{BANK}信用卡", f"{BANK_SUBJECT}信用卡中心", "信用卡营销团队",
     PLATFORMS),
    ("总行/网络金融部", f"{BANK}手机银行", BANK_SUBJECT, "数字渠道运营组",
     ("douyin", "weixin_mp", "weixin_channels", "xiaohongshu")),
    ("总行/零售银行部", f"{BANK}财富管理", BANK_SUBJECT, "财富内容组",
     ("douyin", "xiaohongshu", "weixin_mp", "weixin_channels")),
    ("总行/零售银行部", "江南财富说", BANK_SUBJECT, "财富内容组", ("bilibili", "weibo")),
    ("总行/私人银行部", f"{BANK}私人银行", BANK_SUBJECT, "高净值客户服务组",
     ("weixin_mp", "weixin_channels")),
    ("总行/普惠金融部", f"{BANK}普惠金融", BANK_SUBJECT, "小微金融推广组",
     ("weixin_mp", "douyin", "kuaishou")),
    ("总行/消费者权益保护部", f"{BANK}消保小课堂", BANK_SUBJECT, "金融知识宣教组",
     ("douyin", "weixin_channels", "weibo")),
    ("总行/人力资源部", f"{BANK}招聘", BANK_SUBJECT, "校园招聘组",
     ("weixin_mp", "bilibili")),
)
BRANCH_OFFICIAL_PLATFORMS = ("douyin", "weixin_mp", "weixin_channels", "xiaohongshu")
SUB_BRANCH_OFFICIAL_PLATFORMS = ("douyin", "weixin_channels")

HEAD_OFFICE_EMPLOYEE_UNITS = (
    ("总行/网络金融部", ("直播运营组", "内容创作组")),
    ("总行/零售银行部", ("财富顾问团队", "内容创作组")),
    ("总行/信用卡中心", ("信用卡推广组", "分期业务组")),
    ("总行/私人银行部", ("私行顾问团队",)),
    ("总行/普惠金融部", ("小微客户经理团队",)),
)
BRANCH_TEAMS = ("零售团队", "理财经理团队", "对公客户经理团队", "信用卡团队")
SUB_BRANCH_TEAMS = ("理财经理团队", "大堂服务团队", "零售团队")

EMPLOYEE_NAME_PATTERNS = (
    "{nick}理财日记", "{nick}聊理财", "{city}{nick}说钱", "{nick}的银行日常",
    "{nick}信用卡攻略", "理财师{nick}", "{nick}带你存钱", "{nick}的财富笔记",
    "银行人{nick}", "{nick}每日财经", "{city}理财{nick}", "{nick}聊聊钱",
    "{nick}的搞钱日记", "{nick}说保险", "{nick}陪你攒钱",
)
EMPLOYEE_PLATFORM_WEIGHTS = (
    ("douyin", 34), ("xiaohongshu", 30), ("weixin_channels", 16), ("kuaishou", 8),
    ("weibo", 6), ("bilibili", 5), ("weixin_mp", 1),
)

# Fictional competitors: (brand, group, platforms of the main account, has a card account).
COMPETITORS = (
    ("东岳银行", "全国性银行", PLATFORMS, True),
    ("华辰银行", "全国性银行", PLATFORMS, True),
    ("中曜银行", "全国性银行", PLATFORMS, True),
    ("北辰银行", "全国性银行", PLATFORMS, True),
    ("瀚海银行", "全国性银行", PLATFORMS, True),
    ("天衡银行", "全国性银行", PLATFORMS[:6], True),
    ("鼎元银行", "全国性银行", PLATFORMS[:6], True),
    ("启明银行", "全国性银行", PLATFORMS[:5], True),
    ("海川银行", "优质地方银行", ("douyin", "xiaohongshu", "weixin_mp", "weixin_channels"), True),
    ("青岚银行", "优质地方银行", ("douyin", "weixin_mp", "weixin_channels", "weibo"), True),
    ("云岫银行", "优质地方银行", ("douyin", "xiaohongshu", "weixin_mp"), False),
    ("星澜银行", "优质地方银行", ("douyin", "weixin_mp", "weixin_channels"), False),
    ("澄湖银行", "优质地方银行", ("douyin", "xiaohongshu", "weixin_mp"), False),
    ("沧浪商业银行", "优质地方银行", ("weixin_mp", "weixin_channels", "douyin"), False),
    ("鹭洲银行", "优质地方银行", ("douyin", "weixin_mp"), False),
    ("松湖农商银行", "本地金融机构", ("douyin", "weixin_mp"), False),
    ("澜溪村镇银行", "本地金融机构", ("weixin_mp", "weixin_channels"), False),
    ("青禾农商银行", "本地金融机构", ("douyin", "weixin_mp", "kuaishou"), False),
    ("鹭湾消费金融", "本地金融机构", ("douyin", "xiaohongshu", "weixin_mp"), False),
    ("芷汀农村信用社", "本地金融机构", ("weixin_mp",), False),
    ("泓川农商银行", "本地金融机构", ("douyin", "weixin_channels"), False),
    ("栎山村镇银行", "本地金融机构", ("weixin_mp", "douyin"), False),
)
CARD_ACCOUNT_PLATFORMS = ("douyin", "weixin_mp", "xiaohongshu")


@dataclass(frozen=True)
class Person:
    """A staff member who owns accounts."""

    name: str
    surname: str
    given: str
    mobile: str
    email: str
    wecom: str


class RosterBuilder:
    """Accumulates rows, keeping ids, names and contacts unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: list[dict[str, str]] = []
        self._ids: set[str] = set()
        self._names: set[str] = set()
        self._people: set[str] = set()
        self._mobiles: set[str] = set()
        self._wecom: set[str] = set()

    # -- identities -------------------------------------------------------------------
    def platform_account_id(self, platform: str) -> str:
        """A fresh platform account id shaped like the platform's own ids."""
        while True:
            candidate = self._account_id(platform)
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def _account_id(self, platform: str) -> str:
        rng = self.rng
        alnum = string.ascii_lowercase + string.digits
        if platform == "douyin":
            return str(rng.randint(10**10, 10**12 - 1))
        if platform == "xiaohongshu":
            return rng.choice("56") + "".join(rng.choice("0123456789abcdef") for _ in range(23))
        if platform == "weixin_channels":
            return "sph" + "".join(rng.choice(string.ascii_letters + string.digits)
                                   for _ in range(7))
        if platform == "weixin_mp":
            return "gh_" + "".join(rng.choice("0123456789abcdef") for _ in range(12))
        if platform == "weibo":
            return str(rng.randint(10**9, 8 * 10**9))
        if platform == "bilibili":
            return str(rng.randint(10**6, 3 * 10**9))
        if platform == "kuaishou":
            return "3x" + "".join(rng.choice(alnum) for _ in range(13))
        raise ValueError(f"unknown platform {platform}")

    def person(self) -> Person:
        """A fresh staff member with a unique name, mobile, e-mail and WeCom id."""
        rng = self.rng
        while True:
            surname, s_py = rng.choice(SURNAMES)
            picks = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2)))]
            given = "".join(c for c, _ in picks)
            name = surname + given
            if name not in self._people:
                break
        self._people.add(name)
        base = s_py + "".join(p for _, p in picks)
        wecom, n = base, 1
        while wecom in self._wecom:
            n += 1
            wecom = f"{base}{n}"
        self._wecom.add(wecom)
        while True:
            mobile = "1" + rng.choice("3456789") + "".join(rng.choice(string.digits)
                                                          for _ in range(9))
            if mobile not in self._mobiles:
                break
        self._mobiles.add(mobile)
        return Person(name, surname, given, mobile, f"{wecom}@{EMAIL_DOMAIN}", wecom)

    # -- rows -------------------------------------------------------------------------
    def add(self, *, platform: str, display_name: str, kind: str, org_unit: str = "",
            team: str = "", owner: Person | None = None, subject: str = "",
            competitor_group: str = "") -> None:
        """Append one row with a fresh platform account id."""
        account_id = self.platform_account_id(platform)
        self.rows.append({
            "account_key": f"{platform}:{account_id}",
            "platform": platform,
            "platform_account_id": account_id,
            "display_name": display_name,
            "kind": kind,
            "org_unit": org_unit,
            "team": team,
            "owner": owner.name if owner else "",
            "owner_mobile": owner.mobile if owner else "",
            "owner_email": owner.email if owner else "",
            "owner_wecom": owner.wecom if owner else "",
            "expected_verification_subject": subject,
            "competitor_group": competitor_group,
        })
        self._names.add(f"{platform}/{display_name}")

    def name_is_free(self, platform: str, display_name: str) -> bool:
        """Whether no account on ``platform`` has this display name yet."""
        return f"{platform}/{display_name}" not in self._names


def add_official_accounts(b: RosterBuilder) -> None:
    """Head-office brand accounts, then one set per branch and a few per sub-branch."""
    for org_unit, name, subject, team, platforms in HEAD_OFFICE_ACCOUNTS:
        owner = b.person()
        for platform in platforms:
            b.add(platform=platform, display_name=name, kind="official", org_unit=org_unit,
                  team=team, owner=owner, subject=subject)
    for branch, subs in BRANCHES.items():
        city = branch.removesuffix("分行")
        owner = b.person()
        for platform in BRANCH_OFFICIAL_PLATFORMS:
            if platform == "xiaohongshu" and b.rng.random() < 0.4:
                continue
            b.add(platform=platform, display_name=f"{BANK}{branch}", kind="official",
                  org_unit=branch, team="分行办公室", owner=owner,
                  subject=f"{BANK_SUBJECT}{branch}")
        for sub in subs[:2]:
            sub_owner = b.person()
            for platform in SUB_BRANCH_OFFICIAL_PLATFORMS:
                if platform == "weixin_channels" and b.rng.random() < 0.5:
                    continue
                b.add(platform=platform, display_name=f"{BANK}{city}{sub}", kind="official",
                      org_unit=f"{branch}/{sub}", team="支行运营", owner=sub_owner,
                      subject=f"{BANK_SUBJECT}{city}{sub}")


def _employee_units() -> list[tuple[str, tuple[str, ...], str, int]]:
    """(org unit, teams, city, weight): where employees with accounts work."""
    units: list[tuple[str, tuple[str, ...], str, int]] = [
        (unit, teams, "杭州", 3) for unit, teams in HEAD_OFFICE_EMPLOYEE_UNITS
    ]
    for branch, subs in BRANCHES.items():
        city = branch.removesuffix("分行")
        units.append((branch, BRANCH_TEAMS, city, 4))
        units.extend((f"{branch}/{sub}", SUB_BRANCH_TEAMS, city, 3) for sub in subs)
    return units


def _employee_display_name(b: RosterBuilder, person: Person, city: str, platform: str) -> str:
    rng = b.rng
    last = person.given[-1]
    nicks = (f"小{person.surname}", f"阿{last}", last + rng.choice("姐哥"), f"{person.surname}经理",
             person.given if len(person.given) == 2 else f"小{person.given}")
    while True:
        name = rng.choice(EMPLOYEE_NAME_PATTERNS).format(nick=rng.choice(nicks), city=city)
        if b.name_is_free(platform, name):
            return name


def _weighted_platform(rng: random.Random) -> str:
    total = sum(w for _, w in EMPLOYEE_PLATFORM_WEIGHTS)
    pick = rng.randrange(total)
    for platform, weight in EMPLOYEE_PLATFORM_WEIGHTS:
        if pick < weight:
            return platform
        pick -= weight
    raise AssertionError("unreachable")


def add_employee_accounts(b: RosterBuilder, people: int = 140) -> None:
    """Employees' own accounts; some run the same persona on a second platform."""
    rng = b.rng
    units = _employee_units()
    weights = [w for *_, w in units]
    for _ in range(people):
        org_unit, teams, city, _w = rng.choices(units, weights=weights)[0]
        person = b.person()
        team = rng.choice(teams)
        first = _weighted_platform(rng)
        platforms = [first]
        if rng.random() < 0.2:
            second = _weighted_platform(rng)
            if second != first:
                platforms.append(second)
        name = _employee_display_name(b, person, city, first)
        subject = ""
        if rng.random() < 0.08:
            branch = org_unit.split("/")[0]
            subject = BANK_SUBJECT if branch == "总行" else f"{BANK_SUBJECT}{branch}"
        for platform in platforms:
            if not b.name_is_free(platform, name):
                name = _employee_display_name(b, person, city, platform)
            b.add(platform=platform, display_name=name, kind="employee", org_unit=org_unit,
                  team=team, owner=person, subject=subject)


def add_competitor_accounts(b: RosterBuilder) -> None:
    """Fictional competitors in the three tiers; no owner, no org unit."""
    for brand, group, platforms, has_card in COMPETITORS:
        subject = f"{brand}股份有限公司"
        for platform in platforms:
            b.add(platform=platform, display_name=brand, kind="competitor", subject=subject,
                  competitor_group=group)
        if has_card:
            for platform in CARD_ACCOUNT_PLATFORMS:
                b.add(platform=platform, display_name=f"{brand}信用卡", kind="competitor",
                      subject=f"{subject}信用卡中心", competitor_group=group)


def build_rows(seed: int = SEED) -> list[dict[str, str]]:
    """All roster rows, deterministic for ``seed``."""
    b = RosterBuilder(random.Random(seed))
    add_official_accounts(b)
    add_employee_accounts(b)
    add_competitor_accounts(b)
    return b.rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """UTF-8, header row, ``\\n`` line ends: the same bytes on every OS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Write the roster to the given path (default: roster.csv beside this script)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent / "roster.csv")
    args = parser.parse_args(argv)
    rows = build_rows()
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} accounts to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
