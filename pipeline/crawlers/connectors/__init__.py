"""The platform connectors, by platform: imported only when used."""

from __future__ import annotations

import importlib

from pipeline.crawlers.connectors.base import Connector

CONNECTORS: dict[str, str] = {
    "weibo": "pipeline.crawlers.connectors.weibo:WeiboConnector",
    "douyin": "pipeline.crawlers.connectors.douyin:DouyinConnector",
    "bilibili": "pipeline.crawlers.connectors.bilibili:BilibiliConnector",
    "weixin_mp": "pipeline.crawlers.connectors.weixin_mp:WeixinMpConnector",
    "kuaishou": "pipeline.crawlers.connectors.kuaishou:KuaishouConnector",
    "xiaohongshu": "pipeline.crawlers.connectors.xiaohongshu:XiaohongshuConnector",
}


class UnknownPlatformError(ValueError):
    """No connector for that platform."""


def connector_class(platform: str) -> type[Connector]:
    """The connector class of ``platform``."""
    target = CONNECTORS.get(platform)
    if target is None:
        raise UnknownPlatformError(
            f"no connector for platform {platform!r}; connectors: {', '.join(CONNECTORS)}")
    module, _, name = target.partition(":")
    cls: type[Connector] = getattr(importlib.import_module(module), name)
    return cls
