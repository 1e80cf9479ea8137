<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <source>AIstock — unexpected error</source>
        <translation>AIstock — 意外错误</translation>
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
        <source>Risk: normal</source>
        <translation>风控: 正常</translation>
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
</TS>
