"""Jinja2 templates of the notifications, in Chinese: one family per channel format.

Kept as Python strings (not ``.j2`` files) so a wheel install carries them without package-data.
Variables come from ``pipeline.notify.render.NotificationView``; every text that comes from a
crawled item (titles, summaries, account names) passes through the ``md`` filter in markdown
templates, which defuses mentions (``<@all>``, ``<at>``) and link syntax, and through jinja2's
autoescape in the HTML one.
"""

from __future__ import annotations

# Markdown for WeCom, DingTalk and Feishu. ``flavor`` is "wecom", "dingtalk" or "feishu":
# Feishu shows the headline in the card header, the others as a heading. ``q`` prefixes an
# alert's detail lines: a "> " quote where the markdown supports it (WeCom, DingTalk), an
# indent in a Feishu card (whose markdown element has no headings or quotes).
MARKDOWN = """\
{% if flavor != "feishu" %}
### {{ v.headline | md }}
{% endif %}
**状态**：{{ v.status_zh }}　**级别**：{{ v.severity_zh }}　**告警**：{{ v.count }} 条\
{{ "（触发 %d，已恢复 %d）" % (v.firing_count, v.resolved_count)
   if v.firing_count and v.resolved_count else "" }}
{% if v.account %}
**账号**：{{ v.account | md }}{{ "（" ~ v.platform ~ "）" if v.platform else "" }}
{% endif %}
{% if v.org_unit %}
**机构**：{{ v.org_unit | md }}
{% endif %}
{% if v.owner or mention %}
**负责人**：{{ v.owner | md }} {{ mention }}
{% endif %}
{% if v.board_url %}
[打开 Grafana 看板]({{ v.board_url | mdurl }})
{% endif %}

{% for a in alerts %}
{{ loop.index }}. **{{ a.title | md }}**（{{ a.severity_zh }}·{{ a.status_zh }}）
{% if a.summary %}
{{ q }}{{ a.summary | md }}
{% endif %}
{% if a.account and not v.account %}
{{ q }}账号：{{ a.account | md }}{{ "（" ~ a.platform ~ "）" if a.platform else "" }}
{% endif %}
{% if a.item %}
{{ q }}内容：{{ a.item | md }}
{% endif %}
{{ q }}开始：{{ a.starts_at }}{{ "　恢复：" ~ a.ends_at if a.ends_at else "" }}（北京时间）
{% if a.link %}
{{ q }}[查看详情]({{ a.link | mdurl }})
{% endif %}

{% endfor %}
{% if omitted %}
…（内容过长已截断，共 {{ v.count }} 条告警，仅显示前 {{ alerts | length }} 条，完整列表见看板）
{% endif %}
"""

# Plain text: console, file, and the text part of e-mail.
TEXT = """\
[MatrixGuard] {{ v.headline }}
状态：{{ v.status_zh }}　级别：{{ v.severity_zh }}　告警：{{ v.count }} 条
{% if v.account %}
账号：{{ v.account }}{{ "（" ~ v.platform ~ "）" if v.platform else "" }}
{% endif %}
{% if v.org_unit %}
机构：{{ v.org_unit }}
{% endif %}
{% if v.owner %}
负责人：{{ v.owner }}
{% endif %}
{% if v.board_url %}
看板：{{ v.board_url }}
{% endif %}
{% for a in alerts %}

{{ loop.index }}. {{ a.title }}（{{ a.severity_zh }}·{{ a.status_zh }}）
{% if a.summary %}
   {{ a.summary }}
{% endif %}
{% if a.account and not v.account %}
   账号：{{ a.account }}{{ "（" ~ a.platform ~ "）" if a.platform else "" }}
{% endif %}
{% if a.item %}
   内容：{{ a.item }}
{% endif %}
   开始：{{ a.starts_at }}{{ "　恢复：" ~ a.ends_at if a.ends_at else "" }}（北京时间）
{% if a.link %}
   链接：{{ a.link }}
{% endif %}
{% endfor %}
{% if omitted %}

…（内容过长已截断，共 {{ v.count }} 条告警，仅显示前 {{ alerts | length }} 条，完整列表见看板）
{% endif %}
"""

SUBJECT = """\
[MatrixGuard][{{ v.status_zh }}][{{ v.severity_zh }}] \
{% if v.account %}{{ v.account }} · {% endif %}{{ v.first_title }}\
{% if v.count > 1 %} 等 {{ v.count }} 条告警{% endif %}"""

HTML = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ v.headline }}</title></head>
<body style="font-family: 'PingFang SC', 'Microsoft YaHei', sans-serif; font-size: 14px;">
<h2 style="color: {{ v.color_hex }};">{{ v.headline }}</h2>
<table cellpadding="4" style="border-collapse: collapse;">
<tr><th align="left">状态</th><td>{{ v.status_zh }}</td></tr>
<tr><th align="left">级别</th><td>{{ v.severity_zh }}</td></tr>
<tr><th align="left">告警</th><td>{{ v.count }} 条</td></tr>
{% if v.account %}
<tr><th align="left">账号</th><td>{{ v.account }}{% if v.platform %}（{{ v.platform }}）\
{% endif %}</td></tr>
{% endif %}
{% if v.org_unit %}<tr><th align="left">机构</th><td>{{ v.org_unit }}</td></tr>{% endif %}
{% if v.owner %}<tr><th align="left">负责人</th><td>{{ v.owner }}</td></tr>{% endif %}
</table>
{% if v.board_url %}<p><a href="{{ v.board_url }}">打开 Grafana 看板</a></p>{% endif %}
<ol>
{% for a in alerts %}
<li>
<p><strong>{{ a.title }}</strong>（{{ a.severity_zh }}·{{ a.status_zh }}）</p>
{% if a.summary %}<p>{{ a.summary }}</p>{% endif %}
{% if a.account and not v.account %}<p>账号：{{ a.account }}\
{% if a.platform %}（{{ a.platform }}）{% endif %}</p>{% endif %}
{% if a.item %}<p>内容：{{ a.item }}</p>{% endif %}
<p>开始：{{ a.starts_at }}{% if a.ends_at %}　恢复：{{ a.ends_at }}{% endif %}（北京时间）</p>
{% if a.link %}<p><a href="{{ a.link }}">查看详情</a></p>{% endif %}
</li>
{% endfor %}
</ol>
{% if omitted %}
<p>…（内容过长已截断，共 {{ v.count }} 条告警，\
仅显示前 {{ alerts | length }} 条，完整列表见看板）</p>
{% endif %}
<p style="color: #888;">此邮件由 MatrixGuard 新媒体矩阵风险监测系统自动发送，请勿直接回复。</p>
</body>
</html>
"""
