"""Write tests/data/sensitivity_corpus.jsonl: a labelled corpus for the sensitivity scorer.

    python tests/data/make_corpus.py

Standard library only, deterministic (seeded). Every line is one item: ``text``, ``item``
(post / comment / profile), ``account`` (official / employee / competitor), ``categories`` (the
exact set of categories the item must be flagged for; empty = must not be flagged) and a
``note`` (``evasion: …`` for evasion variants).

Positives for every category, each also in evasion variants (separators, zero-width characters,
full-width forms, traditional characters, repeats, circled and Chinese digits, pinyin, case and
stylised letters), and hard negatives: negations (非保本), anti-fraud education quoting the
phrases (警惕"稳赚不赔"), ordinary banking talk (第一次开户, 第一季度), marketing that carries the
risk notice, competitor posts (watched, not judged for marketing compliance), questions and
praise in comments, complaint words outside comments, numbers that fail their checksum.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sensitivity_corpus.jsonl"
RNG = random.Random(20261122)

NOTICES = ["理财非存款，产品有风险，投资须谨慎。", "理财非存款、产品有风险、投资需谨慎。",
           "（理财非存款，产品有风险，投资须谨慎）", "理财非存款，产品有风险，投资须谨慎！"]
OPENERS = ["各位客户朋友大家好，", "【江南银行·财富早知道】", "小江来啦！",
           "周末在家也能打理钱包，", "网点新消息：", "本周福利来袭，", "理财经理小周来分享：",
           "早上好，"]
CLOSERS = ["欢迎到就近网点咨询。", "详情可咨询您的客户经理。", "点击主页了解更多。",
           "关注我们获取更多资讯。", "有疑问请在评论区留言。"]
# Sentences about a wealth product: each carries a risk-notice trigger.
PRODUCT = [
    "本期理财产品为固定收益类，风险等级R2，投资期限182天，1万元起购。",
    "产品业绩比较基准为年化2.60%-3.20%，认购期为11月25日至12月1日。",
    "这款净值型产品每个交易日公布净值，持有满90天后可申请赎回。",
    "产品由江南理财有限责任公司发行管理，本行作为代销机构，可在手机银行认购。",
    "七日年化收益率按日公布，申购和赎回都可以在手机银行完成。",
    "封闭期结束后每月开放一次申购和赎回，具体以产品说明书为准。",
    "适合稳健型及以上投资者的理财产品，首次购买前请先完成风险测评。",
]
# Sentences with no trigger and no lexicon term.
NEUTRAL = [
    "手机银行首页新增了适老化大字版，字体更大、操作更简单。",
    "办理业务前可以先在手机银行预约取号，到店少排队。",
    "冬季用电高峰，记得通过手机银行及时缴纳电费和燃气费。",
    "我们的客户经理会根据您的家庭情况，给出合理的资产配置建议。",
    "新开立的借记卡可在手机银行设置交易限额和短信提醒。",
    "今天和大家聊聊家庭记账，把每月开支分成必需和可选两类。",
    "社保卡、医保码、公积金查询都可以在手机银行一站办理。",
    "网点工作日营业时间为9:00-17:00，周六上午正常营业。",
    "境外旅行前记得在手机银行开通境外交易功能，回国后可随时关闭。",
    "养老金领取资格认证现在可以在家通过人脸识别完成。",
]
LOCAL = ["客户经理小周", "江南银行西湖支行", "理财师阿杰", "江南银行杭州分行"]

# Traditional forms of the characters the evasion variants use (the scorer maps them back).
TRAD = dict(zip(
    "稳赚赔风险证刚兑无忧亏损诺级顶选万绝对国网历业绩从赢储样当监会荐认担书专红将仅额时抢购现错过征复拟货币带单还养贷揽诉维权骗银乱费态恶钱络赌场约视频爆炸枪袭击颠覆组织动制造宝讯价际丝台独势独庄门乐彩荷机飞资内户线",
    "穩賺賠風險證剛兌無憂虧損諾級頂選萬絕對國網歷業績從贏儲樣當監會薦認擔書專紅將僅額時搶購現錯過徵復擬貨幣帶單還養貸攬訴維權騙銀亂費態惡錢絡賭場約視頻爆炸槍襲擊顛覆組織動製造寶訊價際絲臺獨勢獨莊門樂彩荷機飛資內戶線",
    strict=True))
PINYIN = {"保": "bao", "本": "ben", "息": "xi", "稳": "wen", "赚": "zhuan", "不": "bu",
          "赔": "pei", "零": "ling", "风": "feng", "险": "xian", "证": "zheng", "收": "shou",
          "益": "yi", "刚": "gang", "性": "xing", "兑": "dui", "付": "fu", "金": "jin",
          "无": "wu", "忧": "you", "信": "xin", "修": "xiu", "复": "fu", "虚": "xu",
          "拟": "ni", "货": "huo", "币": "bi", "荐": "jian", "股": "gu", "套": "tao",
          "现": "xian", "承": "cheng", "诺": "nuo", "只": "zhi", "包": "bao"}
SEPARATORS = ["!", "@", "#", "*", "·", "_", "|", " ", "~", "-", "/", "…"]


def separators(term: str) -> str:
    return "".join(ch + (RNG.choice(SEPARATORS) if i < len(term) - 1 else "")
                   for i, ch in enumerate(term))


def zero_width(term: str) -> str:
    return "\u200b".join(term)


def full_width(term: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)


def traditional(term: str) -> str:
    return "".join(TRAD.get(c, c) for c in term)


def repeats(term: str) -> str:
    return "".join(ch * (2 if i % 2 == 0 else 1) for i, ch in enumerate(term))


def pinyin_all(term: str) -> str:
    return "".join(PINYIN.get(c, c) for c in term)


def pinyin_first(term: str) -> str:
    return PINYIN.get(term[0], term[0]) + term[1:]


def circled(text: str) -> str:
    return "".join(chr(0x2460 + int(c) - 1) if c in "123456789" else c for c in text)


def chinese_digits(text: str) -> str:
    return "".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in text)


def bold(term: str) -> str:
    """Mathematical bold letters (𝐮𝐬𝐝𝐭)."""
    return "".join(chr(0x1D41A + ord(c) - ord("a")) if "a" <= c <= "z" else c for c in term)


# Terms the lexicon matches with a regex (numbers, gaps): regexes run on the canonical text, so
# only the one-to-one evasions (traditional, full-width, digit styles) apply to them.
REGEX_TERMS = {"近3年年化收益高达8.6%", "过去5年收益率超过40%", "连续5年跑赢", "历史收益率高达12%",
               "这款理财也受存款保险保护", "人民银行重点推荐的理财", "仅剩3个名额"}
Evasion = tuple[str, Callable[[str], str]]
ONE_TO_ONE: list[Evasion] = [("traditional", traditional), ("full-width", full_width),
                             ("chinese digits", chinese_digits)]
CJK_EVASIONS: list[Evasion] = [("separators", separators), ("zero-width", zero_width),
                               ("traditional", traditional), ("repeats", repeats)]

items: list[dict[str, object]] = []


def add(text: str, item: str, account: str, categories: list[str] | set[str],
        note: str) -> None:
    items.append({"id": f"c{len(items) + 1:04d}", "text": text, "item": item,
                  "account": account, "categories": sorted(set(categories)), "note": note})


def own() -> str:
    return RNG.choice(["official", "employee"])


def anyone() -> str:
    return RNG.choice(["official", "employee", "competitor"])


def padded(head: str, body: str, tail: str) -> str:
    """``head + body + tail`` with neutral sentences added until the post is 110+ characters."""
    extra = [s for s in RNG.sample(NEUTRAL, len(NEUTRAL)) if s not in body]
    while len(head + body + tail) < 110 and extra:
        body += extra.pop()
    return head + body + tail


def marketing_post(core: str, notice: bool = True) -> str:
    """A wealth-product post of 100–300 characters around ``core``."""
    first, second = RNG.sample(PRODUCT, 2)
    return padded(RNG.choice(OPENERS), first + core + second,
                  RNG.choice(CLOSERS) + (RNG.choice(NOTICES) if notice else ""))


def plain_post(core: str, tail: str = "") -> str:
    """A post with no product trigger, 100–300 characters around ``core``."""
    return padded(RNG.choice(OPENERS), RNG.choice(NEUTRAL) + core, RNG.choice(CLOSERS) + tail)


# -- marketing categories -------------------------------------------------------------------
# category → ([(term, extra categories)], [sentences with {t}])
MARKETING: dict[str, tuple[list[tuple[str, list[str]]], list[str]]] = {
    "guarantee": ([
        ("保本保息", []), ("稳赚不赔", []), ("零风险", []), ("本金无忧", []), ("保证收益", []),
        ("承诺收益", []), ("刚性兑付", []), ("保本保收益", []), ("只赚不赔", []),
        ("稳赚不亏", []), ("收益有保障", []), ("亏损包赔", []), ("保底收益", []),
        ("本息无忧", [])],
        ["这款产品{t}，特别适合不想承担波动的叔叔阿姨。",
         "我们这期新品主打{t}，到期本息一次性到账。",
         "很多客户问我安不安全，我只能说：{t}，放心买。",
         "闲钱放进来就是{t}，比放活期强多了。",
         "选我们家的产品就是{t}，您只管安心等着到期。"]),
    "absolute_terms": ([
        ("国家级", []), ("最高级", []), ("最佳", []), ("最高收益", []), ("最安全", []),
        ("全网最低", []), ("唯一", []), ("顶级", []), ("首选", []), ("绝对安全", []),
        ("史无前例", []), ("独一无二", []), ("全国首家", []), ("销量冠军", []),
        ("全省第一", []), ("排名第一", [])],
        ["说到稳健配置，我们这款可以说是{t}的选择。",
         "客户都说这是{t}的财富管理体验。",
         "江南银行为您带来{t}的理财服务。",
         "这次上新的产品堪称{t}，老客户反馈特别好。"]),
    "inflated_performance": ([
        ("历史收益率高达12%", []), ("年年跑赢通胀", []), ("从未亏损", []), ("收益翻倍", []),
        ("稳居榜首", []), ("连续多年正收益", []), ("秒杀同类", []), ("跑赢大盘", []),
        ("近3年年化收益高达8.6%", []), ("过去5年收益率超过40%", []), ("收益翻番", []),
        ("连续5年跑赢", []), ("业绩第一", ["absolute_terms"]), ("从来没亏过", [])],
        ["这只产品{t}，老客户都在追加。",
         "看看数据就知道：{t}，实力摆在这里。",
         "我们的投资团队很稳，产品{t}。",
         "去年买的客户都说好，{t}。"]),
    "hidden_risk": ([
        ("理财就是存款", []), ("和存款一样安全", []), ("跟存款一样稳", []), ("存款替代", []),
        ("无风险理财", []), ("保本理财", ["guarantee"]), ("理财当存款", []),
        ("比存款还安全", []), ("等同存款", []), ("没有任何风险", []), ("毫无风险", []),
        ("理财等于存款", []), ("这款理财也受存款保险保护", [])],
        ["给长辈讲得明白点：{t}，放心交给我们。",
         "很多人不知道，{t}，利息还更高。",
         "老人家最关心安全，这款产品{t}。",
         "一句话总结：{t}，定期到期了可以转进来。"]),
    "official_backing": ([
        ("银保监会推荐", []), ("金融监管总局推荐", []), ("央行认证", []), ("国家担保", []),
        ("政府兜底", []), ("监管背书", []), ("政府担保", []), ("国家兜底", []),
        ("央行推荐", []), ("监管部门认可的产品", []), ("财政兜底", []), ("证监会推荐", []),
        ("人民银行重点推荐的理财", [])],
        ["这款产品有{t}，安全性不用担心。",
         "为什么大家都买？因为是{t}，心里踏实。",
         "这是{t}的稳健之选，名额不多。",
         "{t}，比小平台靠谱太多了。"]),
    "endorsement": ([
        ("明星推荐", []), ("明星同款", []), ("专家力荐", []), ("网红同款", []),
        ("大V推荐", []), ("博主推荐", []), ("股神推荐", []), ("经济学家推荐", []),
        ("明星代言", []), ("客户证言", []), ("专家推荐", []), ("网红推荐", [])],
        ["这款是{t}的理财，最近咨询的人特别多。",
         "{t}！懂行的人都在配置这一款。",
         "直播间里{t}的就是这款稳健产品。",
         "主页置顶视频里有{t}，大家可以看看。"]),
    "pressure_selling": ([
        ("即将停售", []), ("最后一天", []), ("仅剩名额", []), ("返现", []), ("送现金", []),
        ("限时抢购", []), ("错过再等一年", []), ("手慢无", []), ("额度告急", []),
        ("先到先得", []), ("售完即止", []), ("开户即送", []), ("现金红包", []),
        ("仅剩3个名额", []), ("机不可失", [])],
        ["这期产品{t}，想买的抓紧时间。",
         "今天下单{t}，赶紧联系我预约。",
         "额度有数的好产品，{t}！",
         "提醒一下老客户：{t}，犹豫就没了。"]),
}


def marketing() -> None:
    for category, (terms, templates) in MARKETING.items():
        for n, (term, extra) in enumerate(terms):
            labels = {category, *extra}
            template = templates[n % len(templates)]
            add(marketing_post(template.format(t=term)), "post", own(), labels, "plain")
            name, evade = CJK_EVASIONS[n % len(CJK_EVASIONS)]
            if name == "traditional" and traditional(term) == term:
                name, evade = "separators", separators
            if term in REGEX_TERMS:
                name, evade = ONE_TO_ONE[n % len(ONE_TO_ONE)]
                if evade(term) == term:
                    name, evade = "traditional", traditional
            template = templates[(n + 1) % len(templates)]
            add(marketing_post(template.format(t=evade(term))), "post", own(), labels,
                f"evasion: {name}")
            # the same claim without the risk notice: two findings
            if n % 3 == 0:
                template = templates[(n + 2) % len(templates)]
                add(marketing_post(template.format(t=term), notice=False), "post", own(),
                    labels | {"missing_risk_notice"}, "no notice")
            # competitors are watched, not judged, for marketing compliance
            if n % 2 == 0:
                add(marketing_post(RNG.choice(templates).format(t=term), notice=n % 4 == 0),
                    "post", "competitor", [], "competitor marketing")
            # a customer asking about the phrase in a comment is not marketing
            if n % 4 == 1:
                add(f"请问这个产品真的{term}吗？", "comment", own(), [], "question in a comment")
        # profiles (name/bio) of employee accounts
        for term, extra in terms[:3]:
            add(f"{RNG.choice(LOCAL)}｜{term}的理财就找我", "profile", "employee",
                {category, *extra}, "profile")


def marketing_extra_evasions() -> None:
    # pinyin and full-width for the critical guarantee phrases
    pinyin_terms = [("保本保息", pinyin_all), ("稳赚不赔", pinyin_first), ("零风险", pinyin_all),
                    ("保本", pinyin_first), ("刚性兑付", pinyin_all), ("稳赚不赔", pinyin_all),
                    ("本金无忧", pinyin_first), ("保本", pinyin_all)]
    templates = MARKETING["guarantee"][1]
    for n, (term, spell) in enumerate(pinyin_terms):
        add(marketing_post(templates[n % len(templates)].format(t=spell(term))), "post", own(),
            ["guarantee"], "evasion: pinyin")
    add(marketing_post("这款产品ＢＡＯＢＥＮ保息，放心买。"), "post", own(), ["guarantee"],
        "evasion: full-width pinyin")
    add(marketing_post("这款产品BaoBen，到期本息一次性到账。"), "post", own(), ["guarantee"],
        "evasion: mixed case pinyin")
    add(marketing_post("年化收益保证５％，到期一次性还本付息。"), "post", own(), ["guarantee"],
        "evasion: full-width")
    add(marketing_post("我们承诺年化收益不低于④.5%，到期自动到账。"), "post", own(),
        ["guarantee"], "evasion: circled digits")
    add(marketing_post("本产品保证收益五%，省心省力。"), "post", own(), ["guarantee"],
        "evasion: chinese digits")
    # digits in other categories
    add(marketing_post("这只产品近三年年化收益高达八.六%，老客户都在追加。"), "post", own(),
        ["inflated_performance"], "evasion: chinese digits")
    add(marketing_post("这只产品历史收益率高达１２％，老客户都在追加。"), "post", own(),
        ["inflated_performance"], "evasion: full-width")
    add(marketing_post("这期产品仅剩③个名额，想买的抓紧时间。"), "post", own(),
        ["pressure_selling"], "evasion: circled digits")
    add(marketing_post("今天是认购最后①天，赶紧联系我预约。"), "post", own(),
        ["pressure_selling"], "evasion: circled digits")
    add(marketing_post("这次上新的产品全省第１，老客户反馈特别好。"), "post", own(),
        ["absolute_terms"], "evasion: full-width")
    add(marketing_post("这次上新的产品全市第⑴，老客户反馈特别好。"), "post", own(),
        ["absolute_terms"], "evasion: circled digits")
    add(marketing_post("主页置顶视频里有大Ｖ推荐，大家可以看看。"), "post", own(),
        ["endorsement"], "evasion: full-width")
    add(marketing_post("这款产品是明星代言的理财，咨询的人特别多。"), "post", own(),
        ["endorsement"], "plain")
    add(marketing_post("我们请了知名主持人为这款理财代言，欢迎了解。"), "post", own(),
        ["endorsement"], "plain")


# -- missing risk notice --------------------------------------------------------------------
NOTICE_SENTENCES = [
    "本期新发一款理财产品，起购金额1万元，认购期只有一周。",
    "这款净值型产品每个交易日更新净值，闲钱打理很合适。",
    "七日年化收益率2.1%左右的现金管理产品，随用随取。",
    "基金定投每月500元起，适合上班族慢慢积累。",
    "理财新品上线，业绩比较基准年化2.8%-3.4%，欢迎了解。",
    "这只基金由资深基金经理管理，今天开放申购。",
    "这款债券基金波动较小，适合稳健型客户配置。",
    "持有期180天的固收类产品，到期自动赎回到活期。",
    "指数基金怎么选？今天我们推荐一款宽基产品。",
    "本月有两款理财计划开放认购，额度按预约顺序分配。",
]
OTHER_NOTICES = ["市场有风险，投资需谨慎。", "基金有风险，投资须谨慎。",
                 "理财非存款、产品有风险、投资须谨慎。", "投资有风险，入市需谨慎。"]


def risk_notice() -> None:
    for n in range(32):
        sentence = NOTICE_SENTENCES[n % len(NOTICE_SENTENCES)]
        name = ["plain", "traditional"][n % 2]
        body = plain_post(sentence)
        if name == "traditional":
            body = traditional(body)
        add(body, "post", own(), ["missing_risk_notice"], f"no notice ({name})")
    for n in range(30):
        sentence = NOTICE_SENTENCES[n % len(NOTICE_SENTENCES)]
        add(plain_post(sentence, RNG.choice(NOTICES + OTHER_NOTICES)), "post", own(), [],
            "with notice")
    for n in range(10):
        sentence = NOTICE_SENTENCES[n % len(NOTICE_SENTENCES)]
        add(plain_post(sentence), "post", "competitor", [], "competitor without notice")
    for sentence in NOTICE_SENTENCES[:5]:
        add(f"{RNG.choice(LOCAL)}｜{sentence}", "profile", own(), [],
            "profile (the notice rule is for posts)")


# -- illegal finance ------------------------------------------------------------------------
ILLEGAL_TERMS = ["荐股", "带单", "内幕消息", "虚拟货币", "比特币投资", "usdt", "征信修复",
                 "洗白征信", "信用卡代还", "套现", "以贷养贷", "高息揽储", "私募代销", "炒币",
                 "配资炒股", "黑户贷款", "包下款", "原始股", "泰达币", "代客理财"]
ILLEGAL_COMMENTS = ["{t}找我，私信秒回，专业团队。", "有需要{t}的加v详聊，当天搞定。",
                    "群里每天{t}，想进的扣1。", "{t}了解一下？看我主页。"]
ILLEGAL_POSTS = ["朋友圈顺便说一下，{t}业务也可以找我，私聊。",
                 "最近好多朋友问我{t}，需要的可以单独联系我。"]


def illegal() -> None:
    for n, term in enumerate(ILLEGAL_TERMS):
        add(ILLEGAL_COMMENTS[n % 4].format(t=term), "comment", anyone(), ["illegal_finance"],
            "plain")
        if term.isascii():
            evaded, name = full_width(term.upper()), "full-width"
        elif term in ("征信修复", "虚拟货币", "荐股", "套现"):
            evaded, name = pinyin_first(term), "pinyin"
        else:
            name, evade = CJK_EVASIONS[n % len(CJK_EVASIONS)]
            evaded = evade(term)
            if evaded == term:
                evaded, name = separators(term), "separators"
        add(ILLEGAL_COMMENTS[(n + 1) % 4].format(t=evaded), "comment", anyone(),
            ["illegal_finance"], f"evasion: {name}")
        if n % 2 == 0:
            add(plain_post(ILLEGAL_POSTS[n % 4 // 2].format(t=term)), "post", "employee",
                ["illegal_finance"], "employee post")
    add("USDT场外兑换，汇率优惠，量大从优。", "comment", anyone(), ["illegal_finance"],
        "evasion: case")
    add(f"{bold('usdt')}高价回收，秒到账。", "comment", anyone(), ["illegal_finance"],
        "evasion: stylised letters")
    add("UsDt搬砖套利，一天几个点。", "comment", anyone(), ["illegal_finance"],
        "evasion: mixed case")


# -- personal data --------------------------------------------------------------------------
def id_number(valid: bool) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = (RNG.choice(["110101", "330106", "320505", "440304", "330102", "510104"]) +
            f"{RNG.randint(1960, 2004)}{RNG.randint(1, 12):02d}{RNG.randint(1, 28):02d}"
            f"{RNG.randint(0, 999):03d}")
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    if not valid:
        check = "10X98765432"[("10X98765432".index(check) + 3) % 11]
    return body + check


def luhn_number(valid: bool, length: int = 19) -> str:
    body = RNG.choice(["622202", "621700", "622848", "625911"]) + "".join(
        RNG.choice("0123456789") for _ in range(length - 7))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    check = (10 - total % 10) % 10
    return body + str(check if valid else (check + 5) % 10)


def mobile_number() -> str:
    return "1" + RNG.choice("35789") + "".join(RNG.choice("0123456789") for _ in range(9))


PII_COMMENTS = ["我的卡号是{v}，麻烦帮我查一下为什么没到账", "身份证号{v}，请帮我看看贷款进度",
                "我电话{v}，客户经理方便时回个电话", "资料发我邮箱{v}，谢谢",
                "帮我妈办的卡{v}，一直收不到短信"]
PII_POSTS = ["恭喜客户王女士（身份证号{v}）成功办理养老金账户。",
             "今日回访客户：李先生，卡号{v}，已完成回访。",
             "有业务需要的客户可以直接打我手机{v}，随时在线。",
             "客户资料收集完毕，联系人邮箱{v}，请同事跟进。"]


def personal_data() -> None:
    for n in range(36):
        kind = n % 4
        if kind == 0:
            value, note = id_number(valid=True), "id card"
        elif kind == 1:
            value, note = luhn_number(valid=True, length=RNG.choice([16, 19])), "bank card"
        elif kind == 2:
            value, note = mobile_number(), "mobile"
        else:
            value, note = f"zhang{RNG.randint(10, 99)}{['wei', 'li', 'na'][n % 3]}@" \
                          f"{['qq.com', '163.com', 'example.cn'][n % 3]}", "e-mail"
        style = n // 4 % 3
        if style == 1:
            value, note = full_width(value), f"evasion: full-width ({note})"
        elif style == 2 and kind in (0, 1):
            value, note = circled(value), f"evasion: circled digits ({note})"
        elif style == 2 and kind == 2:
            value, note = chinese_digits(value), f"evasion: chinese digits ({note})"
        elif style == 2:
            value, note = value.title(), f"evasion: case ({note})"
        if n // 4 % 2 == 0:
            text = PII_COMMENTS[[1, 0, 2, 3][kind]].format(v=value)
            add(text, "comment", own(), ["personal_data"], note)
        else:
            text = plain_post(PII_POSTS[[0, 1, 2, 3][kind]].format(v=value))
            add(text, "post", own(), ["personal_data"], note)
    # look-alikes: failing checksums, longer runs of digits, masked numbers, service contacts
    for n in range(12):
        value = id_number(valid=False) if n % 2 == 0 else luhn_number(valid=False)
        text = f"单据编号{value}已归档，请勿重复提交。"
        add(plain_post(text) if n % 3 == 0 else text, "post" if n % 3 == 0 else "comment", own(),
            [], "checksum fails")
    for _ in range(4):
        add(f"订单号{luhn_number(True)}{RNG.randint(10, 99)}已发货，请注意查收。", "comment",
            own(), [], "longer run of digits")
    for _ in range(4):
        m = mobile_number()
        add(f"已为尾号{m[-4:]}的客户办结，联系电话{m[:3]}****{m[-4:]}。", "comment", own(), [],
            "masked mobile")
    add(plain_post("我行客服热线95555，信用卡中心客服邮箱service@jnbank.com.cn。"), "post",
        "official", [], "service contacts")
    add("江南银行官方账号｜商务合作：media@jnbank.com.cn", "profile", "official", [],
        "business e-mail")
    add("请问卡号后四位是1234的卡怎么挂失？", "comment", own(), [], "last four digits")
    add(plain_post("2024年11月22日起，借记卡单日转账限额调整为50000元。"), "post", "official", [],
        "dates and amounts")


# -- complaints -----------------------------------------------------------------------------
COMPLAINTS = [
    "你们网点乱收费，小额账户管理费凭什么扣我的？",
    "柜员态度差得很，问两句就不耐烦。",
    "买理财的时候强制搭售保险，我要投诉！",
    "客服打不通，转人工等了四十分钟。",
    "钱取不出来了，这家是不是要跑路了？",
    "骗子银行，当初说的跟现在完全不一样。",
    "再不处理我就打12378了。",
    "已经向金融监管投诉了，等着吧。",
    "理赔被拒赔三次，理由一次一个样。",
    "这个产品听说暴雷了，还我血汗钱！",
    "经理误导销售，说是存款结果是理财。",
    "被坑了，亏了2万，谁来负责？",
    "我要维权，这种产品也敢卖给老人。",
    "一次性扣了我三百块手续费，退钱！",
    "黑心银行，专骗老人买保险。",
    "捆绑销售信用卡，不办就不给贷款。",
    "网点经理态度恶劣，必须给个说法。",
    "差评，排队两小时没人管。",
]
COMPLAINT_EVASIONS: list[tuple[str, str, str]] = [
    ("投诉", "投訴", "traditional"), ("维权", "維權", "traditional"),
    ("骗子银行", "騙子銀行", "traditional"), ("态度差", "態度差", "traditional"),
    ("12378", "１２３７８", "full-width"), ("12378", "一二三七八", "chinese digits"),
    ("乱收费", "乱-收-费", "separators"), ("跑路", "跑\u200b路", "zero-width"),
    ("投诉", "投投诉诉", "repeats"), ("拒赔", "拒*赔", "separators"),
]


def complaints() -> None:
    for text in COMPLAINTS:
        add(text, "comment", own(), ["complaint"], "plain")
    for n, (term, variant, name) in enumerate(COMPLAINT_EVASIONS):
        text = next(c for c in COMPLAINTS[n:] + COMPLAINTS if term in c)
        add(text.replace(term, variant), "comment", own(), ["complaint"], f"evasion: {name}")
    # the same words under a competitor's post, or in a post: not our opinion risk
    for text in COMPLAINTS[:10]:
        add(text, "comment", "competitor", [], "complaint under a competitor's post")
    for sentence in ["消费者投诉渠道：拨打客服热线或到任意网点填写意见簿，我们将在规定时限内答复。",
                     "我行持续压降客户投诉，本季度投诉处理满意率进一步提升。",
                     "金融消费者维权有哪些合法途径？今天给大家科普一下。"]:
        add(plain_post(sentence), "post", "official", [], "complaint words in a post")


# -- platform categories --------------------------------------------------------------------
PLATFORM: dict[str, tuple[list[str], list[str]]] = {
    "gambling": (["网络赌博", "百家乐", "赌球", "六合彩", "时时彩", "棋牌充值", "博彩平台",
                  "真人荷官", "线上赌场", "北京赛车pk10", "老虎机", "外围投注", "炸金花"],
                 ["{t}天天有活动，日入过千，加群看头像。", "想玩{t}的私信我，秒上分。",
                  "兄弟们{t}走起，首充送彩金。"]),
    "pornography": (["约炮", "裸聊", "黄色网站", "成人视频", "色情直播", "一夜情", "同城约炮",
                     "援助交际", "性交易", "外围女", "小黄片", "av女优"],
                    ["寂寞吗？{t}点我头像。", "{t}资源免费看，私我。",
                     "同城{t}，真实靠谱，看主页。"]),
    "violence": (["枪支出售", "爆炸物制作", "恐怖袭击", "制造炸弹", "自制枪支", "管制刀具出售",
                  "砍人视频", "血腥视频", "报复社会", "军火交易", "仿真枪出售", "炸药配方"],
                 ["{t}，有需要的私聊。", "谁有{t}的资料，发我一份。",
                  "评论区有人发{t}的链接，大家别点。"]),
    "politics": (["颠覆国家政权", "煽动分裂国家", "邪教组织", "反动言论", "推翻政府",
                  "境外敌对势力", "煽动民族仇恨", "非法集会", "台独分子", "翻墙软件",
                  "政治谣言", "反动标语"],
                 ["转发这条{t}的视频，看完就懂了。", "群里有人在传{t}的内容。",
                  "{t}的资料谁要，私我。"]),
}


def platform() -> None:
    for category, (terms, templates) in PLATFORM.items():
        for n in range(30):
            term = terms[n % len(terms)]
            template = templates[n % len(templates)]
            kind = n % 6
            if kind == 0:
                variant, note = term, "plain"
            elif kind == 1:
                variant, note = traditional(term), "evasion: traditional"
                if variant == term:
                    variant, note = separators(term), "evasion: separators"
            elif kind == 2:
                variant, note = separators(term), "evasion: separators"
            elif kind == 3:
                variant, note = zero_width(term), "evasion: zero-width"
            elif kind == 4:
                variant, note = (full_width(term.upper()), "evasion: full-width") \
                    if any(c.isascii() for c in term) else (repeats(term), "evasion: repeats")
            else:
                variant, note = term, "in a post"
            text = template.format(t=variant)
            if note == "in a post":
                add(plain_post(text), "post", own(), [category], note)
            else:
                add(text, "comment", anyone(), [category], note)


# -- hard negatives -------------------------------------------------------------------------
NEGATION_POSTS = [
    "温馨提示：本产品为非保本浮动收益型理财产品，不保证本金和收益，请您充分了解产品风险。",
    "理财产品不等同于存款，产品过往业绩不代表未来表现，业绩比较基准不代表实际收益。",
    "资管新规实施后，理财产品打破刚性兑付，投资者应根据自身风险承受能力审慎选择。",
    "本行不承诺保本，也不承诺最低收益，请以产品说明书披露的信息为准。",
    "这款净值型产品不保本，净值会随市场波动，请客户知悉。",
]
EDUCATION = [
    "反诈提醒：警惕所谓“稳赚不赔”的投资项目，凡是承诺高回报的都要多留个心眼。",
    "监管部门提醒消费者，谨防“零风险、高回报”的宣传，这类说法往往是圈套。",
    "识破套路：“保本保息、月月返现”都是非法集资的常见话术。",
    "警惕虚拟货币骗局，守护好自己的钱袋子，不要轻信陌生人拉群。",
    "提醒大家：荐股都是骗局，切勿相信陌生人的“内幕消息”。",
    "征信修复都是骗局，个人征信只能依法查询和异议申请，切勿相信。",
    "我行不存在政府兜底的产品，请理性看待各类宣传。",
    "谨防信用卡代还、套现陷阱，以免个人信息泄露、资金受损。",
    "世上没有稳赚不赔的投资，高收益必然伴随高风险。",
    "谨防“明星推荐”“专家力荐”的虚假宣传，投资请认准正规渠道。",
    "警惕“即将停售”“最后一天”之类的催单话术，冷静思考再做决定。",
    "警惕冒充银行客服的“返现”电话，银行不会索要验证码。",
    "反诈课堂：所谓“国家担保”的高息项目都是诈骗，遇到请立即报警。",
    "不要相信“理财就是存款”的说法，购买前请认真阅读产品说明书。",
    "远离以贷养贷，量入为出才能守住钱袋子。",
    "打击非法集资：凡是高息揽储、拉人头返利的，都要提高警惕。",
    "严禁员工私下代客理财、销售非本行产品，发现请拨打客服热线反映。",
    "拒绝校园贷，远离套路贷，有资金需求请通过正规金融机构办理。",
]
ORDINARY = [
    "存款利率自下月起调整，具体执行利率以网点公告为准。",
    "手机银行完成升级，新增账单查询和转账限额设置功能。",
    "国庆期间网点营业时间调整为上午九点至下午四点。",
    "第一次来网点办业务的客户，请携带本人有效身份证件。",
    "第一季度我行个人客户满意度调查结果已经公布，感谢大家的支持。",
    "我行驻村第一书记带着同事们走访了十几户茶农，了解春茶收购资金需求。",
    "办理房贷记住三步：第一，准备收入证明；第二，评估房产；第三，签订合同。",
    "雄安新区是国家级新区，我行为新区建设提供了一揽子金融服务。",
    "本行唯一官方客服热线为95555，请勿拨打来历不明的电话。",
    "万能险属于人身保险，和银行存款不同，购买前请看清条款。",
    "筑牢反诈第一道防线，我们一直在行动。",
    "今天是网点开业第一天，欢迎街坊邻居来坐坐。",
    "安全第一，出门旅行别忘了开启手机银行的交易提醒。",
    "信用卡账单分期手续费说明已更新，请在手机银行查看。",
    "网点新增了适老化服务区，老年客户办理业务更方便。",
    "如何识别假冒客服？记住官方客服电话，不点陌生链接。",
    "小微企业贷款申请材料清单，欢迎收藏转发。",
    "本周六网点开展金融知识进社区活动，欢迎参加。",
    "我们提供外汇兑换、跨境汇款等服务，详询网点。",
    "保险不是存款，购买前请仔细阅读条款。",
    "帮助孩子建立第一笔零花钱账户，从小培养理财意识。",
    "本行吸收的本外币存款依照《存款保险条例》受到保护。",
    "年末办理业务的客户较多，建议错峰到店。",
    "跟单信用证业务流程简介：开证、审单、付款，一文看懂。",
    "新员工入职第一课：合规是底线，客户利益放在首位。",
]
COMMENTS = [
    "请问这个产品风险等级是多少？", "客服态度很好，点赞！", "在哪里可以预约开户？",
    "收益是怎么计算的？", "手机银行好用，转账很快。", "网点小姐姐很耐心，谢谢。", "周末营业吗？",
    "信用卡额度怎么提升？", "感谢分享，学到了。", "第一次用手机银行，挺方便。",
    "视频做得不错，继续加油。", "存款利率还会降吗？", "这个活动我参加了，很有意思。",
    "请问外币可以存定期吗？", "接到冒充银行的诈骗电话，大家注意。",
]
PROFILES = [
    "江南银行官方账号，为您提供金融资讯。", "江南银行杭州分行，服务地方经济。",
    "理财经理小江，分享金融知识，不构成投资建议。", "江南银行信用卡中心官方账号。",
    "记录网点的日常，传递温暖服务。", "持证理财师｜内容仅为个人观点｜理财非存款",
    "江南银行西湖支行｜营业时间工作日9:00-17:00",
]


def negatives() -> None:
    for text in NEGATION_POSTS:
        add(plain_post(text, RNG.choice(NOTICES)), "post", own(), [], "negation")
    for text in EDUCATION:
        add(plain_post(text), "post", own(), [], "anti-fraud education")
        add(text, "comment", own(), [], "anti-fraud education in a comment")
    for n, text in enumerate(ORDINARY):
        add(plain_post(text), "post", own(), [], "ordinary post")
        if n % 2 == 0:
            add(plain_post(text), "post", "competitor", [], "ordinary post, competitor")
    for text in COMMENTS:
        for account in ("official", "employee", "competitor"):
            add(text, "comment", account, [], "ordinary comment")
    for text in PROFILES:
        add(text, "profile", RNG.choice(["official", "employee"]), [], "ordinary profile")


# Written one by one (not from templates): (text, item, account, categories, note).
HANDWRITTEN: list[tuple[str, str, str, list[str], str]] = [
    ("年底了，好多阿姨来问有没有保本的。我们这款“安心盈”虽然是理财产品，但真的跟存款一样安全，"
     "去年一整年都没跌过，到期就是本金加利息，您就当存了个定期。名额不多，有需要的阿姨直接来西湖支行找我，"
     "周末也在。", "post", "employee",
     ["guarantee", "hidden_risk", "missing_risk_notice"], "handwritten"),
    ("【新品速递】江南理财“季季享”第12期开放认购，投资周期91天，业绩比较基准年化2.35%-2.85%，"
     "风险等级PR2（中低），1元起购，手机银行搜索“季季享”即可购买。业绩比较基准不代表产品未来表现和实际收益。"
     "理财非存款，产品有风险，投资须谨慎。", "post", "official", [], "handwritten, compliant"),
    ("家人们，这只基金经理是业内顶级的大佬，管理的产品过去3年收益率超过60%，现在申购还打一折！"
     "定投、一次性买入都可以，有问题留言。基金有风险，投资须谨慎。", "post", "employee",
     ["absolute_terms", "inflated_performance"], "handwritten"),
    ("今天在网点遇到一位大爷，非要把养老钱取出来投一个朋友介绍的“养老项目”，说是月息两分、政府兜底。"
     "我们的柜员耐心劝了一个多小时，还联系了他的子女，最后大爷打消了念头。记住：高息承诺的背后往往是陷阱，"
     "所谓“政府兜底”更是不存在的。", "post", "official", [], "handwritten, anti-fraud story"),
    ("给大家算一笔账：10万元放活期一年利息才几百块，放进我们的现金管理产品，七日年化2%左右，"
     "随取随用，比余额宝还香！周末也能买，手慢无哦~", "post", "employee",
     ["pressure_selling", "missing_risk_notice"], "handwritten"),
    ("小江说理财｜第1期：什么是净值型理财？简单说，产品净值每天都会变化，可能涨也可能跌，"
     "它不是存款，也不保本。买之前一定要看清风险等级，选和自己风险承受能力匹配的产品。"
     "理财非存款，产品有风险，投资须谨慎。", "post", "official", [], "handwritten, education"),
    ("重磅！本行荣获“年度最佳财富管理银行”称号，感谢每一位客户的信任与支持，我们将继续用心服务。"
     "手机银行首页新增了适老化大字版，欢迎体验。", "post", "official", ["absolute_terms"],
     "handwritten"),
    ("三季度末我行不良贷款率较年初下降0.05个百分点，资本充足率保持稳健。我行持续做好普惠金融服务，"
     "小微企业贷款余额较年初增长12%。详情请见我行官网发布的季度报告。", "post", "official", [],
     "handwritten, ordinary"),
    ("这期大额存单利率3.1%，20万起存，存满三年本息都有保障，受存款保险保护，额度有限先到先得！",
     "post", "employee", ["pressure_selling"], "handwritten, deposit"),
    ("国债收益率近期有所下行，很多客户问存款利率会不会继续调整。我们的理解是，利率走势取决于宏观经济和"
     "货币政策，建议大家根据资金使用计划合理安排期限，不必追涨杀跌。", "post", "official", [],
     "handwritten, market commentary"),
    ("退休金每月到账后，很多叔叔阿姨习惯全部放活期。其实可以把一部分放定期或大额存单，"
     "需要用钱的部分留在活期，这样兼顾流动性和利息。今天就聊到这，欢迎留言交流。", "post",
     "employee", [], "handwritten, ordinary"),
    ("我在江南银行做了八年理财经理，手里客户没有一个亏过钱，跟着我配置绝对安全，"
     "想了解的私信我，添加微信发你产品资料。", "post", "employee",
     ["absolute_terms", "inflated_performance"], "handwritten"),
    ("入职江南银行的第一天，师傅告诉我：先学会说“不”，不符合客户风险等级的产品坚决不卖。"
     "这句话我一直记到现在。", "post", "employee", [], "handwritten, ordinary"),
    ("本行唯一指定的理财购买渠道为官方手机银行和营业网点，任何以本行名义推荐的私人转账都是诈骗。",
     "post", "official", [], "handwritten, anti-fraud"),
    ("我们支行的小伙伴在全市技能比赛中拿了个人全能第一名，为他点赞！", "post", "employee", [],
     "handwritten, 第一 as an award"),
    ("买的理财跌了8%，当初经理说稳得很，现在一问三不知，我要去12378反映。", "comment", "official",
     ["complaint"], "handwritten"),
    ("三年定期到期了，转成理财靠谱吗？", "comment", "employee", [], "handwritten, question"),
    ("说好的保本，怎么会亏？", "comment", "official", [],
     "handwritten, question (no complaint term)"),
    ("经理强制搭售了一份保险才给我办贷款，这合理吗", "comment", "official", ["complaint"],
     "handwritten"),
    ("网点经理特别负责，上次帮我把被骗的钱追回来了，必须表扬！", "comment", "employee", [],
     "handwritten, praise"),
    ("V我50，带你炒币翻身，稳赚不赔", "comment", "official", ["illegal_finance"], "handwritten"),
    ("需要U的私，usdt现货，价格美丽", "comment", "competitor", ["illegal_finance"], "handwritten"),
    ("逾期了没关系，我们有内部渠道办卡，黑户可贷，秒批", "comment", "employee",
     ["illegal_finance"], "handwritten"),
    ("小姐姐好漂亮，加个微信吗", "comment", "official", [], "handwritten, ordinary"),
    ("我的手机号是13858120461，麻烦客户经理联系我一下，卡被冻结了", "comment", "official",
     ["personal_data"], "handwritten"),
    ("营业执照号码91330106MA2B3XXXXX，对公开户材料已提交。", "comment", "official", [],
     "handwritten, company registration number"),
    ("江南银行钱塘支行｜保本理财、高收益存款、信用卡提额，一站式服务，电话咨询", "profile",
     "employee", ["guarantee", "hidden_risk"], "handwritten"),
    ("江南银行理财师阿杰｜全市业绩第一｜专注资产配置十年", "profile", "employee",
     ["absolute_terms", "inflated_performance"], "handwritten"),
    ("隔壁行的理财经理私下卖所谓的“高息理财”，大家千万别信。", "comment", "employee", [],
     "handwritten, anti-fraud comment"),
    ("【招商理财】稳健低波，历史收益率高达5.8%，认准“安心盈”，零风险也能有收益！", "post",
     "competitor", [], "handwritten, competitor"),
    ("竞品银行的员工号称“政府兜底”“保本保息”，这种说法不可信。我行产品均依法披露风险。",
     "post", "official", [], "handwritten, quoting a competitor"),
    ("周末带孩子来网点参加“小小银行家”活动，孩子们第一次当了一回柜员，玩得特别开心。", "post",
     "employee", [], "handwritten, ordinary"),
    ("理财新手必看：三招教你读懂产品说明书，第一看风险等级，第二看投资方向，第三看费用。"
     "理财非存款，产品有风险，投资须谨慎。", "post", "official", [], "handwritten, education"),
    ("有兄弟玩百家樂的吗，平台稳定，提款秒到，看我主页", "comment", "employee", ["gambling"],
     "handwritten"),
    ("主播好可爱，想和你裸 聊", "comment", "official", ["pornography"], "handwritten"),
]


def handwritten() -> None:
    for text, item, account, categories, note in HANDWRITTEN:
        add(text, item, account, categories, note)


def main() -> None:
    marketing()
    marketing_extra_evasions()
    risk_notice()
    illegal()
    personal_data()
    complaints()
    platform()
    negatives()
    handwritten()
    OUT.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                   encoding="utf-8")
    print(f"{len(items)} items -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
