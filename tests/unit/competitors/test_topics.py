"""Hot topics: on a simulated competitor corpus seeded with a known rising topic, that topic
comes first, with exactly the posts behind it; the ranking is stable and fast."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from agents.competitors.topics import Doc, hot_topics, split_windows, terms

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
BANKS = ["东岳银行", "南山银行", "西湖农商行", "北辰银行", "海川银行"]
PRODUCTS = ["信用卡", "房贷", "理财产品", "定期存款", "基金定投", "手机银行", "分期付款",
            "积分兑换", "外汇牌价", "保险产品", "车贷", "大额存单"]
ANGLES = ["办理攻略", "最新优惠", "常见问题", "使用指南", "风险提示", "知识科普", "福利活动",
          "利率调整"]
ENDINGS = ["欢迎到网点咨询。", "详情请咨询客户经理。", "理财有风险，投资需谨慎。",
           "周末也可以办理哦！", "快来看看吧", "收藏起来慢慢看。"]
# the baseline mentions the topic's words, apart: 人民币 and 红包 are ordinary
ORDINARY_EXTRA = ["人民币汇率今日走势", "积分可以兑换红包", "春节红包封面免费领",
                  "数字化转型成果展示", "养老金融知识讲座", "账户安全小贴士"]
TOPICS = {
    "数字人民币红包": ["{bank}发放数字人民币红包，{product}用户可领", "抢到数字人民币红包了吗？",
                 "数字人民币红包怎么用：{product}也能付", "{bank}：今晚八点，数字人民币红包雨",
                 "攻略｜数字人民币红包领取步骤"],
    "养老金账户": ["{bank}上线养老金账户，{product}客户专享", "开立养老金账户有什么好处？",
              "养老金账户缴存攻略：{angle}", "养老金账户来了！{ending}", "一文读懂养老金账户"],
}


def _ordinary(rng: random.Random) -> str:
    text = (f"{rng.choice(BANKS)}{rng.choice(PRODUCTS)}{rng.choice(ANGLES)}："
            f"{rng.choice(PRODUCTS)}和{rng.choice(PRODUCTS)}，{rng.choice(ENDINGS)}")
    if rng.random() < 0.3:
        text += rng.choice(ORDINARY_EXTRA)
    return text


def _topic(rng: random.Random, topic: str) -> str:
    t = rng.choice(TOPICS[topic])
    return t.format(bank=rng.choice(BANKS), product=rng.choice(PRODUCTS),
                    angle=rng.choice(ANGLES), ending=rng.choice(ENDINGS)) + rng.choice(ENDINGS)


def corpus(topic: str, *, seed: int = 1, baseline_n: int = 1500, recent_n: int = 400,
           burst: int = 40) -> tuple[list[Doc], list[Doc], set[str]]:
    rng = random.Random(seed)
    base = [Doc(f"b{i}", _ordinary(rng), NOW - timedelta(days=2, hours=rng.uniform(0, 24 * 12)))
            for i in range(baseline_n)]
    recent = [Doc(f"r{i}", _ordinary(rng), NOW - timedelta(hours=rng.uniform(0, 48)))
              for i in range(recent_n)]
    seeded = [Doc(f"t{i}", _topic(rng, topic), NOW - timedelta(hours=rng.uniform(0, 48)))
              for i in range(burst)]
    recent += seeded
    rng.shuffle(recent)
    return recent, base, {d.post_id for d in seeded}


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_the_seeded_rising_topic_comes_first_with_its_posts(topic: str) -> None:
    recent, base, seeded = corpus(topic)
    topics = hot_topics(recent, base, top_n=10)
    assert topics, "no topic"
    first = topics[0]
    assert first.phrase == topic, [t.phrase for t in topics]
    assert set(first.post_ids) == seeded
    assert first.recent_count == len(seeded)
    assert first.baseline_rate == 0.0
    assert first.score > 0
    # its parts are not listed again as separate topics (the same posts)
    assert not any(t.phrase != topic and (t.phrase in topic or topic in t.phrase)
                   for t in topics)


def test_no_burst_no_strong_topic() -> None:
    recent, base, _ = corpus("养老金账户", burst=0, seed=3)
    topics = hot_topics(recent, base, top_n=5)
    assert all("养老金账户" not in t.phrase for t in topics)
    # sampling noise between two samples of the same generator scores far below a burst
    recent, base, _ = corpus("养老金账户", seed=3)
    burst = hot_topics(recent, base, top_n=1)[0]
    assert burst.phrase == "养老金账户"
    assert all(t.score < burst.score / 4 for t in topics), (topics, burst.score)


def test_ranking_is_stable() -> None:
    recent, base, _ = corpus("数字人民币红包", seed=5)
    once = hot_topics(recent, base, top_n=10)
    shuffled = list(recent)
    random.Random(9).shuffle(shuffled)
    assert hot_topics(shuffled, list(reversed(base)), top_n=10) == once
    assert hot_topics(recent, base, top_n=10) == once
    assert [t.score for t in once] == sorted((t.score for t in once), reverse=True)


def test_min_support_and_edges() -> None:
    recent, base, _ = corpus("数字人民币红包", burst=2, seed=6)
    assert all(t.phrase != "数字人民币红包" for t in hot_topics(recent, base, min_support=3))
    assert hot_topics([], base) == []
    assert hot_topics(recent, base, top_n=0) == []
    # no baseline: the most frequent terms
    only = hot_topics(recent, [], top_n=3)
    assert [t.recent_count for t in only] == sorted((t.recent_count for t in only), reverse=True)


def test_terms_drop_stopwords_punctuation_numbers_and_single_characters() -> None:
    got = terms("我们的数字人民币红包，2026年 100元！")
    assert {"数字", "人民币", "红包", "数字人民币", "人民币红包", "数字人民币红包"} <= got
    assert not got & {"我们", "的", "，", "100", "2026", "元", "！"}


def test_split_windows() -> None:
    docs = [Doc("a", "x", NOW - timedelta(hours=1)), Doc("b", "x", NOW - timedelta(days=3)),
            Doc("c", "x", NOW - timedelta(days=30))]
    recent, base = split_windows(docs, now=NOW, recent=timedelta(days=1),
                                 baseline=timedelta(days=7))
    assert [d.post_id for d in recent] == ["a"] and [d.post_id for d in base] == ["b"]


def test_thousands_of_posts_in_well_under_a_second() -> None:
    terms("预热分词词典")  # jieba's dictionary loads once per process
    recent, base, _ = corpus("养老金账户", seed=8, baseline_n=3000, recent_n=1000)
    # distinct texts: nothing cached from the other tests
    recent = [d._replace(text=f"{d.text}{i}号") for i, d in enumerate(recent)]
    base = [d._replace(text=f"{d.text}{i}号") for i, d in enumerate(base)]
    started = time.perf_counter()
    topics = hot_topics(recent, base, top_n=10)
    elapsed = time.perf_counter() - started
    assert topics[0].phrase == "养老金账户"
    assert elapsed < 1.0, elapsed
