"""Hits are found through evasions, shown on the original text, and explained."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agents.sensitivity.lexicon import LexiconError, load_lexicon
from agents.sensitivity.matcher import Matcher, PatternError
from agents.sensitivity.scorer import level_of, score_item
from agents.sensitivity.validators import id_card_valid, luhn_check_digit, luhn_valid
from tests.unit.sensitivity.conftest import SMALL, write_lexicon

ID = "110101199003074573"      # valid GB 11643 checksum
CARD = "622202020011223344" + luhn_check_digit("622202020011223344")  # 19 digits


def spans(matcher: Matcher, text: str) -> list[tuple[str, str]]:
    return [(m.rule.id, text[m.start:m.end]) for m in matcher.scan(text)]


@pytest.mark.parametrize(("text", "term"), [
    ("本产品稳赚不赔，欢迎选购", "稳赚不赔"),
    ("本产品稳!赚@不#赔", "稳!赚@不#赔"),
    ("本产品稳\u200b赚\u200b不\u200b赔", "稳\u200b赚\u200b不\u200b赔"),
    ("本產品穩賺不賠", "穩賺不賠"),
    ("稳稳稳赚赚不赔哦", "稳稳稳赚赚不赔"),
    ("这是 bao本 产品", "bao本"),
    ("这是ＢＡＯ ＢＥＮ产品", "ＢＡＯ ＢＥＮ"),
    ("绝对保本！", "保本"),
])
def test_evasions_are_found_on_the_original_text(matcher: Matcher, text: str, term: str) -> None:
    assert ("FIN-GUAR-001", term) in spans(matcher, text)


def test_exceptions_cancel_overlapping_hits(matcher: Matcher) -> None:
    assert spans(matcher, "本产品为非保本浮动收益型，不保本") == []
    assert spans(matcher, "非保本产品，但另一款保本") == [("FIN-GUAR-001", "保本")]
    assert spans(matcher, "第一次开户，第一时间到账") == []
    assert spans(matcher, "全省第一的理财") == [("AD-ABS-001", "第一")]


def test_switched_off_transformations_are_respected(matcher: Matcher) -> None:
    # separators off for 第一; case off for VIP
    assert spans(matcher, "第 一") == []
    assert ("AD-CASE-001", "VIP") in spans(matcher, "尊享VIP服务")
    assert spans(matcher, "尊享vip服务") == []


def test_personal_data_needs_a_valid_checksum(matcher: Matcher) -> None:
    assert id_card_valid(ID) and luhn_valid(CARD)
    # published check vectors, independent of our check-digit functions
    assert id_card_valid("11010519491231002X") and not id_card_valid("110105194912310021")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert spans(matcher, f"身份证{ID}请核对") == [("PII-ID-001", ID)]
    assert spans(matcher, f"卡号{CARD}") == [("PII-ID-001", CARD)]
    assert spans(matcher, "身份证110101199003074570") == []  # wrong checksum
    assert spans(matcher, f"订单号{ID}9") == []               # part of a longer number
    wrong = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert spans(matcher, f"卡号{wrong}") == []              # fails Luhn
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID)
    assert spans(matcher, f"证件{full_width}") == [("PII-ID-001", full_width)]


def test_byte_offsets_become_character_offsets(matcher: Matcher) -> None:
    text = "😀中文Ａ稳赚不赔" * 3
    hits = matcher.scan(text)
    assert len(hits) == 3
    assert all(text[h.start:h.end] == "稳赚不赔" for h in hits)


def test_score_is_the_sum_of_hit_points_and_rules_apply_where_they_should(
    matcher: Matcher,
) -> None:
    post = score_item(matcher, {"title": "稳赚不赔", "text": "保本！全省第一，再说一次保本"},
                      "post", "official")
    assert [h.points for h in post.hits if h.rule_id == "FIN-GUAR-001"] == [80, 0, 0]
    assert post.score == 100 and post.level == "严重"  # 80 + 20, capped at 100
    assert {h.field for h in post.hits} == {"title", "text"}
    assert all(h.lexicon_version == matcher.version for h in post.hits)
    competitor = score_item(matcher, {"text": "稳赚不赔"}, "post", "competitor")
    assert competitor.score == 0 and competitor.level == "无"
    comment = score_item(matcher, {"text": "我要投诉你们"}, "comment", "official")
    assert [h.rule_id for h in comment.hits] == ["OP-COMPLAINT-001"] and comment.level == "中"
    assert score_item(matcher, {"text": "我要投诉"}, "post", "official").hits == []
    gambling = score_item(matcher, {"text": "加群玩百家乐"}, "comment", "competitor")
    assert [h.term for h in gambling.hits] == ["百家乐"]


def test_missing_risk_notice(matcher: Matcher) -> None:
    bare = score_item(matcher, {"title": "新发理财产品", "text": "欢迎选购"}, "post", "official")
    assert [(h.rule_id, h.field, h.term) for h in bare.hits] == [
        ("FIN-NOTICE-001", "title", "理财产品")]
    ok = score_item(matcher, {"title": "新发理财产品",
                              "text": "理财非存款、产品有风险、投资须谨慎。"}, "post", "official")
    assert ok.hits == []
    comment = score_item(matcher, {"text": "这个理财产品怎么样"}, "comment", "official")
    assert comment.hits == []


@pytest.mark.parametrize(("score", "level"), [(0, "无"), (1, "低"), (19, "低"), (20, "中"),
                                              (50, "高"), (79, "高"), (80, "严重"), (100, "严重")])
def test_levels(score: int, level: str) -> None:
    assert level_of(score) == level


def test_database_is_cached_by_content_hash(lexicon_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "hs-cache"
    lexicon = load_lexicon(lexicon_dir)
    Matcher(lexicon, cache)
    # the literal database (pure-literal API) and the regex database, both under the version
    cached = sorted(cache.glob("*.hsdb"))
    assert [p.name.rsplit(".", 2)[-2] for p in cached] == ["lit", "re"]
    assert all(lexicon.version in p.name for p in cached)
    stamps = [p.stat().st_mtime_ns for p in cached]
    again = Matcher(lexicon, cache)
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # loaded, not rewritten
    assert spans(again, "稳赚不赔") == [("FIN-GUAR-001", "稳赚不赔")]
    for path in cached:
        path.write_bytes(b"not a database")
    assert spans(Matcher(lexicon, cache), "保本，" + ID) == [
        ("FIN-GUAR-001", "保本"), ("PII-ID-001", ID)]


def test_each_thread_scans_with_its_own_scratch(matcher: Matcher) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(300):
                results.append(len(matcher.scan("稳赚不赔，百家乐，" + ID)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and set(results) == {3}


def test_lexicon_problems_name_file_and_line(tmp_path: Path) -> None:
    broken = SMALL.replace("severity: medium\n    weight: 20\n    patterns:\n      - literal: 第一",
                           "severity: urgent\n    weight: 20\n    patterns:\n      - literal: 第一")
    broken = broken.replace(
        "word_lists:",
        "  - id: FIN-GUAR-001\n    category: guarantee\n    severity: low\n    weight: 5\n"
        "    patterns: [{literal: 保本}]\n    citation: x\n    suggestion: y\nword_lists:")
    directory = write_lexicon(tmp_path / "bad", broken)
    with pytest.raises(LexiconError) as info:
        load_lexicon(directory)
    messages = [str(p) for p in info.value.problems]
    assert any(":14:" in m and "severity" in m for m in messages), messages
    assert any("FIN-GUAR-001 used twice" in m for m in messages), messages


def test_patterns_hyperscan_cannot_compile_are_named(tmp_path: Path) -> None:
    bad = SMALL.replace("'62\\d{14,17}'", "'(?<=62)\\d{14}'")
    assert bad != SMALL
    directory = write_lexicon(tmp_path / "bad", bad)
    with pytest.raises(PatternError, match="PII-ID-001"):
        Matcher(load_lexicon(directory), None)
