"""Through Tansu and chDB: a banned employee account that also posts 保本保息 reaches its owner's
channel (a real local webhook server) once, grouped; a silence stops what it matches; the
resolved notification arrives when the status recovers; every attempt is in notification_log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer
from schemas.topics import RAW_CRAWL
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, run_cli, wait_for

pytestmark = pytest.mark.integration

KEY = "bilibili:2146552956"  # 阿悦的银行日常, employee of 杭州分行/西湖支行, owner 陈悦


def crawl_page(n: int, at: datetime, status: str, posts: list[tuple[str, str]]) -> bytes:
    stamp = at.isoformat()
    return orjson.dumps({
        "envelope_id": f"alerting-test-{n}", "source": "test", "account_key": KEY,
        "platform": "bilibili", "crawled_at": stamp,
        "snapshot": {"account_key": KEY, "platform": "bilibili",
                     "platform_account_id": "2146552956", "name": "阿悦的银行日常",
                     "status": status, "followers": 5000, "captured_at": stamp},
        "items": [{"type": "post", "data": {
            "post_id": pid, "account_key": KEY, "platform": "bilibili", "kind": "video",
            "title": "理财小课堂", "text": text, "published_at": stamp,
            "captured_at": stamp}} for pid, text in posts]})


def write_config(path: Path, url: str) -> Path:
    path.write_text(f"""
route:
  receiver: nobody
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - matchers: ["account_kind=~official|employee"]
      receiver: owner
      group_by: [account]
receivers:
  - name: nobody
  - name: owner
    owner: true
    channels:
      - {{type: webhook, url: "{url}", secret: "${{hook_secret}}"}}
""", encoding="utf-8")
    return path


def test_owner_gets_one_grouped_notification_silence_and_resolution(
    broker: EmbeddedBroker, tmp_path: Path, httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_json({"ok": True})
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env.update(MATRIXGUARD_ALERTING_CONFIG=str(write_config(
                   tmp_path / "alerting.yaml", httpserver.url_for("/hook"))),
               MATRIXGUARD_NOTIFY_SECRETS='{"hook_secret": "s3cr3t-value"}',
               MATRIXGUARD_ALERTING_TICK_S="0.3", COLUMNS="300")
    run_cli(["registry", "import", str(ROSTER)], env)
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    producer = make_producer(broker.bootstrap)
    now = datetime.now(UTC).replace(microsecond=0)

    def publish(n: int, status: str, posts: list[tuple[str, str]]) -> None:
        producer.send(RAW_CRAWL.name, key=KEY.encode(),
                      value=crawl_page(n, now + timedelta(seconds=n), status, posts))
        producer.flush()

    def received() -> list[dict[str, Any]]:
        return [orjson.loads(req.get_data()) for req, _ in httpserver.log]

    try:
        publish(0, "active", [])
        publish(1, "banned", [("bv-p1", "本理财产品保本保息，稳赚不赔，欢迎咨询")])
        wait_for(lambda: received(), 90, "the owner's notification")
        time.sleep(5)  # two more group intervals: nothing is sent twice
        [first] = received()
        assert first["receiver"] == "owner" and first["status"] == "firing"
        assert first["groupLabels"] == {"account": KEY}
        names = sorted({a["labels"]["alertname"] for a in first["alerts"]})
        assert names == ["AccountStatusChanged", "ContentRisk"]  # one alert per rule hit
        assert all(a["labels"]["owner"] == "陈悦" for a in first["alerts"])
        assert "s3cr3t-value" not in (tmp_path / "worker.log").read_text()

        silence = run_cli(["silence", "add", "--matchers", f"account={KEY},alertname=ContentRisk",
                           "--author", "风控测试", "--comment", "已下架处理", "--duration", "1h"],
                          env).stdout.strip()
        assert silence
        publish(2, "banned", [("bv-p2", "保本保息，零风险，收益率第一")])
        time.sleep(6)
        assert len(received()) == 1, [(a["labels"]["alertname"], a["labels"]["subject"])
                                      for a in received()[-1]["alerts"]]

        publish(3, "active", [])
        wait_for(lambda: len(received()) >= 2, 60, "the resolved notification")
        second = received()[1]
        status_alerts = [a for a in second["alerts"]
                         if a["labels"]["alertname"] == "AccountStatusChanged"]
        assert [a["status"] for a in status_alerts] == ["resolved"]
        assert not any(a["annotations"].get("item") == "post:bv-p2" or
                       a["labels"].get("subject") == "post:bv-p2" for a in second["alerts"])
        time.sleep(4)
        assert len(received()) == 2

        log = worker.sql("SELECT channel, status, attempt FROM notification_log FINAL "
                         "ORDER BY at")
        assert [r[1] for r in log] == ["sending", "sent", "sending", "sent"]
        listed = run_cli(["silence", "list"], env).stdout
        assert silence in listed
        run_cli(["silence", "expire", silence], env)
        assert silence not in run_cli(["silence", "list"], env).stdout
        assert silence in run_cli(["silence", "list", "--all"], env).stdout
        status_fp = status_alerts[0]["fingerprint"]
        assert status_fp not in run_cli(["alerts", "list"], env).stdout  # resolved now
        shown = run_cli(["alerts", "show", status_fp], env).stdout
        assert "firing" in shown and "resolved" in shown and "sent" in shown
    finally:
        producer.close()
        assert worker.stop() == 0
