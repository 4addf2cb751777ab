"""Hot topics in competitor content (竞品热点): words and phrases rising in a recent window
against a baseline window, with the posts behind each one.

Segmentation is jieba's (``jieba.lcut``, its shipped dictionary, initialised once per process,
its logging silenced). A post becomes a *set* of terms, so a topic is counted once per post
(document frequency): a post repeating a word ten times is still one post. Terms:

- words: tokens of two or more characters that are not stopwords, punctuation or numbers;
- phrases: runs of two or three adjacent kept words (数字 + 人民币 + 红包 → 数字人民币红包).
  A dropped token (stopword, punctuation, single character, number) breaks a run.

Scoring — a smoothed log-ratio weighted by recent frequency::

    rate_recent   = (df_recent   + 0.5) / (n_recent   + 1)
    rate_baseline = (df_baseline + 0.5) / (n_baseline + 1)
    score         = df_recent × ln(rate_recent / rate_baseline)

``df`` is the number of posts containing the term, ``n`` the number of posts in the window.
The +0.5 / +1 (Jeffreys) smoothing keeps a term never seen in the baseline finite, and the
``df_recent`` weight is what makes a term many posts carry beat one that merely appears twice
where it never did before (it is n_recent times the term's contribution to the KL divergence
of the recent from the baseline term distribution). A topic needs ``min_support`` recent posts
and a lift (rate_recent / rate_baseline) of at least ``min_lift``. With an empty baseline the
score is the recent post count.

Ranking is deterministic: score descending, then the longer phrase, then the phrase itself. A
candidate is dropped when, without the posts of the topics already chosen, it would no longer
pass the support and lift tests: it is a facet of one of them, so "数字人民币红包" is not
followed by "人民币红包", "红包" or "发放数字人民币".

Speed: segmentation is cached per distinct text (recent and baseline windows overlap from one
run to the next); a few thousand posts take well under a second once jieba is loaded.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import jieba

MAX_PHRASE_WORDS = 3

# multi-character function words and social-media boilerplate (single characters are dropped
# anyway); a topic made of these says nothing
_STOPWORD_TEXT = """
我们 你们 他们 她们 它们 大家 自己 这个 那个 这些 那些 一个 一些 什么 怎么 怎样 如何 为什么
可以 可能 能够 应该 需要 就是 还是 或者 以及 还有 而且 并且 但是 不过 因为 所以 如果 虽然
然后 已经 正在 一直 一起 一下 一点 非常 特别 十分 比较 更加 更多 很多 所有 其中 其他 其它
以上 以下 之后 之前 今天 明天 昨天 现在 时候 这里 那里 哪里 通过 进行 没有 不是 不会 不要
只要 只有 当然 真的 确实 总是 每天 那么 这么 这样 那样 如此 对于 关于 根据 由于 为了 以后
点击 关注 链接 详情 欢迎 小伙伴 朋友们 评论区 转发 点赞 收藏 私信 主页 了解 一下子
the and for with you your our this that are from
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_NUMBER = re.compile(r"^[\d.,%％:：/\-+]+$")
_WORDISH = re.compile(r"[\w\u4e00-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


class Doc(NamedTuple):
    """A post's id, its text (title, text and tags joined as the caller likes), and when it
    was published."""

    post_id: str
    text: str
    published_at: datetime


class Topic(NamedTuple):
    """A rising word or phrase: posts in the recent window containing it, its share of
    baseline posts, its score and the recent posts behind it (sorted ids)."""

    phrase: str
    recent_count: int
    baseline_rate: float
    score: float
    post_ids: tuple[str, ...]


_init_lock = threading.Lock()
_initialised = False


def _ensure_jieba() -> None:
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.initialize()
            _initialised = True


def _keep(token: str) -> bool:
    return (len(token) >= 2 and token not in STOPWORDS and not _NUMBER.match(token)
            and _WORDISH.search(token) is not None)


def _join(a: str, b: str) -> str:
    if _ASCII_WORD.match(a[-1]) and _ASCII_WORD.match(b[0]):
        return f"{a} {b}"
    return a + b


@lru_cache(maxsize=65_536)
def terms(text: str) -> frozenset[str]:
    """The words and phrases (2–3 adjacent words) of one text, each once."""
    _ensure_jieba()
    out: set[str] = set()
    run: list[str] = []

    def flush() -> None:
        for i in range(len(run)):
            phrase = run[i]
            out.add(phrase)
            for j in range(i + 1, min(i + MAX_PHRASE_WORDS, len(run))):
                phrase = _join(phrase, run[j])
                out.add(phrase)
        run.clear()

    for raw in jieba.lcut(text):
        token = raw.strip().lower()
        if _keep(token):
            run.append(token)
        else:
            flush()
    flush()
    return frozenset(out)


def _doc_freq(docs: Iterable[Doc]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for doc in docs:
        df.update(terms(doc.text))
        n += 1
    return df, n


def hot_topics(recent: Sequence[Doc], baseline: Sequence[Doc], top_n: int = 10, *,
               min_support: int = 3, min_lift: float = 2.0) -> list[Topic]:
    """The ``top_n`` terms rising most in ``recent`` against ``baseline`` (see the module
    docstring for the score), best first, each with the recent posts containing it."""
    if top_n <= 0 or not recent:
        return []
    df_r, n_r = _doc_freq(recent)
    df_b, n_b = _doc_freq(baseline)
    scored: list[tuple[float, str, float]] = []
    for term, count in df_r.items():
        if count < min_support:
            continue
        if n_b == 0:
            scored.append((float(count), term, 0.0))
            continue
        rate_r = (count + 0.5) / (n_r + 1)
        rate_b = (df_b.get(term, 0) + 0.5) / (n_b + 1)
        if rate_r < min_lift * rate_b:
            continue
        scored.append((count * math.log(rate_r / rate_b), term, df_b.get(term, 0) / n_b))
    scored.sort(key=lambda s: (-s[0], -len(s[1]), s[1]))

    candidates = {term for _, term, _ in scored[: top_n * 20]}
    posts: dict[str, list[str]] = {t: [] for t in candidates}
    for doc in recent:
        for term in terms(doc.text) & candidates:
            posts[term].append(doc.post_id)

    chosen: list[Topic] = []
    covered: set[str] = set()
    for score, term, base_rate in scored[: top_n * 20]:
        ids = set(posts[term])
        rest = len(ids - covered)
        # what is left once the posts of the topics already chosen are taken out must still be
        # a rising topic on its own; otherwise it is a facet of one of them (人民币红包, 红包)
        if chosen and (rest < min_support or (
                n_b and (rest + 0.5) / (n_r + 1) < min_lift * (base_rate * n_b + 0.5) / (n_b + 1))):
            continue
        chosen.append(Topic(term, len(ids), base_rate, round(score, 6), tuple(sorted(ids))))
        covered |= ids
        if len(chosen) == top_n:
            break
    return chosen


def split_windows(docs: Sequence[Doc], *, now: datetime, recent: timedelta,
                  baseline: timedelta) -> tuple[list[Doc], list[Doc]]:
    """(recent, baseline): posts of the last ``recent`` before ``now``, and of the
    ``baseline`` before that."""
    start = now - recent
    base_start = start - baseline
    rec = [d for d in docs if start <= d.published_at <= now]
    base = [d for d in docs if base_start <= d.published_at < start]
    return rec, base
