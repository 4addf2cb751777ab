"""Our banking-domain terms for :mod:`agents.anomaly.sentiment` (the package lexicon is general).

Written from how customers complain about a bank online (fees, cards, loans, wealth products,
the app, staff, queues, the hotline, redress, risk rumours, rhetorical questions, internet
slang), then widened in rounds after measuring the development comments in
``tests/data/comment_sentiment.jsonl`` (never the held-out ones). Terms are simplified Chinese;
matching folds traditional characters, full width and case first. A domain term overrides the
package's weight for the same word; the longest term at a position wins (不错 over 错).
"""

from __future__ import annotations

# Complaint acts, redress, risk rumours, abuse: one of these makes a comment negative.
STRONG_NEGATIVE = """
投诉 维权 暴雷 爆雷 跑路 骗人 坑人 被坑 坑爹 太坑 很坑 巨坑 坑惨 退钱 还我 乱扣 乱收 偷扣 私自扣
多扣 多收 重复扣 扣了两次 举报 曝光 12378 315 黑猫 监管局 银保监 金融监管 消保 消费者权益 留言板
起诉 律师 法院见 讨说法 给个说法 拉横幅 挤兑 兑付不了 取不出 取不了 拿不回 赶紧取 赶紧去取
赶紧把钱 被带走 销售误导 误导 忽悠 飞单 割韭菜 智商税 套路 霸王条款 捆绑 搭售 存款变保险
保险当理财 态度差 态度恶劣 态度极差 服务差 不耐烦 冷着脸 翻白眼 阴阳怪气 爱答不理 大呼小叫 甩锅
踢皮球 推诿 推脱 推卸 敷衍 不作为 打不通 没人接 不接电话 没人回 不回复 没人管 没人处理 石沉大海
答非所问 闪退 卡顿 卡死 打不开 登不上 登录不上 崩了 崩溃 冻结 止付 盗刷 吞卡 降额 秒拒 催收 骚扰
爆通讯录 亏损 亏了 亏钱 亏麻 血亏 垃圾 恶心 差劲 太差 最差 越来越差 差评 离谱 过分 黑心 吸血
拉胯 下头 栓q 蚌埠住了 破防 裂开 芭比q 冤种 会谢 老六 整不会 无语 失联 先斩后奏 一声不吭 耍人
耍我 糊弄 打发 高利贷 吃相难看 收割 宰客 避雷 劝退 别买 后悔 失望 投诉无门 血汗钱 赔偿 钱没了
刁难 不专业 隐瞒 没说清楚 没讲清楚 不告诉 不通知 没通知 没提醒 莫名其妙 莫名 凭什么 凭啥 效率低
效率太低 效率感人 速度感人 一直拖 叫花子 威胁 恐吓 丢人 气死 资金链 出事 不敢存 靠不住 不靠谱
不负责 骗子 骗我 被骗 坑我 坑了 黑幕 良心不痛 良心呢 服了 真的会谢 家人们谁懂 我谢谢你 还好意思
早干嘛 干嘛去了
抢钱 抢劫 倒亏 不认账 赖账 说话不算话 言而无信 没人理 不理人 爱理不理 不搭理 甩脸 信访 12315 消协
全额退 延期兑付 兑付延期 离了个大谱 无力吐槽 不推荐
谁来负责 谁负责
监管 银行业协会 泄露 侵犯 太黑 不讲理
"""
# Usually a grievance in a comment (an outcome, a delay, a rhetorical question), weaker alone.
NEGATIVE = """
排了 等了 个小时 一上午 一下午 半天 好几天 天了 周了 个月了 星期了 没动静 没消息 没下文 没回音
早过了 系统繁忙 收不到 转圈 被锁 锁了 逾期了 罚息 扣了 扣我 收我 被扣 扣费 又扣 被收 被降 被拒 被砍
被推销 全绿 绿了 绿的 没到账 没收到 还没 至今 到现在 一直没 一直不 根本 失败 拒了 凶 吵架 强制 被迫
诱导 偷偷 太慢 很慢 拖了 冷漠 不理 不给 不让 砍 缩水 降了 收回 趟 白跑 再也不 不会再 销户 退款
说好 才知道 才发现 才告诉 才通知 才办完 才轮到 为什么 怎么回事 什么鬼 什么东西 合理吗 有啥用
有什么用 啥年代 什么年代 谁同意 怎么活 好一个 说变就变 说降就降 说改就改 说停就停 说扣就扣
机器人 话术 转人工 要求退 要求赔 要回 损失 不如 烦 坑 麻了 呵呵 亏 太低 垫底 劝大家 都不一样
只会说 挂我电话 挂电话 复制粘贴 玩手机 非要 怪我 嫌弃 吼 骂 错了 写错 搞错 弄错 报错 坏了
不营业 撤了 插队 关不掉 越修越 bug 没了 不怎么样 不值 出问题 出过问题 老出问题 你们领导 找领导
哭了
差 烂 渣 乱 骗 慌 解决不了 不解决 还在处理 不处理 不认 转头就 转走 换银行 换一家 不来了 拉黑 取关
卸载 记者 媒体 证据 报警 退还 申诉 警车 取出来吗 还能取 不安全 一言难尽 不人性化 不到位 不规范
心累 闹心 折腾 来回跑 耽误 浪费 白屏 黑屏 无响应 登不进 进不去 用不了 付不了 转不了 刷不了 登不了
办不了 打不了 退不了 查不到 查不了 刷不出 不见了 扣钱 支支吾吾 冷淡 脸色 暂停服务 白等 干等 绷不住
难绷 逆天 寄了 摆烂 气笑了 韭菜 醉了 🙃 🙂 🤡 😅 🫠 🐢
没接通 打不进 不退 人满为患 看都不看 稍后再拨 太难 难找 太久 很久 怎么就 怎么又 好几次 越来越少
越来越贵 越来越难 越来越慢
😡 😤 🙄 💩 👎 😭 🤬 😠 😒 😓 😩 😫 💔 [怒] [抓狂] [微笑] [捂脸] [生气] [鄙视] [衰] [吐] [泪] [哼]
隐私 听不懂 绕来绕去 兜圈子 丢了 默认开通 自动续费 一分没少 没少收 没人告诉 讲不讲理 未到账
"""
# Grievance topics that need something else to make a complaint (排队 alone, 不排队).
WEAK_NEGATIVE = """
排队 维护 推销 广告 还要 要收 收了 等着 等到 跌 贵
慢 异常 找不到 少了 重新取号 重新排 抽象 吐槽 一般般
久 要钱 在处理 几次 说是
照样
"""
POSITIVE = """
点赞 好评 耐心 专业 贴心 暖心 靠谱 放心 方便 好用 秒到 感谢 谢谢 支持 收藏 干货 实用 满意 省心
yyds 绝绝子 真香 爱了 泰裤辣 666 给力 不错 挺好 很好 真好 可以接受 清楚 学到 有用 温暖 感动 开心
还行 还可以 确实可以 好多了 很快 好快 超快 真快 快速 办好了 简单 没话说 多亏 还好 值得
高效 顺利 热情 细心 周到 认真 负责 及时 清晰 划算 优惠 福利 喜欢 厉害 棒 没问题 放心了 稳定
涨知识 码住 学废了 冲冲冲 关注 期待 加油 好看 辛苦了 安心 踏实 正规 到账了 解决了
👍 ❤️ 🌹 🙏 👏 💪 🎉 😊 😄 🥰 😍 ✌️ 🤝 💯 [赞] [鼓掌] [爱心] [玫瑰] [强] [good] [哈哈]
到位 人性化 流畅 快捷 便捷 效率高 速度快 很棒 真棒 好棒 完美 赞 优秀 用心 细致 nice 宝藏 良心
舒服 舒心 有帮助 受益 明白了 懂了 学习了 长知识 好耶 三连
诚意 服务意识 提额 赚了 赚的 赚钱 挣了
随便用
"""
# Banking topic words that general lexicons mark (风险, 违约金, 权益 ...) but that carry no
# opinion in a comment, and A-not-A questions (有没有, 是不是) that are not negations: weight 0.
NEUTRAL = """
风险 风险等级 违约金 逾期 手续费 年费 管理费 利率 最低 利息 保险 理财 基金 贷款 债 欠款 还款 催
征信 冻结期 封闭期 赎回 下跌 波动 亏损的话 客服 老人 大额 存单
网点 小编 可以 老客户 活动 提前 信用 贵行 别家 别的 权益 白金 安全 推荐 系统 保护 知道 不知道
小心 有没有 是不是 会不会 能不能 要不要 好不好 行不行 可不可以 对不对 有没 是否 收不收 扣不扣
差不多 出差 差异 差额 差价 时差 误差 相差 差点 渣打 慢慢 乱码
完了 实际 多久
抱歉 带来不便 不便之处 敬请谅解 谅解 虚拟货币
天才 贵宾 贵宾厅
"""
# Words that negate what follows (within a few characters, same clause).
NEGATORS = """
不 没 没有 别 无 未 不是 不会 不用 不要 从来没 从来没有 从没 从不 毫不 并不 并没有 一点都不 一点也不
都不 也不 不太 不怎么 没什么 没啥 没遇到过 没遇到 没被 不算 一点都没 没那么 不再 谁说 不值得
没有一个 没有一次 一点不
"""
# Words that negate the term just before them (一点诚意都没有, 一个电话也没有).
POST_NEGATORS = """
都没有 也没有 全无
"""
# After a negator, these carry its scope on (没有传言说的那么夸张: not that bad).
RELAYS = """
那么 那样 想象中 想象的
"""
# A turn: what comes after weighs more (服务不错,就是排队太久; 显示已解决,实际上没解决).
CONTRASTS = """
但 但是 可是 不过 就是 可惜 只是 然而 却 现在 后来 结果 实际上 其实
"""
# Talk about scammers: the ambiguous words below (and the package's general negative words)
# then aim at the scammers, not at the bank.
SCAM_CONTEXT = """
诈骗 骗局 冒充 刷单 反诈 电诈 代还 防骗 假客服 钓鱼 骗子电话 骚扰电话 96110
"""
SCAM_AMBIGUOUS = """
骗子 骗人 被骗 坑 坑人 举报 骚扰 上当 恶心 垃圾
骗 报警 可怜
"""


def words(block: str) -> tuple[str, ...]:
    """The whitespace-separated terms of a block, in order, without duplicates."""
    return tuple(dict.fromkeys(block.split()))
