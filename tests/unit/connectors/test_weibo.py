"""The Weibo connector against its fixture site on a real local HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer

from pipeline.crawlers.connectors.weibo import normalise_status, parse_time
from tests.connectors import weibo_site
from tests.unit.connectors.scenario import check_scenario, crawl_scenario


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = weibo_site.install(httpserver)
    output, statuses = crawl_scenario(scenario, weibo_site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    by_key = {s.account_key: s for s in statuses}
    limited = by_key["weibo:5012345681"]
    assert limited.retries == 1 and limited.posts_new == 1
    expired = by_key["weibo:5012345680"]
    assert expired.endpoint == "users/show" and "21327" in expired.error
    broken = by_key["weibo:5012345682"]
    assert broken.endpoint == "statuses/user_timeline" and "not JSON" in broken.error
    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "服务暂时不可用" in html_letter.raw
    bad_post = next(d for d in output.letters if d.item_index == 2)
    assert "created_at" in bad_post.error and "statuses[2]" in bad_post.error


def test_second_crawl_publishes_nothing_new(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = weibo_site.install(httpserver)
    url = weibo_site.base_url(httpserver)
    crawl_scenario(scenario, url, tmp_path)
    again, statuses = crawl_scenario(scenario, url, tmp_path)
    # the bad items are still listed: dead letters again (same ids: one row each in the table)
    assert {s.account_key: s.outcome.value for s in statuses}["weibo:5012345678"] == "partial"
    assert again.items("post") == [] and again.items("comment") == []
    # every reachable account still publishes its snapshot
    assert set(again.snapshots()) == {"weibo:5012345678", "weibo:5012345679",
                                      "weibo:5012345681", "weibo:5012345682"}


def test_normaliser_fields() -> None:
    account = weibo_site._account("5012345678", "official", "杭州银行官方微博")
    now = datetime(2026, 11, 21, tzinfo=UTC)
    post = normalise_status({
        "created_at": "Fri Nov 20 18:30:00 +0800 2026", "idstr": "42", "mid": "42",
        "text": "#杭银理财# 福利", "pic_ids": ["a"], "reposts_count": 1,
        "comments_count": 2, "attitudes_count": 3}, account, now)
    assert post.published_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert (post.kind.value, post.tags, post.metrics.likes, post.metrics.shares) == (
        "image", ["杭银理财"], 3, 1)
    assert post.url == "https://weibo.com/5012345678/42"
    assert parse_time("Tue May 31 17:46:55 +0800 2011").year == 2011


def test_run_forever_crawls_each_tier_on_its_interval(httpserver: HTTPServer,
                                                      tmp_path: Path) -> None:
    """Official accounts every 0.2 s, the others hourly: the officials come round again and
    again while the others are crawled once; a stop request ends the loop."""
    import asyncio

    from pipeline.crawlers.checkpoints import CheckpointStore
    from pipeline.crawlers.config import CrawlSettings
    from pipeline.crawlers.service import PlatformCrawler
    from tests.connectors.site import ListOutput

    scenario = weibo_site.install(httpserver)
    settings = CrawlSettings.model_validate({
        **scenario.settings(weibo_site.base_url(httpserver)), "tick_s": 0.05,
        "intervals": {"official": 0.2, "employee": 3600, "competitor": 3600}})
    output = ListOutput()
    store = CheckpointStore(tmp_path / "state.sqlite")

    def crawls(key: str) -> int:
        return sum(s.account_key == key for s in output.statuses)

    async def go() -> None:
        async with PlatformCrawler("weibo", settings, store, output) as crawler:
            async def stop_when_done() -> None:
                while crawls("weibo:5012345678") < 3:
                    await asyncio.sleep(0.05)
                crawler.stop_requested.set()

            await asyncio.wait_for(asyncio.gather(
                crawler.run_forever(scenario.accounts), stop_when_done()), timeout=60)

    try:
        asyncio.run(go())
    finally:
        store.close()
    assert crawls("weibo:5012345678") >= 3 and crawls("weibo:5012345679") >= 3
    for other in ("weibo:5012345680", "weibo:5012345681", "weibo:5012345682"):
        assert crawls(other) == 1, other
