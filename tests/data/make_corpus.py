"""Write tests/data/sensitivity_corpus.jsonl: a labelled corpus for the sensitivity scorer.

    python tests/data/make_corpus.py

Deterministic (seeded). Positives for every category, each term also in evasion variants
(separators, zero-width characters, full-width forms, traditional characters, repeats,
pinyin, case), and hard negatives: negations, anti-fraud education quoting the phrases,
ordinary banking talk, marketing that carries the risk notice, competitor posts (not judged
for marketing compliance), questions and praise in comments, numbers that fail their checksum.
``categories`` is the exact set of categories an item must be flagged for.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import opencc
from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parent / "sensitivity_corpus.jsonl"
NOTICE = "理财非存款，产品有风险，投资须谨慎。"
RNG = random.Random(20261122)
S2T = opencc.OpenCC("s2t")

OPENERS = ["各位客户朋友大家好，", "今天给大家介绍一下，", "【江南银行】", "小江来啦！",
           "周末在家也能办业务，", "网点新消息：", "分享一个好消息，", "本周福利来袭，"]
CLOSERS = ["欢迎到就近网点咨询。", "详情可咨询客户经理。", "点击主页了解更多。",
           "关注我们获取更多资讯。", "有疑问请留言。"]

# category → (terms that must be caught, sentence templates with {t})
MARKETING: dict[str, tuple[list[str], list[str]]] = {
    "guarantee": (["保本保息", "稳赚不赔", "零风险", "本金无忧", "保证收益", "承诺收益",
                   "刚性兑付", "只赚不赔"],
                  ["这款产品{t}，闭着眼睛买都行。", "我们的新产品{t}，适合稳健型客户。",
                   "买它就是{t}，放心入手。"]),
    "absolute_terms": (["国家级", "最佳", "最高收益", "最安全", "全网最低", "顶级", "首选",
                        "绝对安全"],
                       ["我行信用卡权益是{t}水准。", "这是{t}的选择，错过可惜。",
                        "手机银行服务堪称{t}。"]),
    "inflated_performance": (["历史收益率高达", "年年跑赢", "从未亏损", "收益翻倍", "稳居榜首"],
                             ["这只产品{t}，业绩有目共睹。", "我们的投资团队{t}。",
                              "过去几年{t}，值得信赖。"]),
    "hidden_risk": (["理财就是存款", "和存款一样安全", "存款替代", "无风险理财", "保本理财"],
                    ["很多人问我，其实{t}，大家放心。", "这款是{t}的好选择。",
                     "把钱放这里，{t}。"]),
    "official_backing": (["银保监会推荐", "央行认证", "国家担保", "政府兜底", "监管背书"],
                         ["本产品{t}，安全可靠。", "{t}，您还担心什么？", "这是{t}的好产品。"]),
    "endorsement": (["明星推荐", "专家力荐", "网红同款理财", "大V推荐", "代言人推荐"],
                    ["{t}的好产品，现在就能买。", "{t}，大家都在买。", "这款是{t}。"]),
    "pressure_selling": (["即将停售", "仅剩名额", "限时抢购", "返现", "送现金", "手慢无"],
                         ["这款产品{t}，抓紧时间！", "今天办卡{t}，赶快行动。",
                          "{t}，先到先得。"]),
}
PLATFORM: dict[str, list[str]] = {
    "gambling": ["网络赌博", "博彩", "百家乐", "赌球", "六合彩", "时时彩", "网赌"],
    "pornography": ["色情", "约炮", "裸聊", "黄色网站", "援交"],
    "politics": ["颠覆国家政权", "煽动分裂国家", "邪教组织", "反动言论"],
    "violence": ["爆炸物制作", "枪支出售", "恐怖袭击", "制造炸弹", "买枪"],
}
PLATFORM_TEMPLATES = ["私信我了解{t}，稳定收入。", "这个评论区有人发{t}的链接。",
                      "加群看{t}内容。"]
ILLEGAL = (["荐股", "带单", "内幕消息", "虚拟货币", "炒币", "usdt", "征信修复", "洗白征信",
            "信用卡代还", "信用卡套现", "以贷养贷"],
           ["加我微信，专业{t}，月入过万。", "需要{t}的私聊我。", "有{t}渠道，价格优惠。"])
COMPLAINTS = (["投诉", "维权", "暴雷", "跑路", "乱收费", "态度差", "拒赔", "强制搭售",
               "客服打不通", "12378"],
              ["你们网点{t}，太让人失望了！", "已经打了{t}，等处理。", "再这样我就去{t}。"])
TRIGGERS = ["理财产品", "年化收益", "业绩比较基准", "七日年化", "基金定投"]


def separators(term: str) -> str:
    marks = ["!", "@", "#", "*", " ", "~", "·", "、", "…"]
    return "".join(ch + (RNG.choice(marks) if i < len(term) - 1 else "")
                   for i, ch in enumerate(term))


def zero_width(term: str) -> str:
    return "\u200b".join(term)


def full_width(term: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)


def traditional(term: str) -> str:
    return str(S2T.convert(term))


def repeats(term: str) -> str:
    return "".join(ch * (2 if i % 2 == 0 else 1) for i, ch in enumerate(term))


def pinyin_first(term: str) -> str:
    return lazy_pinyin(term[0], style=Style.NORMAL)[0] + term[1:]


def upper(term: str) -> str:
    return term.upper()


EVASIONS: list[tuple[str, Callable[[str], str]]] = [
    ("separators", separators), ("zero-width", zero_width), ("traditional", traditional),
    ("repeats", repeats)]

items: list[dict[str, object]] = []


def add(text: str, item: str, account: str, categories: list[str], note: str) -> None:
    items.append({"id": f"c{len(items) + 1:04d}", "text": text, "item": item,
                  "account": account, "categories": sorted(categories), "note": note})


def labels(category: str, term: str) -> list[str]:
    """A term that also claims principal protection (保本理财) is a guarantee claim too."""
    return sorted({category} | ({"guarantee"} if "保本" in term else set()))


def post_text(sentence: str, notice: bool = True) -> str:
    return RNG.choice(OPENERS) + sentence + RNG.choice(CLOSERS) + (NOTICE if notice else "")


def own() -> str:
    return RNG.choice(["official", "employee"])


def main() -> None:
    # marketing categories: posts of own accounts, with the notice (only the term is wrong)
    for category, (terms, templates) in MARKETING.items():
        for n in range(max(0, 30 - 3 * len(terms))):  # top up small categories
            term = terms[n % len(terms)]
            name, evade = EVASIONS[n % len(EVASIONS)]
            add(post_text(templates[n % len(templates)].format(t=evade(term))), "post", own(),
                labels(category, term), f"evasion: {name}")
        for term in terms:
            add(post_text(RNG.choice(templates).format(t=term)), "post", own(),
                labels(category, term), "plain")
            name, evade = EVASIONS[len(items) % len(EVASIONS)]
            add(post_text(RNG.choice(templates).format(t=evade(term))), "post", own(),
                labels(category, term), f"evasion: {name}")
            if category == "guarantee":
                add(post_text(RNG.choice(templates).format(t=pinyin_first(term))), "post",
                    own(), [category], "evasion: pinyin")
                add(post_text(RNG.choice(templates).format(t=full_width(term))), "post",
                    own(), [category], "evasion: full-width")
            else:
                name, evade = EVASIONS[(len(items) + 1) % len(EVASIONS)]
                add(post_text(RNG.choice(templates).format(t=evade(term))), "post", own(),
                    labels(category, term), f"evasion: {name}")
            # competitors are watched, not judged, for marketing compliance
            add(post_text(RNG.choice(templates).format(t=term)), "post", "competitor", [],
                "competitor marketing")
    # illegal finance: any item, any account
    terms, templates = ILLEGAL
    for term in terms:
        for kind in ("comment", "post"):
            text = RNG.choice(templates).format(t=term)
            add(text if kind == "comment" else post_text(text), kind,
                RNG.choice(["official", "employee", "competitor"]), ["illegal_finance"], "plain")
        name, evade = EVASIONS[len(items) % len(EVASIONS)]
        evaded = upper(term) if term.isascii() else evade(term)
        add(RNG.choice(templates).format(t=evaded), "comment", own(), ["illegal_finance"],
            f"evasion: {'case' if term.isascii() else name}")
    # complaints: comments under own accounts' posts; the same words in a post are not flagged
    terms, templates = COMPLAINTS
    for n, term in enumerate(terms):
        add(templates[n % len(templates)].format(t=traditional(term)), "comment", own(),
            ["complaint"], "evasion: traditional")
        add(RNG.choice(templates).format(t=term), "comment", own(), ["complaint"], "plain")
        name, evade = EVASIONS[len(items) % len(EVASIONS)]
        evaded = full_width(term) if term.isdigit() else evade(term)
        add(RNG.choice(templates).format(t=evaded), "comment", own(), ["complaint"],
            f"evasion: {'full-width' if term.isdigit() else name}")
        add(RNG.choice(templates).format(t=term), "comment", "competitor", [],
            "complaint under a competitor's post: not our opinion risk")
    # platform categories from word lists (1:1 evasions: traditional, full-width)
    for category, words in PLATFORM.items():
        for n in range(27):
            word = words[n % len(words)]
            variant, note = [(word, "plain"), (traditional(word), "evasion: traditional"),
                             (word, "in a post")][n % 3]
            text = PLATFORM_TEMPLATES[(n // 3) % len(PLATFORM_TEMPLATES)].format(t=variant)
            if note == "in a post":
                add(post_text(text), "post", own(), [category], note)
            else:
                add(text, "comment", RNG.choice(["official", "employee", "competitor"]),
                    [category], note)
    # personal data
    for n in range(40):
        kind = n % 4
        if kind == 0:
            value, note = id_number(valid=True), "id card"
        elif kind == 1:
            value, note = luhn_number(valid=True), "bank card"
        elif kind == 2:
            value, note = "1" + RNG.choice("3589") + "".join(RNG.choice("0123456789")
                                                             for _ in range(9)), "mobile"
        else:
            value, note = f"zhang{n}@example.com", "e-mail"
        shown = full_width(value) if n % 5 == 0 else value
        add(f"客户资料：{RNG.choice(['王先生', '李女士', '张经理'])}，{shown}，请尽快回访。",
            RNG.choice(["post", "comment"]), own(), ["personal_data"],
            f"{note}{' full-width' if n % 5 == 0 else ''}")
    for n in range(20):
        value = id_number(valid=False) if n % 2 == 0 else luhn_number(valid=False)
        add(f"单据编号{value}已归档。", "post", own(), [], "checksum fails")
    # missing risk notice: marketing a product without the notice, and with it
    sentences = ["本期新发一款{t}，起购金额1万元。", "这款{t}表现稳健，欢迎了解。",
                 "{t}上新啦，适合闲钱打理。"]
    for n in range(30):
        sentence = sentences[n % 3].format(t=TRIGGERS[n % len(TRIGGERS)])
        add(post_text(sentence, notice=False), "post", own(), ["missing_risk_notice"],
            "no notice")
        add(post_text(sentence, notice=True), "post", own(), [], "with notice")
    negatives()
    OUT.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                   encoding="utf-8")
    print(f"{len(items)} items -> {OUT}", file=sys.stderr)


def id_number(valid: bool) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = (RNG.choice(["110101", "330106", "320505", "440304"]) +
            f"{RNG.randint(1960, 2004)}{RNG.randint(1, 12):02d}{RNG.randint(1, 28):02d}"
            f"{RNG.randint(0, 999):03d}")
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    if not valid:
        check = "10X98765432"[("10X98765432".index(check) + 3) % 11]
    return body + check


def luhn_number(valid: bool) -> str:
    body = "62" + "".join(RNG.choice("0123456789") for _ in range(15))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    check = (10 - total % 10) % 10
    return body + str(check if valid else (check + 5) % 10)


def negatives() -> None:
    plain_posts = [
        "本产品为非保本浮动收益型产品，不保证本金和收益。",
        "存款利率自下月起调整，具体以网点公告为准。",
        "手机银行完成升级，新增账单查询和转账限额设置功能。",
        "国庆期间网点营业时间调整为上午九点至下午四点。",
        "第一次来网点办业务的客户，请携带本人有效身份证件。",
        "第一季度我行个人客户满意度调查结果已经公布。",
        "反诈提醒：警惕所谓稳赚不赔的投资，谨防上当受骗。",
        "监管部门提醒消费者，谨防零风险高收益的宣传陷阱。",
        "警惕虚拟货币骗局，守护好自己的钱袋子。",
        "提醒大家：荐股都是骗局，切勿相信陌生人。",
        "征信修复都是骗局，征信只能依法查询，切勿相信。",
        "我行不存在政府兜底的产品，请理性投资。",
        "信用卡账单分期手续费说明已更新，请在手机银行查看。",
        "网点新增了适老化服务区，老年客户办理业务更方便。",
        "今天是世界储蓄日，一起学习如何合理规划家庭开支。",
        "如何识别假冒客服？记住官方客服电话，不点陌生链接。",
        "社保卡激活流程：携带身份证到任意网点即可办理。",
        "小微企业贷款申请材料清单，欢迎收藏。",
        "本周六网点开展金融知识进社区活动，欢迎参加。",
        "打破刚性兑付是资管新规的要求，投资者要自担风险。",
        "本条视频第一部分介绍开户流程，第二部分介绍转账。",
        "过往业绩不代表未来表现，请谨慎选择。",
        "我们提供外汇兑换、跨境汇款等服务，详询网点。",
        "保险不是存款，购买前请仔细阅读条款。",
        "理财非存款，产品有风险，投资须谨慎。",
    ]
    for text in plain_posts:
        add(text, "post", own(), [], "hard negative")
        add(RNG.choice(OPENERS) + text, "post", "competitor", [], "hard negative, competitor")
    comments = ["请问这个产品风险等级是多少？", "客服态度很好，点赞！", "在哪里可以预约开户？",
                "怎么投诉这个骗子电话？我接到冒充银行的电话了", "收益是怎么计算的？",
                "手机银行好用，转账很快。", "网点小姐姐很耐心，谢谢。", "周末营业吗？",
                "信用卡额度怎么提升？", "感谢分享，学到了。", "第一次用手机银行，挺方便。",
                "视频做得不错，继续加油。", "存款利率还会降吗？", "这个活动我参加了，很有意思。",
                "请问外币可以存定期吗？"]
    for text in comments:
        for account in ("official", "employee", "competitor"):
            add(text, "comment", account, [], "ordinary comment")
    profiles = ["江南银行官方账号，为您提供金融资讯。", "江南银行杭州分行，服务地方经济。",
                "理财经理小江，分享金融知识，不构成投资建议。", "江南银行信用卡中心官方账号。",
                "记录网点的日常，传递温暖服务。"]
    for text in profiles:
        for account in ("official", "employee"):
            add(text, "profile", account, [], "ordinary profile")
    ordinary = ["新版手机银行上线，界面更简洁。", "网点排队可以先在手机上取号。",
                "出国旅行前记得开通境外支付功能。", "孩子的压岁钱可以存成定期。",
                "夏季防暑小贴士：网点为您准备了凉茶。", "办理房贷前，先算算月供压力。",
                "转账前请核对收款人信息。", "养老金领取资格认证可以在线完成。"]
    for n in range(60):
        add(post_text(ordinary[n % len(ordinary)], notice=n % 2 == 0), "post", own(), [],
            "ordinary post")


if __name__ == "__main__":
    main()
