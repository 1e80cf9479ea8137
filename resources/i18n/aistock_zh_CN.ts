<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountViews</name>
    <message>
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>已报</translation>
    </message>
    <message>
        <source>Partly filled</source>
        <translation>部分成交</translation>
    </message>
    <message>
        <source>Cancel pending</source>
        <translation>待撤</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已撤</translation>
    </message>
    <message>
        <source>Filled</source>
        <translation>已成</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>废单</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>限价</translation>
    </message>
    <message>
        <source>Latest</source>
        <translation>最新价</translation>
    </message>
    <message>
        <source>Best 5, rest cancelled</source>
        <translation>最优五档剩余撤销</translation>
    </message>
    <message>
        <source>Best 5, rest limit</source>
        <translation>最优五档剩余转限价</translation>
    </message>
    <message>
        <source>Counterparty best</source>
        <translation>对手方最优</translation>
    </message>
    <message>
        <source>Own side best</source>
        <translation>本方最优</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>AIstock — unexpected error</source>
        <translation>AIstock — 意外错误</translation>
    </message>
</context>
<context>
    <name>AssetPanel</name>
    <message>
        <source>Total asset</source>
        <translation>总资产</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Frozen</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>Market value</source>
        <translation>市值</translation>
    </message>
    <message>
        <source>Start-of-day cash plus today&apos;s fills (the broker&apos;s: available + frozen)</source>
        <translation>日初现金加当日成交（券商口径：可用 + 冻结）。</translation>
    </message>
    <message>
        <source>Cash minus what our open buy orders still need, fees included</source>
        <translation>现金减去本系统未成交买入委托仍需占用的资金（含费用）。</translation>
    </message>
    <message>
        <source>Cash held for open buy orders</source>
        <translation>为未成交买入委托冻结的现金。</translation>
    </message>
    <message>
        <source>Book</source>
        <translation>账面</translation>
    </message>
    <message>
        <source>Broker</source>
        <translation>券商</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>差异</translation>
    </message>
    <message>
        <source>Unrealised P&amp;L</source>
        <translation>浮动盈亏</translation>
    </message>
    <message>
        <source>Account {account}</source>
        <translation>账户 {account}</translation>
    </message>
    <message>
        <source>trading day {day}</source>
        <translation>交易日 {day}</translation>
    </message>
    <message>
        <source>Book matches broker</source>
        <translation>账面与券商一致</translation>
    </message>
    <message>
        <source>Book differs from broker</source>
        <translation>账面与券商不一致</translation>
    </message>
    <message>
        <source>Reconciliation pending</source>
        <translation>等待对账</translation>
    </message>
    <message>
        <source>Buys blocked: {reason}</source>
        <translation>禁止买入：{reason}</translation>
    </message>
</context>
<context>
    <name>CatalogBrowser</name>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已采纳</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>未采纳</translation>
    </message>
    <message>
        <source>not materialized</source>
        <translation>未生成</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Task run</source>
        <translation>任务运行</translation>
    </message>
    <message>
        <source>Loop</source>
        <translation>循环</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>动作</translation>
    </message>
    <message>
        <source>Selection</source>
        <translation>选股</translation>
    </message>
    <message>
        <source>Whether the selection can run this workspace&apos;s model</source>
        <translation>选股能否运行此工作区的模型。</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>决策</translation>
    </message>
    <message>
        <source>Ann. return</source>
        <translation>年化收益</translation>
    </message>
    <message>
        <source>Annualized excess return without cost, as RD-Agent reports it</source>
        <translation>RD-Agent 报告的未扣成本年化超额收益。</translation>
    </message>
    <message>
        <source>Max DD</source>
        <translation>最大回撤</translation>
    </message>
    <message>
        <source>IC</source>
        <translation>IC</translation>
    </message>
    <message>
        <source>ICIR</source>
        <translation>ICIR</translation>
    </message>
    <message>
        <source>IR</source>
        <translation>IR</translation>
    </message>
    <message>
        <source>Information ratio of the excess return (RD-Agent&apos;s &apos;sharpe&apos;)</source>
        <translation>超额收益的信息比率（即 RD-Agent 中的 &apos;sharpe&apos;）。</translation>
    </message>
    <message>
        <source>Factors</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Factor</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Expression / formula</source>
        <translation>表达式 / 公式</translation>
    </message>
    <message>
        <source>Implementation</source>
        <translation>实现</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>标记</translation>
    </message>
    <message>
        <source>Best performance</source>
        <translation>最佳表现</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步骤</translation>
    </message>
    <message>
        <source>Portfolio strategy</source>
        <translation>组合策略</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Drop</source>
        <translation>剔除数</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>特征</translation>
    </message>
    <message>
        <source>Example loop</source>
        <translation>示例循环</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>Template files</source>
        <translation>模板文件</translation>
    </message>
    <message>
        <source>Model type</source>
        <translation>模型类型</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类</translation>
    </message>
    <message>
        <source>Handler</source>
        <translation>数据处理器</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Model id</source>
        <translation>模型 ID</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>Open the selected loop&apos;s RD-Agent log folder</source>
        <translation>打开所选循环的 RD-Agent 日志文件夹。</translation>
    </message>
    <message>
        <source>Open workspace</source>
        <translation>打开工作区</translation>
    </message>
    <message>
        <source>Open the selected loop&apos;s workspace folder</source>
        <translation>打开所选循环的工作区文件夹。</translation>
    </message>
    <message>
        <source>Loops</source>
        <translation>循环</translation>
    </message>
    <message>
        <source>Strategies</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Select a row to see its details.</source>
        <translation>选择一行以查看详情。</translation>
    </message>
    <message>
        <source>Factor {name} ({source})</source>
        <translation>因子 {name}（{source}）</translation>
    </message>
    <message>
        <source>Strategy {id}</source>
        <translation>策略 {id}</translation>
    </message>
    <message>
        <source>Model {id} · {type}</source>
        <translation>模型 {id} · {type}</translation>
    </message>
</context>
<context>
    <name>DemoSummary</name>
    <message>
        <source>Synthetic market: {stocks} stocks on every board; indices {indices}</source>
        <translation>合成市场：{stocks} 只股票，覆盖全部板块；指数 {indices}</translation>
    </message>
    <message>
        <source>Daily bars {start} … {end} ({days} sessions)</source>
        <translation>日线 {start} … {end}（{days} 个交易日）</translation>
    </message>
    <message>
        <source>Minute bars for the last {minute_days} sessions</source>
        <translation>最近 {minute_days} 个交易日的 1 分钟线</translation>
    </message>
    <message>
        <source>Limit-up days {limit_up_days}, limit-down days {limit_down_days}, suspended stock-days {suspended_days}</source>
        <translation>涨停 {limit_up_days} 次，跌停 {limit_down_days} 次，停牌 {suspended_days} 股·日</translation>
    </message>
    <message>
        <source>ST names {st_stocks}, new listings {new_listings}, delistings {delistings}, ex-dividend events {ex_dividend_events}</source>
        <translation>ST 股 {st_stocks} 只，新股 {new_listings} 只，退市 {delistings} 只，除权除息 {ex_dividend_events} 次</translation>
    </message>
    <message>
        <source>Seed {seed}, generator v{generator_version}, built in {build_seconds} s</source>
        <translation>随机种子 {seed}，生成器 v{generator_version}，耗时 {build_seconds} 秒</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>FillsPanel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Trade id</source>
        <translation>成交编号</translation>
    </message>
    <message>
        <source>Order id</source>
        <translation>委托编号</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>费用</translation>
    </message>
</context>
<context>
    <name>Jobs</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>KillSwitch</name>
    <message>
        <source>Halted in {halted} ms; {sent} cancel(s) sent, the last after {last} ms</source>
        <translation>已于 {halted} 毫秒内停止交易；已发出 {sent} 笔撤单，最后一笔在 {last} 毫秒</translation>
    </message>
    <message>
        <source>; {n} waiting for a broker id</source>
        <translation>；{n} 笔等待券商委托号</translation>
    </message>
    <message>
        <source>; {n} failed: {what}</source>
        <translation>；{n} 笔失败：{what}</translation>
    </message>
    <message>
        <source>HALT trading</source>
        <translation>停止交易</translation>
    </message>
    <message>
        <source>Halt all trading now and cancel every open order ({key})</source>
        <translation>立即停止全部交易并撤销所有未成交委托（{key}）。</translation>
    </message>
    <message>
        <source>Release to ACTIVE…</source>
        <translation>解除并恢复正常交易…</translation>
    </message>
    <message>
        <source>Release to REDUCING (sells only)…</source>
        <translation>解除并转为只减仓（仅卖出）…</translation>
    </message>
    <message>
        <source>HALTED — Release…</source>
        <translation>已停止交易 — 解除…</translation>
    </message>
    <message>
        <source>Trading is halted. Release asks for a reason and a confirmation.</source>
        <translation>交易已停止。解除时需填写原因并确认。</translation>
    </message>
    <message>
        <source>■ HALT  ({key})</source>
        <translation>■ 停止交易  ({key})</translation>
    </message>
    <message>
        <source>kill-switch pressed in the workstation</source>
        <translation>在工作站中按下急停</translation>
    </message>
    <message>
        <source>Release the kill-switch</source>
        <translation>解除急停</translation>
    </message>
    <message>
        <source>Why is it safe to trade again?</source>
        <translation>为什么现在可以安全地恢复交易？</translation>
    </message>
    <message>
        <source>Release to REDUCING? Only sells will be sent; buys stay blocked.</source>
        <translation>解除并转为只减仓？仅会发送卖出委托，买入仍被禁止。</translation>
    </message>
    <message>
        <source>Release to ACTIVE? New buy and sell orders will be sent again.</source>
        <translation>解除并恢复正常交易？将重新发送新的买入和卖出委托。</translation>
    </message>
    <message>
        <source>Release</source>
        <translation>解除</translation>
    </message>
    <message>
        <source>Kill-switch</source>
        <translation>急停</translation>
    </message>
</context>
<context>
    <name>LiveOrdersSection</name>
    <message>
        <source>Cancel requested for {count} order(s); the broker confirms it.</source>
        <translation>已对 {count} 笔委托发出撤单请求，以券商确认为准。</translation>
    </message>
    <message>
        <source>{count} order(s) had already ended ({ids}): nothing left to cancel.</source>
        <translation>{count} 笔委托已结束（{ids}），无需撤单。</translation>
    </message>
    <message>
        <source>Cancel of {id} failed: {why}</source>
        <translation>委托 {id} 撤单失败：{why}</translation>
    </message>
    <message>
        <source>Cancel selected</source>
        <translation>撤销所选</translation>
    </message>
    <message>
        <source>Ask the broker to cancel the selected open orders</source>
        <translation>请求券商撤销所选的未成交委托。</translation>
    </message>
    <message>
        <source>Cancel all orders…</source>
        <translation>全部撤单…</translation>
    </message>
    <message>
        <source>Cancel every open order of this account</source>
        <translation>撤销此账户的全部未成交委托。</translation>
    </message>
    <message>
        <source>Algo child orders</source>
        <translation>算法子单</translation>
    </message>
    <message>
        <source>Also list the orders a smart-algo task placed (cancel the task to stop them)</source>
        <translation>同时列出智能算法任务下达的委托（如需停止这些委托，请取消该任务）。</translation>
    </message>
    <message>
        <source>There are no open orders to cancel.</source>
        <translation>没有可撤的未成交委托。</translation>
    </message>
    <message>
        <source>Cancel all {count} open order(s) of account {account} ({mode})?</source>
        <translation>撤销账户 {account}（{mode}）的全部 {count} 笔未成交委托？</translation>
    </message>
    <message>
        <source>Cancel {count} order(s)</source>
        <translation>撤销 {count} 笔委托</translation>
    </message>
    <message>
        <source>Cancel all orders</source>
        <translation>全部撤单</translation>
    </message>
    <message>
        <source>Cancelling {count} order(s)…</source>
        <translation>正在撤销 {count} 笔委托…</translation>
    </message>
    <message>
        <source>Cancelling failed: {error}</source>
        <translation>撤单失败：{error}</translation>
    </message>
    <message>
        <source>Cancelling stopped.</source>
        <translation>撤单已停止。</translation>
    </message>
</context>
<context>
    <name>LoopDetail</name>
    <message>
        <source>Hypothesis</source>
        <translation>假设</translation>
    </message>
    <message>
        <source>Observations</source>
        <translation>观察</translation>
    </message>
    <message>
        <source>Execution</source>
        <translation>执行</translation>
    </message>
    <message>
        <source>Value feedback</source>
        <translation>数值反馈</translation>
    </message>
    <message>
        <source>Shape feedback</source>
        <translation>形状反馈</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>{metric} · excess, net of cost</source>
        <translation>{metric} · 超额，扣除成本后</translation>
    </message>
    <message>
        <source>{metric} · excess, before cost</source>
        <translation>{metric} · 超额，未扣成本</translation>
    </message>
    <message>
        <source>Accepted: RD-Agent kept this hypothesis</source>
        <translation>已采纳：RD-Agent 保留了此假设</translation>
    </message>
    <message>
        <source>Rejected: RD-Agent did not keep this hypothesis</source>
        <translation>未采纳：RD-Agent 未保留此假设</translation>
    </message>
    <message>
        <source>No decision recorded</source>
        <translation>未记录决策</translation>
    </message>
    <message>
        <source>Usable for selection: {reason}</source>
        <translation>可用于选股：{reason}</translation>
    </message>
    <message>
        <source>Not usable yet: {reason}</source>
        <translation>暂不可用：{reason}</translation>
    </message>
    <message>
        <source>Materialization error:</source>
        <translation>生成错误：</translation>
    </message>
    <message>
        <source>The catalog carries no hypothesis or feedback text for this loop.</source>
        <translation>目录中没有此循环的假设或反馈文本。</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Factor</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Expression / formula</source>
        <translation>表达式 / 公式</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Decision and feedback</source>
        <translation>决策与反馈</translation>
    </message>
    <message>
        <source>Factors</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>RD-Agent path</source>
        <translation>RD-Agent 路径</translation>
    </message>
    <message>
        <source>On this machine</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>日志文件夹</translation>
    </message>
    <message>
        <source>Ids</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Paths</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Select a loop to see its metrics, decision and paths.</source>
        <translation>选择一个循环以查看其指标、决策和路径。</translation>
    </message>
    <message>
        <source>Loop {loop} of task run {run} · workspace {workspace} · {action}</source>
        <translation>任务运行 {run} 的循环 {loop} · 工作区 {workspace} · {action}</translation>
    </message>
    <message>
        <source>not on this machine</source>
        <translation>不在本机</translation>
    </message>
    <message>
        <source>bundle {bundle} · strategy {strategy} · model {model}</source>
        <translation>包 {bundle} · 策略 {strategy} · 模型 {model}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Show or hide this panel</source>
        <translation>显示或隐藏此面板</translation>
    </message>
    <message>
        <source>Kill-switch</source>
        <translation>急停</translation>
    </message>
    <message>
        <source>&amp;Trading</source>
        <translation>交易(&amp;T)</translation>
    </message>
    <message>
        <source>Shanghai time, {date}</source>
        <translation>上海时间，{date}</translation>
    </message>
    <message>
        <source>Trading: ACTIVE</source>
        <translation>交易: 正常</translation>
    </message>
    <message>
        <source>Trading: REDUCING only</source>
        <translation>交易: 只减仓</translation>
    </message>
    <message>
        <source>Trading: HALTED</source>
        <translation>交易: 已停止 (急停)</translation>
    </message>
    <message>
        <source>Trading: state unknown</source>
        <translation>交易: 状态未知</translation>
    </message>
    <message>
        <source>miniQMT: connected</source>
        <translation>miniQMT: 已连接</translation>
    </message>
    <message>
        <source>miniQMT: connecting…</source>
        <translation>miniQMT: 正在连接…</translation>
    </message>
    <message>
        <source>miniQMT: disconnected</source>
        <translation>miniQMT: 已断开</translation>
    </message>
    <message>
        <source>miniQMT: state unknown</source>
        <translation>miniQMT: 状态未知</translation>
    </message>
    <message>
        <source>Broker link of account {account}</source>
        <translation>账户 {account} 的券商连接</translation>
    </message>
    <message>
        <source>The language changes when AIstock restarts.</source>
        <translation>界面语言将在重启 AIstock 后切换。</translation>
    </message>
    <message>
        <source>&lt;h3&gt;AIstock Workstation {version}&lt;/h3&gt;&lt;p&gt;A China A-share trading workstation running beside miniQMT.&lt;/p&gt;&lt;p&gt;Home directory:&lt;br&gt;&lt;code&gt;{home}&lt;/code&gt;&lt;/p&gt;&lt;p&gt;Database:&lt;br&gt;&lt;code&gt;{database}&lt;/code&gt;&lt;/p&gt;</source>
        <translation>&lt;h3&gt;AIstock 工作站 {version}&lt;/h3&gt;&lt;p&gt;与 miniQMT 并行运行的 A 股交易工作站。&lt;/p&gt;&lt;p&gt;主目录：&lt;br&gt;&lt;code&gt;{home}&lt;/code&gt;&lt;/p&gt;&lt;p&gt;数据库：&lt;br&gt;&lt;code&gt;{database}&lt;/code&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About AIstock</source>
        <translation>关于 AIstock</translation>
    </message>
    <message>
        <source>AIstock Workstation</source>
        <translation>AIstock 工作站</translation>
    </message>
    <message>
        <source>Trading state of the risk engine</source>
        <translation>风控引擎的交易状态</translation>
    </message>
    <message>
        <source>Market data source</source>
        <translation>行情数据源</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Save the layout and quit</source>
        <translation>保存布局并退出</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Reset layout</source>
        <translation>重置布局(&amp;R)</translation>
    </message>
    <message>
        <source>Dock every panel back in its default place</source>
        <translation>将所有面板停靠回默认位置</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Switch the colour theme</source>
        <translation>切换配色主题</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Takes effect after a restart</source>
        <translation>重启后生效</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>Version and where this workstation keeps its files</source>
        <translation>版本号及本工作站的文件位置</translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>面板</translation>
    </message>
    <message>
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <source>No market data has been loaded yet.</source>
        <translation>尚未加载任何行情数据。</translation>
    </message>
    <message>
        <source>Data as of {date} (stale)</source>
        <translation>数据截至 {date}（已过期）</translation>
    </message>
    <message>
        <source>The data ends on {date}, before the last completed session {session}. Update the market data before trusting signals.</source>
        <translation>数据截至 {date}，早于最近一个已收盘交易日 {session}。请先更新行情数据，再采信信号。</translation>
    </message>
    <message>
        <source>Data as of {date}</source>
        <translation>数据截至 {date}</translation>
    </message>
    <message>
        <source>The data is current: the last completed session is {session}.</source>
        <translation>数据为最新：最近一个已收盘交易日是 {session}。</translation>
    </message>
</context>
<context>
    <name>Monitor</name>
    <message>
        <source>Buy</source>
        <translation>买入</translation>
    </message>
    <message>
        <source>Sell</source>
        <translation>卖出</translation>
    </message>
    <message>
        <source>Filter…</source>
        <translation>筛选…</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export to CSV</source>
        <translation>导出为 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>{n} rows</source>
        <translation>{n} 行</translation>
    </message>
    <message>
        <source>{shown} of {total} rows</source>
        <translation>{shown} / {total} 行</translation>
    </message>
</context>
<context>
    <name>NavChart</name>
    <message>
        <source>Curve</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>NAV</source>
        <translation>净值</translation>
    </message>
    <message>
        <source>DD</source>
        <translation>回撤</translation>
    </message>
    <message>
        <source>Drawdown: how far below its running peak</source>
        <translation>回撤：相对此前最高点的下跌幅度。</translation>
    </message>
    <message>
        <source>YTD</source>
        <translation>今年以来</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Last 21 sessions</source>
        <translation>最近 21 个交易日</translation>
    </message>
    <message>
        <source>Last 63 sessions</source>
        <translation>最近 63 个交易日</translation>
    </message>
    <message>
        <source>Last 126 sessions</source>
        <translation>最近 126 个交易日</translation>
    </message>
    <message>
        <source>Since the first session of this year</source>
        <translation>自今年首个交易日起</translation>
    </message>
    <message>
        <source>Last 252 sessions</source>
        <translation>最近 252 个交易日</translation>
    </message>
    <message>
        <source>The whole history</source>
        <translation>全部历史</translation>
    </message>
    <message>
        <source>The session the legend&apos;s values are read on</source>
        <translation>图例数值所对应的交易日</translation>
    </message>
    <message>
        <source>Wheel: zoom · drag: pan · drag the band below: range</source>
        <translation>滚轮：缩放 · 拖动：平移 · 拖动下方区间条：选择范围</translation>
    </message>
    <message>
        <source>Drawdown</source>
        <translation>回撤</translation>
    </message>
    <message>
        <source>{code} (benchmark)</source>
        <translation>{code}（基准）</translation>
    </message>
    <message>
        <source>&lt;b&gt;{day}&lt;/b&gt; (latest)</source>
        <translation>&lt;b&gt;{day}&lt;/b&gt;（最新）</translation>
    </message>
</context>
<context>
    <name>OrderTicket</name>
    <message>
        <source>Enter a code, e.g. 600000 or 600000.SH.</source>
        <translation>请输入代码，例如 600000 或 600000.SH。</translation>
    </message>
    <message>
        <source>{text} is not a stock code: {why}</source>
        <translation>{text} 不是有效的股票代码：{why}</translation>
    </message>
    <message>
        <source>Enter a volume in shares (buys in board lots, e.g. 100).</source>
        <translation>请输入委托数量，单位为股（买入须为整手，例如 100）。</translation>
    </message>
    <message>
        <source>Enter a limit price, or choose the latest price.</source>
        <translation>请输入限价，或选择最新价。</translation>
    </message>
    <message>
        <source>Buy</source>
        <translation>买入</translation>
    </message>
    <message>
        <source>Sell</source>
        <translation>卖出</translation>
    </message>
    <message>
        <source>{side} {volume} shares of {code} at a limit of ¥{price} on account {account} ({mode})?</source>
        <translation>在账户 {account}（{mode}）以限价 ¥{price} {side} {code} {volume} 股？</translation>
    </message>
    <message>
        <source>{side} {volume} shares of {code} at the latest price on account {account} ({mode})?</source>
        <translation>在账户 {account}（{mode}）以最新价{side} {code} {volume} 股？</translation>
    </message>
    <message>
        <source>LIVE ACCOUNT — this order uses real money.</source>
        <translation>实盘账户——此委托将使用真实资金。</translation>
    </message>
    <message>
        <source>600000 / 600000.SH</source>
        <translation>600000 / 600000.SH</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>限价</translation>
    </message>
    <message>
        <source>Latest price</source>
        <translation>最新价</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>{code} {name} — no quote now</source>
        <translation>{code} {name} — 暂无行情</translation>
    </message>
    <message>
        <source>{name}  last {last}  band {band}</source>
        <translation>{name}  最新 {last}  涨跌停 {band}</translation>
    </message>
    <message>
        <source>Send order</source>
        <translation>发送委托</translation>
    </message>
    <message>
        <source>Send buy order</source>
        <translation>发送买入委托</translation>
    </message>
    <message>
        <source>Send sell order</source>
        <translation>发送卖出委托</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>发送中…</translation>
    </message>
    <message>
        <source>Not sent: {error}</source>
        <translation>未发送：{error}</translation>
    </message>
    <message>
        <source>Buy…</source>
        <translation>买入…</translation>
    </message>
    <message>
        <source>Sell…</source>
        <translation>卖出…</translation>
    </message>
    <message>
        <source>Confirm, then send through the risk checks</source>
        <translation>确认后经风控检查再发送</translation>
    </message>
</context>
<context>
    <name>OrdersPanel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Client id</source>
        <translation>客户端委托号</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Filled</source>
        <translation>已成交</translation>
    </message>
    <message>
        <source>Avg fill</source>
        <translation>成交均价</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>⋯ marks an order whose cancel was requested</source>
        <translation>⋯ 表示该委托已申请撤单</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Algo</source>
        <translation>算法</translation>
    </message>
</context>
<context>
    <name>Overview</name>
    <message>
        <source>AIstock Workstation</source>
        <translation>AIstock 工作站</translation>
    </message>
    <message>
        <source>China A-share research reproduction, strategy preview and supervised trading beside miniQMT · version {version}</source>
        <translation>A 股研究复现、策略预览与受监督交易，与 miniQMT 并行运行 · 版本 {version}</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Not configured</source>
        <translation>未配置</translation>
    </message>
    <message>
        <source>No data yet</source>
        <translation>暂无数据</translation>
    </message>
    <message>
        <source>Account mode</source>
        <translation>账户模式</translation>
    </message>
    <message>
        <source>Data source</source>
        <translation>数据源</translation>
    </message>
    <message>
        <source>Data as of</source>
        <translation>数据截至</translation>
    </message>
    <message>
        <source>Home directory</source>
        <translation>主目录</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Provider directory</source>
        <translation>qlib 数据目录</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Open this folder in the file manager</source>
        <translation>在文件管理器中打开此文件夹</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Nothing to report yet.</source>
        <translation>暂无可报告的内容。</translation>
    </message>
</context>
<context>
    <name>PlansSection</name>
    <message>
        <source>Rebalance</source>
        <translation>调仓</translation>
    </message>
    <message>
        <source>Reduce to cash</source>
        <translation>清仓</translation>
    </message>
    <message>
        <source>Proposed</source>
        <translation>待批准</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <source>Shrunk</source>
        <translation>已缩量</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>风控拒绝</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>Plan from preview…</source>
        <translation>从策略预览生成计划…</translation>
    </message>
    <message>
        <source>Propose orders that copy a preview instance&apos;s book</source>
        <translation>生成委托计划，复制某个策略预览实例的持仓</translation>
    </message>
    <message>
        <source>Plan reduction to cash</source>
        <translation>生成清仓计划</translation>
    </message>
    <message>
        <source>Propose selling everything sellable (judged as REDUCING)</source>
        <translation>提议卖出全部可卖持仓（按“只减仓”状态进行风控判定）</translation>
    </message>
    <message>
        <source>Approve all…</source>
        <translation>全部批准…</translation>
    </message>
    <message>
        <source>Send every approvable order of the selected plan</source>
        <translation>发送所选计划中所有可批准的委托</translation>
    </message>
    <message>
        <source>Approve selected…</source>
        <translation>批准所选…</translation>
    </message>
    <message>
        <source>Send only the orders selected in the plan</source>
        <translation>仅发送计划中选中的委托</translation>
    </message>
    <message>
        <source>Reject plan…</source>
        <translation>驳回计划…</translation>
    </message>
    <message>
        <source>Close the selected plan without sending anything</source>
        <translation>关闭所选计划，不发送任何委托</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>委托数</translation>
    </message>
    <message>
        <source>Approvable</source>
        <translation>可批准</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Decided by</source>
        <translation>审批人</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Show decided plans</source>
        <translation>显示已处理的计划</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>The volume the risk rules allow (shrunk or whole)</source>
        <translation>风控规则允许的数量（缩量后或全部）</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Not before</source>
        <translation>不早于</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风控</translation>
    </message>
    <message>
        <source>Reason codes</source>
        <translation>原因代码</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>No plan selected</source>
        <translation>未选择计划</translation>
    </message>
    <message>
        <source>Plan #{id} · {kind} · {status}</source>
        <translation>计划 #{id} · {kind} · {status}</translation>
    </message>
    <message>
        <source>reading the preview&apos;s book</source>
        <translation>正在读取策略预览的持仓</translation>
    </message>
    <message>
        <source>planning and judging</source>
        <translation>正在生成计划并进行风控判定</translation>
    </message>
    <message>
        <source>Planning…</source>
        <translation>正在生成计划…</translation>
    </message>
    <message>
        <source>No plan: {error}</source>
        <translation>未生成计划：{error}</translation>
    </message>
    <message>
        <source>Planning cancelled.</source>
        <translation>已取消生成计划。</translation>
    </message>
    <message>
        <source>Plan #{id} proposed: {orders} order(s), {approvable} approvable, {denied} denied, {skipped} target(s) skipped. Nothing is sent until you approve it.</source>
        <translation>计划 #{id} 已提出：{orders} 笔委托，其中 {approvable} 笔可批准，{denied} 笔被风控拒绝；跳过 {skipped} 个目标。批准之前不会发送任何委托。</translation>
    </message>
    <message>
        <source>Approve selected</source>
        <translation>批准所选</translation>
    </message>
    <message>
        <source>Select one or more approvable orders of the plan (denied orders cannot be sent).</source>
        <translation>请选择计划中的一笔或多笔可批准委托（被风控拒绝的委托无法发送）。</translation>
    </message>
    <message>
        <source>Approve plan</source>
        <translation>批准计划</translation>
    </message>
    <message>
        <source>Send {count} of the {total} approvable order(s) of plan #{id} ({kind}) on account {account} ({mode})? Priced orders are worth about ¥{value}.</source>
        <translation>在账户 {account}（{mode}）发送计划 #{id}（{kind}）中 {total} 笔可批准委托里的 {count} 笔？已定价委托的金额合计约 ¥{value}。</translation>
    </message>
    <message>
        <source>LIVE ACCOUNT — these orders use real money.</source>
        <translation>实盘账户——这些委托将使用真实资金。</translation>
    </message>
    <message>
        <source>Send {count} order(s)</source>
        <translation>发送 {count} 笔委托</translation>
    </message>
    <message>
        <source>Sending plan #{id}…</source>
        <translation>正在发送计划 #{id}…</translation>
    </message>
    <message>
        <source>Not sent: {error}</source>
        <translation>未发送：{error}</translation>
    </message>
    <message>
        <source>Plan sent: {summary}.</source>
        <translation>计划已发送：{summary}。</translation>
    </message>
    <message>
        <source>Reject plan</source>
        <translation>驳回计划</translation>
    </message>
    <message>
        <source>Why is plan #{id} rejected?</source>
        <translation>驳回计划 #{id} 的原因是什么？</translation>
    </message>
    <message>
        <source>Plan #{id} rejected.</source>
        <translation>计划 #{id} 已驳回。</translation>
    </message>
</context>
<context>
    <name>PositionsPanel</name>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>持仓量</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>可卖</translation>
    </message>
    <message>
        <source>Shares that may be sold today (T+1), less our open sell orders</source>
        <translation>今日可卖出的股数（T+1），已扣除本系统未完成的卖出委托</translation>
    </message>
    <message>
        <source>Avg price</source>
        <translation>持仓均价</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>最新价</translation>
    </message>
    <message>
        <source>Market value</source>
        <translation>市值</translation>
    </message>
    <message>
        <source>Unrealised P&amp;L</source>
        <translation>浮动盈亏</translation>
    </message>
    <message>
        <source>P&amp;L %</source>
        <translation>盈亏%</translation>
    </message>
    <message>
        <source>Broker vol.</source>
        <translation>券商持仓</translation>
    </message>
    <message>
        <source>The volume the broker reported at the last query (amber when it differs)</source>
        <translation>券商最近一次查询时报告的持仓数量（与本地不一致时显示为琥珀色）</translation>
    </message>
</context>
<context>
    <name>PreviewPage</name>
    <message>
        <source>New preview instance</source>
        <translation>新建策略预览实例</translation>
    </message>
    <message>
        <source>RD-Agent loop</source>
        <translation>RD-Agent 循环</translation>
    </message>
    <message>
        <source>Signal file</source>
        <translation>信号文件</translation>
    </message>
    <message>
        <source>No synced loop — sync an RD-Agent export first</source>
        <translation>没有已同步的循环——请先同步 RD-Agent 导出结果</translation>
    </message>
    <message>
        <source>scores.parquet / .pkl / .csv</source>
        <translation>scores.parquet / .pkl / .csv</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Names held (TopkDropout)</source>
        <translation>持仓股票数（TopkDropout）</translation>
    </message>
    <message>
        <source>Names replaced per rebalance</source>
        <translation>每次调仓替换股票数</translation>
    </message>
    <message>
        <source>Minute bars at the rebalance times</source>
        <translation>调仓时点的分钟线</translation>
    </message>
    <message>
        <source>Daily bars (the close)</source>
        <translation>日线（收盘价）</translation>
    </message>
    <message>
        <source>Charge the broker&apos;s fees (default: none)</source>
        <translation>收取券商费用（默认：不收取）</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>First trading day</source>
        <translation>首个交易日</translation>
    </message>
    <message>
        <source>Initial capital</source>
        <translation>初始资金</translation>
    </message>
    <message>
        <source>Top k / drop per day</source>
        <translation>Top k / 每日替换数</translation>
    </message>
    <message>
        <source>Catch-up bars</source>
        <translation>补算 K 线数</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Loop {loop} · top {topk}</source>
        <translation>循环 {loop} · Top {topk}</translation>
    </message>
    <message>
        <source>Signal files (*.parquet *.pkl *.csv)</source>
        <translation>信号文件 (*.parquet *.pkl *.csv)</translation>
    </message>
    <message>
        <source>Tick instances in the list above to compare their NAV curves.</source>
        <translation>在上方列表中勾选实例，以比较其净值曲线。</translation>
    </message>
    <message>
        <source>The ticked instances have no settled day yet: replay them, or let them run past a close.</source>
        <translation>所勾选的实例尚无已结算的交易日：请先回放，或待其运行过一次收盘。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>持仓量</translation>
    </message>
    <message>
        <source>Sellable</source>
        <translation>可卖</translation>
    </message>
    <message>
        <source>Shares bought today cannot be sold until tomorrow (T+1)</source>
        <translation>今日买入的股票须至下一交易日方可卖出（T+1）</translation>
    </message>
    <message>
        <source>Avg cost</source>
        <translation>成本价</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>最新价</translation>
    </message>
    <message>
        <source>Market value</source>
        <translation>市值</translation>
    </message>
    <message>
        <source>P&amp;L</source>
        <translation>盈亏</translation>
    </message>
    <message>
        <source>P&amp;L %</source>
        <translation>盈亏%</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>费用</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Rebalance</source>
        <translation>调仓</translation>
    </message>
    <message>
        <source>&lt;b&gt;Holdings&lt;/b&gt; — select an instance</source>
        <translation>&lt;b&gt;持仓&lt;/b&gt; — 请选择一个实例</translation>
    </message>
    <message>
        <source>&lt;b&gt;Trades&lt;/b&gt;</source>
        <translation>&lt;b&gt;成交记录&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Holdings&lt;/b&gt; of {name} on {day}</source>
        <translation>{name} 在 {day} 的&lt;b&gt;持仓&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Trades&lt;/b&gt; of {name}, newest first</source>
        <translation>{name} 的&lt;b&gt;成交记录&lt;/b&gt;，最新在前</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <source>loop {ref}</source>
        <translation>循环 {ref}</translation>
    </message>
    <message>
        <source>file {name}</source>
        <translation>文件 {name}</translation>
    </message>
    <message>
        <source>Tick to draw its NAV curve</source>
        <translation>勾选以绘制其净值曲线</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>起始日</translation>
    </message>
    <message>
        <source>Settled</source>
        <translation>结算至</translation>
    </message>
    <message>
        <source>The last trading day whose close is booked</source>
        <translation>收盘已入账的最后一个交易日</translation>
    </message>
    <message>
        <source>NAV</source>
        <translation>净值</translation>
    </message>
    <message>
        <source>Value ÷ initial capital</source>
        <translation>总资产 ÷ 初始资金</translation>
    </message>
    <message>
        <source>Cum. P&amp;L</source>
        <translation>累计盈亏</translation>
    </message>
    <message>
        <source>Annual</source>
        <translation>年化</translation>
    </message>
    <message>
        <source>Max DD</source>
        <translation>最大回撤</translation>
    </message>
    <message>
        <source>The deepest fall from a running peak</source>
        <translation>从历史高点回落的最大幅度</translation>
    </message>
    <message>
        <source>Sharpe</source>
        <translation>夏普</translation>
    </message>
    <message>
        <source>Volatility</source>
        <translation>波动率</translation>
    </message>
    <message>
        <source>Turnover</source>
        <translation>换手率</translation>
    </message>
    <message>
        <source>Mean daily value traded ÷ the previous day&apos;s value</source>
        <translation>日均成交额 ÷ 前一日总资产</translation>
    </message>
    <message>
        <source>Trades</source>
        <translation>成交笔数</translation>
    </message>
    <message>
        <source>Show archived</source>
        <translation>显示已归档</translation>
    </message>
    <message>
        <source>List archived (read-only) instances too</source>
        <translation>同时列出已归档（只读）的实例</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>&amp;Preview</source>
        <translation>策略预览(&amp;P)</translation>
    </message>
    <message>
        <source>Cannot create the preview</source>
        <translation>无法创建策略预览</translation>
    </message>
    <message>
        <source>Created {name}: it trades from {start}. Replay it to build its history now.</source>
        <translation>已创建 {name}：自 {start} 起交易。立即回放即可生成其历史记录。</translation>
    </message>
    <message>
        <source>Scoring…</source>
        <translation>打分中…</translation>
    </message>
    <message>
        <source>{done} of {total} days</source>
        <translation>已完成 {done} / {total} 天</translation>
    </message>
    <message>
        <source>Replaying {name}</source>
        <translation>正在回放 {name}</translation>
    </message>
    <message>
        <source>Replayed {name}: {days} days settled.</source>
        <translation>已回放 {name}：已结算 {days} 个交易日。</translation>
    </message>
    <message>
        <source>Replay failed</source>
        <translation>回放失败</translation>
    </message>
    <message>
        <source>Replay of {name} cancelled; the days already rebuilt are kept.</source>
        <translation>已取消 {name} 的回放；已重建的交易日予以保留。</translation>
    </message>
    <message>
        <source>Cannot stop the preview</source>
        <translation>无法停止策略预览</translation>
    </message>
    <message>
        <source>Stopped {name}.</source>
        <translation>已停止 {name}。</translation>
    </message>
    <message>
        <source>Cannot resume the preview</source>
        <translation>无法恢复策略预览</translation>
    </message>
    <message>
        <source>Resumed {name}.</source>
        <translation>已恢复 {name}。</translation>
    </message>
    <message>
        <source>Archive preview</source>
        <translation>归档策略预览</translation>
    </message>
    <message>
        <source>Archive {name}? It stops for good and becomes read-only; its trades, holdings and NAV stay readable (tick Show archived).</source>
        <translation>归档 {name}？归档后将永久停止并变为只读；其成交、持仓和净值仍可查看（勾选“显示已归档”）。</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>归档</translation>
    </message>
    <message>
        <source>Cannot archive the preview</source>
        <translation>无法归档策略预览</translation>
    </message>
    <message>
        <source>Archived {name}.</source>
        <translation>已归档 {name}。</translation>
    </message>
    <message>
        <source>Delete preview</source>
        <translation>删除策略预览</translation>
    </message>
    <message>
        <source>Delete {name} and everything it recorded — trades, holdings, NAV and scores? This cannot be undone.</source>
        <translation>删除 {name} 及其记录的全部内容（成交、持仓、净值和打分）？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Cannot delete the preview</source>
        <translation>无法删除策略预览</translation>
    </message>
    <message>
        <source>Deleted {name}.</source>
        <translation>已删除 {name}。</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>新建…</translation>
    </message>
    <message>
        <source>Create a preview instance of a loop or a signal file</source>
        <translation>基于 RD-Agent 循环或信号文件创建策略预览实例</translation>
    </message>
    <message>
        <source>Replay…</source>
        <translation>回放…</translation>
    </message>
    <message>
        <source>Rebuild the selected instance&apos;s history over a range of days</source>
        <translation>在指定日期范围内重建所选实例的历史</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop trading the selected instance (keeps it)</source>
        <translation>停止所选实例的交易（保留该实例）</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Resume the selected instance; it catches up the days it missed</source>
        <translation>恢复所选实例；它会补齐错过的交易日</translation>
    </message>
    <message>
        <source>Archive…</source>
        <translation>归档…</translation>
    </message>
    <message>
        <source>Make the selected instance read-only and free its running place</source>
        <translation>将所选实例设为只读，并释放其运行名额</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected instance and everything it recorded</source>
        <translation>删除所选实例及其记录的全部内容</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the instances and curves again</source>
        <translation>重新读取实例和曲线</translation>
    </message>
    <message>
        <source>Could not read the previews: {error}</source>
        <translation>无法读取策略预览：{error}</translation>
    </message>
    <message>
        <source>Replay {name}</source>
        <translation>回放 {name}</translation>
    </message>
    <message>
        <source>Rebuilds the instance&apos;s trades, holdings and NAV over these days at once. Its history is replaced; the scores it traded on are kept.</source>
        <translation>一次性重建该实例在这些交易日内的成交、持仓和净值。其历史将被替换，其交易所依据的打分予以保留。</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始日</translation>
    </message>
    <message>
        <source>Through</source>
        <translation>截止日</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
</context>
<context>
    <name>PreviewPickDialog</name>
    <message>
        <source>Plan from a preview</source>
        <translation>从策略预览生成计划</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>起始日</translation>
    </message>
    <message>
        <source>Settled through</source>
        <translation>已结算至</translation>
    </message>
    <message>
        <source>The plan copies the instance&apos;s latest book: each holding&apos;s share of its total value. Nothing is sent until you approve the plan.</source>
        <translation>计划照搬该实例的最新持仓：即每只持仓占其总资产的比例。在您批准计划之前，不会发送任何委托。</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>生成计划</translation>
    </message>
</context>
<context>
    <name>RawDetail</name>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
</context>
<context>
    <name>ResearchFolders</name>
    <message>
        <source>Sync the catalog from a local copy of the RD-Agent folder (Research → Sync catalog…): the path map is inferred from it. Or map RD-Agent&apos;s path to your copy: aistock sync --from DIR --map {prefix}=LOCAL_DIR</source>
        <translation>请从 RD-Agent 文件夹的本地副本同步目录（研究 → 同步目录…），路径映射将据此自动推断。或者将 RD-Agent 的路径映射到您的副本：aistock sync --from DIR --map {prefix}=LOCAL_DIR</translation>
    </message>
    <message>
        <source>Loop {loop} records no log folder.</source>
        <translation>循环 {loop} 未记录日志文件夹。</translation>
    </message>
    <message>
        <source>RD-Agent writes log_dir for the loops it ran: re-export the catalog on the RD-Agent side and sync again.</source>
        <translation>RD-Agent 会为其运行过的循环写入 log_dir：请在 RD-Agent 端重新导出目录，然后再次同步。</translation>
    </message>
    <message>
        <source>The log folder of loop {loop} is RD-Agent&apos;s path {raw}, which the path map does not cover on this machine.</source>
        <translation>循环 {loop} 的日志文件夹为 RD-Agent 路径 {raw}，本机的路径映射未覆盖该路径。</translation>
    </message>
    <message>
        <source>The log folder of loop {loop} is not on this machine: {local} does not exist (RD-Agent&apos;s path {raw}).</source>
        <translation>循环 {loop} 的日志文件夹不在本机上：{local} 不存在（RD-Agent 路径为 {raw}）。</translation>
    </message>
    <message>
        <source>The workspace of loop {loop} is not on this machine (RD-Agent&apos;s path {raw}; looked in {local}).</source>
        <translation>循环 {loop} 的工作区不在本机上（RD-Agent 路径为 {raw}；已查找 {local}）。</translation>
    </message>
    <message>
        <source>{path} could not be opened.</source>
        <translation>无法打开 {path}。</translation>
    </message>
    <message>
        <source>No file manager answered; open the folder by hand (the path is selectable).</source>
        <translation>没有文件管理器响应，请手动打开该文件夹（路径可选中复制）。</translation>
    </message>
</context>
<context>
    <name>ResearchPage</name>
    <message>
        <source>Sync report</source>
        <translation>同步报告</translation>
    </message>
    <message>
        <source>&amp;Research</source>
        <translation>研究(&amp;R)</translation>
    </message>
</context>
<context>
    <name>RiskEventsSection</name>
    <message>
        <source>Denied</source>
        <translation>风控拒绝</translation>
    </message>
    <message>
        <source>Shrunk</source>
        <translation>缩量</translation>
    </message>
    <message>
        <source>Rejected by broker</source>
        <translation>券商拒单</translation>
    </message>
    <message>
        <source>Drawdown</source>
        <translation>回撤</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Reason codes</source>
        <translation>原因代码</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>信息</translation>
    </message>
</context>
<context>
    <name>RouteOutcome</name>
    <message>
        <source>Sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>Sent, shrunk</source>
        <translation>已发送（缩量）</translation>
    </message>
    <message>
        <source>Denied by risk</source>
        <translation>风控拒绝</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>未发送</translation>
    </message>
    <message>
        <source>Sent as {client_id}.</source>
        <translation>已发送，编号 {client_id}。</translation>
    </message>
    <message>
        <source>Sent as {client_id}, shrunk to {volume} shares: {reasons}.</source>
        <translation>已发送，编号 {client_id}，数量缩减至 {volume} 股：{reasons}。</translation>
    </message>
    <message>
        <source>Denied by risk: {reasons}.</source>
        <translation>风控拒绝：{reasons}。</translation>
    </message>
    <message>
        <source>Not sent: {message}</source>
        <translation>未发送：{message}</translation>
    </message>
    <message>
        <source>{sent} sent ({shrunk} shrunk), {denied} denied, {refused} not sent.</source>
        <translation>已发送 {sent} 笔（其中缩量 {shrunk} 笔），风控拒绝 {denied} 笔，未发送 {refused} 笔。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Asked</source>
        <translation>申请数量</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Client id</source>
        <translation>客户端委托号</translation>
    </message>
    <message>
        <source>Reason codes</source>
        <translation>原因代码</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>信息</translation>
    </message>
</context>
<context>
    <name>SelectionPanel</name>
    <message>
        <source>Export candidates</source>
        <translation>导出候选股</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>{loop} — not materialized</source>
        <translation>{loop} — 未生成</translation>
    </message>
    <message>
        <source>this workspace holds no trained model (the catalog names no model files)</source>
        <translation>该工作区没有训练好的模型（目录中未列出任何模型文件）</translation>
    </message>
    <message>
        <source>{loop} — no model</source>
        <translation>{loop} — 无模型</translation>
    </message>
    <message>
        <source>Rank</source>
        <translation>排名</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>Target weight</source>
        <translation>目标权重</translation>
    </message>
    <message>
        <source>1/top-k for the top-k names (equal weight), 0 for the rest</source>
        <translation>前 top-k 只股票各为 1/top-k（等权），其余为 0</translation>
    </message>
    <message>
        <source>Run selection</source>
        <translation>运行选股</translation>
    </message>
    <message>
        <source>Score the loop&apos;s universe on the day with its own model</source>
        <translation>用该循环自带的模型对当日的股票池打分</translation>
    </message>
    <message>
        <source>Export candidates…</source>
        <translation>导出候选股…</translation>
    </message>
    <message>
        <source>Write the candidates shown to a CSV file</source>
        <translation>将当前显示的候选股写入 CSV 文件</translation>
    </message>
    <message>
        <source>loop&apos;s own</source>
        <translation>循环默认</translation>
    </message>
    <message>
        <source>How many names to select; the loop&apos;s strategy top-k by default</source>
        <translation>选取的股票数量；默认为该循环策略的 top-k</translation>
    </message>
    <message>
        <source>Top-k only</source>
        <translation>仅显示 Top-k</translation>
    </message>
    <message>
        <source>Loop</source>
        <translation>循环</translation>
    </message>
    <message>
        <source>Trade date</source>
        <translation>交易日期</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>No usable loop is chosen.</source>
        <translation>未选择可用的循环。</translation>
    </message>
    <message>
        <source>Sync the RD-Agent catalog, then choose a materialized loop with a model.</source>
        <translation>请先同步 RD-Agent 目录，然后选择一个已物化且带有模型的循环。</translation>
    </message>
    <message>
        <source>Selecting {loop} on {day}…</source>
        <translation>正在对 {loop} 选股（{day}）…</translation>
    </message>
    <message>
        <source>Selection failed</source>
        <translation>选股失败</translation>
    </message>
    <message>
        <source>{path} could not be written ({error}).</source>
        <translation>无法写入 {path}（{error}）。</translation>
    </message>
    <message>
        <source>Choose a folder you can write to.</source>
        <translation>请选择一个有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>No selection yet: choose a loop and a day, then run.</source>
        <translation>尚未选股：请选择循环和交易日，然后运行。</translation>
    </message>
    <message>
        <source>Loop {loop} · {day} · top {topk} of {scored} scored · run #{run} · model {load:.2f} s, scoring {predict:.2f} s</source>
        <translation>循环 {loop} · {day} · 已打分 {scored} 只，取前 {topk} 只 · 运行 #{run} · 模型加载 {load:.2f} 秒，打分 {predict:.2f} 秒</translation>
    </message>
    <message>
        <source>not a trading day; the one before is {day}</source>
        <translation>非交易日；前一交易日为 {day}</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Backtest</source>
        <translation>回测</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>策略预览</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>模拟盘</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>实盘</translation>
    </message>
    <message>
        <source>Historical simulation — no order reaches a broker.</source>
        <translation>历史行情模拟——不会向券商发送任何委托。</translation>
    </message>
    <message>
        <source>Virtual fills at current prices — no order reaches a broker.</source>
        <translation>按当前价格虚拟成交——不会向券商发送任何委托。</translation>
    </message>
    <message>
        <source>Orders go to a miniQMT simulation account — no real money.</source>
        <translation>委托发往 miniQMT 模拟账户——不涉及真实资金。</translation>
    </message>
    <message>
        <source>Orders go to a real miniQMT account and use REAL MONEY.</source>
        <translation>委托发往 miniQMT 真实账户，使用真实资金！</translation>
    </message>
    <message>
        <source>No session today</source>
        <translation>休市</translation>
    </message>
    <message>
        <source>Pre-market</source>
        <translation>盘前</translation>
    </message>
    <message>
        <source>Opening auction</source>
        <translation>开盘集合竞价</translation>
    </message>
    <message>
        <source>Auction closed, awaiting open</source>
        <translation>集合竞价结束，等待开盘</translation>
    </message>
    <message>
        <source>Continuous trading (morning)</source>
        <translation>连续竞价(上午)</translation>
    </message>
    <message>
        <source>Lunch break</source>
        <translation>午间休市</translation>
    </message>
    <message>
        <source>Continuous trading (afternoon)</source>
        <translation>连续竞价(下午)</translation>
    </message>
    <message>
        <source>Closing auction</source>
        <translation>收盘集合竞价</translation>
    </message>
    <message>
        <source>Closed for the day</source>
        <translation>已收盘</translation>
    </message>
</context>
<context>
    <name>SimulatorControl</name>
    <message>
        <source>+1 min</source>
        <translation>+1 分钟</translation>
    </message>
    <message>
        <source>Let the simulated exchange trade one minute</source>
        <translation>让模拟交易所撮合一分钟</translation>
    </message>
    <message>
        <source>+15 min</source>
        <translation>+15 分钟</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Trade one simulated minute per second</source>
        <translation>每秒撮合一个模拟分钟</translation>
    </message>
    <message>
        <source>Simulated exchange</source>
        <translation>模拟交易所</translation>
    </message>
    <message>
        <source>{day} closed — the demo replays this session once</source>
        <translation>{day} 已收盘——演示只回放该交易日一次</translation>
    </message>
    <message>
        <source>{day} {time} (minute {n} of {total})</source>
        <translation>{day} {time}（第 {n}/{total} 分钟）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>SupervisionPanel</name>
    <message>
        <source>{mode} · account {account}</source>
        <translation>{mode} · 账户 {account}</translation>
    </message>
    <message>
        <source>Order ticket</source>
        <translation>下单面板</translation>
    </message>
    <message>
        <source>Send order…</source>
        <translation>下单…</translation>
    </message>
    <message>
        <source>Go to the order ticket</source>
        <translation>转到下单面板</translation>
    </message>
    <message>
        <source>&amp;Orders</source>
        <translation>委托(&amp;O)</translation>
    </message>
    <message>
        <source>Open orders ({n})</source>
        <translation>未成交委托（{n}）</translation>
    </message>
    <message>
        <source>Plans ({n})</source>
        <translation>交易计划（{n}）</translation>
    </message>
    <message>
        <source>Risk events ({n})</source>
        <translation>风控事件（{n}）</translation>
    </message>
</context>
<context>
    <name>SyncBar</name>
    <message>
        <source>RD-Agent folder or its RDagentDB/aistock export</source>
        <translation>RD-Agent 文件夹或其 RDagentDB/aistock 导出目录</translation>
    </message>
    <message>
        <source>Opening the source…</source>
        <translation>正在打开来源…</translation>
    </message>
    <message>
        <source>Reading the catalogs…</source>
        <translation>正在读取目录…</translation>
    </message>
    <message>
        <source>Storing bundles…</source>
        <translation>正在存储资产包…</translation>
    </message>
    <message>
        <source>Writing the catalog…</source>
        <translation>正在写入目录…</translation>
    </message>
    <message>
        <source>Sync catalog…</source>
        <translation>同步目录…</translation>
    </message>
    <message>
        <source>Import RD-Agent&apos;s catalogs (factors, strategies, loops, models) from the source</source>
        <translation>从来源导入 RD-Agent 的目录（因子、策略、循环、模型）</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose another RD-Agent folder to sync from</source>
        <translation>选择另一个要同步的 RD-Agent 文件夹</translation>
    </message>
    <message>
        <source>RD-Agent folder, its RDagentDB/aistock export, a ZIP or http://HOST:9000</source>
        <translation>RD-Agent 文件夹、其 RDagentDB/aistock 导出目录、ZIP 文件或 http://HOST:9000</translation>
    </message>
    <message>
        <source>RD-Agent source</source>
        <translation>RD-Agent 来源</translation>
    </message>
    <message>
        <source>Sync RD-Agent catalog</source>
        <translation>同步 RD-Agent 目录</translation>
    </message>
    <message>
        <source>{path} does not exist; nothing was synced.</source>
        <translation>{path} 不存在，未同步任何内容。</translation>
    </message>
    <message>
        <source>Choose the RD-Agent folder (or its RDagentDB/aistock export, a ZIP of it, or the results API as http://HOST:9000).</source>
        <translation>请选择 RD-Agent 文件夹（或其 RDagentDB/aistock 导出目录、该目录的 ZIP 文件，或以 http://HOST:9000 形式提供的结果 API）。</translation>
    </message>
    <message>
        <source>Syncing the RD-Agent catalog…</source>
        <translation>正在同步 RD-Agent 目录…</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Last sync #{run}: {status}</source>
        <translation>上次同步 #{run}：{status}</translation>
    </message>
</context>
<context>
    <name>SyncReport</name>
    <message>
        <source>Factors</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>Strategies</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Loops</source>
        <translation>循环</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Bundles</source>
        <translation>资产包</translation>
    </message>
    <message>
        <source>not exported</source>
        <translation>未导出</translation>
    </message>
    <message>
        <source>Warnings:</source>
        <translation>警告：</translation>
    </message>
    <message>
        <source>Path map (RD-Agent path → this machine):</source>
        <translation>路径映射（RD-Agent 路径 → 本机）：</translation>
    </message>
    <message>
        <source>Trusted roots (model files load only from these):</source>
        <translation>受信任根目录（仅从这些目录加载模型文件）：</translation>
    </message>
    <message>
        <source>(new)</source>
        <translation>（新增）</translation>
    </message>
    <message>
        <source>File hashes: {registry} from RD-Agent&apos;s registry, {pinned} pinned now</source>
        <translation>文件哈希：{registry} 个取自 RD-Agent 注册表，{pinned} 个为本次固定</translation>
    </message>
    <message>
        <source>Catalog</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>变更</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>未变</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>被拒</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>条目</translation>
    </message>
    <message>
        <source>Reason (the entry was skipped)</source>
        <translation>原因（该条目已跳过）</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>From</source>
        <translation>来源类型</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源位置</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>Counts</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Rejected entries</source>
        <translation>被拒条目</translation>
    </message>
    <message>
        <source>Sync history</source>
        <translation>同步历史</translation>
    </message>
    <message>
        <source>No sync in this session yet; earlier syncs are listed below.</source>
        <translation>本次运行尚未同步；以下列出之前的同步记录。</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>partial: some entries were rejected</source>
        <translation>部分成功：部分条目被拒</translation>
    </message>
    <message>
        <source>Sync #{run} from {kind} {location}: {status}</source>
        <translation>同步 #{run}，来源 {kind} {location}：{status}</translation>
    </message>
</context>
<context>
    <name>Workstation</name>
    <message>
        <source>Preview</source>
        <translation>策略预览</translation>
    </message>
    <message>
        <source>Research</source>
        <translation>研究</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Positions</source>
        <translation>持仓</translation>
    </message>
    <message>
        <source>Order supervision</source>
        <translation>委托监控</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>委托</translation>
    </message>
    <message>
        <source>Fills</source>
        <translation>成交</translation>
    </message>
    <message>
        <source>Simulated exchange</source>
        <translation>模拟交易所</translation>
    </message>
</context>
</TS>
