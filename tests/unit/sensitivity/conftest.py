"""A small lexicon written for the tests, independent of the shipped default lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.sensitivity.lexicon import load_lexicon
from agents.sensitivity.matcher import Matcher

SMALL = """\
rules:
  - id: FIN-GUAR-001
    category: guarantee
    severity: critical
    weight: 80
    patterns:
      - literal: 稳赚不赔
      - literal: 保本
    exceptions: [非保本, 不保本]
    normalize: {pinyin: true}
    applies_to: {items: [post, profile], accounts: [official, employee]}
    citation: 《关于规范金融机构资产管理业务的指导意见》
    suggestion: 删除保本或收益承诺，改为如实描述产品风险等级。
  - id: AD-ABS-001
    category: absolute_terms
    severity: medium
    weight: 20
    patterns:
      - literal: 第一
    exceptions: [第一次, 第一时间]
    normalize: {separators: false, repeats: false}
    applies_to: {items: [post]}
    citation: 《中华人民共和国广告法》第九条
    suggestion: 删除"第一"等绝对化用语。
  - id: AD-CASE-001
    category: absolute_terms
    severity: low
    weight: 5
    patterns:
      - literal: VIP
    normalize: {case: false}
    citation: 测试：大小写敏感的规则
    suggestion: 测试
  - id: PII-ID-001
    category: personal_data
    severity: high
    weight: 50
    patterns:
      - regex: '[1-9]\\d{5}(19|20)\\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])\\d{3}[0-9x]'
        validator: id_card
      - regex: '62\\d{14,17}'
        validator: bank_card
    citation: 《中华人民共和国个人信息保护法》
    suggestion: 删除身份证号或银行卡号。
  - id: OP-COMPLAINT-001
    category: complaint
    severity: medium
    weight: 20
    patterns:
      - literal: 投诉
    applies_to: {items: [comment]}
    citation: 《银行保险机构消费者权益保护管理办法》
    suggestion: 及时联系客户处理诉求。
word_lists:
  - id: PLT-GAMBLE-001
    file: gambling.txt
    category: gambling
    severity: high
    weight: 60
    citation: 平台社区规范
    suggestion: 删除涉赌内容。
risk_notice:
  id: FIN-NOTICE-001
  severity: high
  weight: 40
  triggers: [理财产品, 年化收益]
  notices: [理财非存款，产品有风险，投资须谨慎, 市场有风险，投资需谨慎]
  citation: 《理财公司理财产品销售管理暂行办法》
  suggestion: 在营销内容中加上"理财非存款，产品有风险，投资须谨慎"。
"""


def write_lexicon(directory: Path, rules: str = SMALL) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yaml").write_text(rules, encoding="utf-8")
    (directory / "gambling.txt").write_text("# 测试词表\n网络赌博\n百家乐\n\n", encoding="utf-8")
    return directory


@pytest.fixture
def lexicon_dir(tmp_path: Path) -> Path:
    return write_lexicon(tmp_path / "lexicon")


@pytest.fixture
def matcher(lexicon_dir: Path, tmp_path: Path) -> Matcher:
    return Matcher(load_lexicon(lexicon_dir), tmp_path / "cache")
