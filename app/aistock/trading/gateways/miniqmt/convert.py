"""xtquant's objects and codes to ours, and ours to xtquant's.

Every mapping decision about miniQMT's quirks lives here, in one table each, so that the gateway
and the simulator tests can both point at it:

* status: 48/49 submitted, 50 live, 55 part filled, **51/52 cancel requested but still live**
  (vnpy_xt wrongly calls them cancelled), 53/54 cancelled, 56 filled, 57 rejected with its
  ``status_msg``, 255 unknown (None: the caller re-queries);
* side: from ``order_type`` (23 buy / 24 sell), never from ``direction``, which users have seen
  report 48 on sells;
* times: order and trade times are epoch seconds;
* smart-algo tasks: price type 11 (PRTP_FIX) for a limit task, 12 (PRTP_MARKET) for any market
  type — the only two ``smart_algo_order_async`` accepts; task states are xtquant's 1001–1004.
"""

from __future__ import annotations

from typing import Any

from xtquant import xtconstant

from aistock.core.codes import Exchange, parse_code
from aistock.core.fees import Side
from aistock.core.orders import AlgoSpec, OrderStatus, PriceType
from aistock.trading.gateways.events import (
    AccountStatusReport,
    AlgoTaskAck,
    AlgoTaskCancelAck,
    AlgoTaskReport,
    AlgoTaskState,
    AssetReport,
    CancelAck,
    CancelErrorReport,
    OrderAck,
    OrderErrorReport,
    OrderUpdate,
    PositionReport,
    TradeReport,
)

STATUS_MAP: dict[int, OrderStatus | None] = {
    xtconstant.ORDER_UNREPORTED: OrderStatus.SUBMITTED,
    xtconstant.ORDER_WAIT_REPORTING: OrderStatus.SUBMITTED,
    xtconstant.ORDER_REPORTED: OrderStatus.LIVE,
    xtconstant.ORDER_PART_SUCC: OrderStatus.PARTIALLY_FILLED,
    xtconstant.ORDER_REPORTED_CANCEL: OrderStatus.CANCEL_PENDING,
    xtconstant.ORDER_PARTSUCC_CANCEL: OrderStatus.CANCEL_PENDING,
    xtconstant.ORDER_PART_CANCEL: OrderStatus.CANCELLED,
    xtconstant.ORDER_CANCELED: OrderStatus.CANCELLED,
    xtconstant.ORDER_SUCCEEDED: OrderStatus.FILLED,
    xtconstant.ORDER_JUNK: OrderStatus.REJECTED,
    xtconstant.ORDER_UNKNOWN: None,
}

SIDE_TO_ORDER_TYPE: dict[Side, int] = {Side.BUY: xtconstant.STOCK_BUY, Side.SELL: xtconstant.STOCK_SELL}
_ORDER_TYPE_TO_SIDE = {v: k for k, v in SIDE_TO_ORDER_TYPE.items()}

MARKET_CODE: dict[Exchange, int] = {
    Exchange.SH: xtconstant.SH_MARKET,
    Exchange.SZ: xtconstant.SZ_MARKET,
    Exchange.BJ: xtconstant.MARKET_ENUM_BEIJING,
}
"""Cancel-by-sysid market numbers; vnpy_xt sends 1 for Beijing, which is wrong (BJ is 70)."""


def map_status(code: int) -> OrderStatus | None:
    """Our status for an xtquant ``order_status``; None means unknown: re-query the order."""
    return STATUS_MAP.get(int(code))


def side_of(order_type: int) -> Side | None:
    return _ORDER_TYPE_TO_SIDE.get(int(order_type))


def xt_price_type(price_type: PriceType, code: str) -> int:
    """The xtconstant price type for ``price_type`` on ``code``'s exchange.

    The market types differ by exchange (SZ has no "best five then limit"); asking for one an
    exchange lacks is an error rather than a silent substitute.
    """
    exchange = parse_code(code).exchange
    if price_type is PriceType.LIMIT:
        return int(xtconstant.FIX_PRICE)
    if price_type is PriceType.LATEST:
        return int(xtconstant.LATEST_PRICE)
    if price_type is PriceType.PEER_BEST:
        return int(xtconstant.MARKET_PEER_PRICE_FIRST)
    if price_type is PriceType.OWN_BEST:
        return int(xtconstant.MARKET_MINE_PRICE_FIRST)
    if price_type is PriceType.BEST5_OR_CANCEL:
        return int(
            xtconstant.MARKET_SZ_CONVERT_5_CANCEL
            if exchange is Exchange.SZ
            else xtconstant.MARKET_SH_CONVERT_5_CANCEL
        )
    if exchange is Exchange.SZ:
        raise ValueError(
            f"{code}: Shenzhen has no 'best five, rest as limit' market order — "
            "use best5_or_cancel or a limit order"
        )
    return int(xtconstant.MARKET_SH_CONVERT_5_LIMIT)


ALGO_TASK_STATES: dict[int, AlgoTaskState] = {
    xtconstant.OCS_TASK_STATUS_RUNNING: AlgoTaskState.RUNNING,
    xtconstant.OCS_TASK_STATUS_CANCELED: AlgoTaskState.CANCELLED,
    xtconstant.OCS_TASK_STATUS_FINISHED: AlgoTaskState.FINISHED,
    xtconstant.OCS_TASK_STATUS_PAUSED: AlgoTaskState.PAUSED,
}
"""Our task states carry xtquant's own codes; this table is where that is checked."""

ALGO_CMD_REMARK_KEY = "m_strCmdRemark"
"""The algo parameter for the children's remark (投资备注); we set our client id unless given."""


def algo_price_type(price_type: PriceType) -> int:
    """A smart-algo task is priced at a limit (PRTP_FIX, 11) or at the market (PRTP_MARKET, 12)."""
    return int(xtconstant.PRTP_FIX if price_type is PriceType.LIMIT else xtconstant.PRTP_MARKET)


def algo_params(spec: AlgoSpec, client_order_id: str) -> dict[str, Any]:
    """A fresh ``algo_param`` dict (the real wrapper writes the window into the one it is given)."""
    params: dict[str, Any] = dict(spec.params)
    params.setdefault(ALGO_CMD_REMARK_KEY, client_order_id)
    return params


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _i(value: Any) -> int:
    return 0 if value is None else int(value)


def _f(value: Any) -> float:
    return 0.0 if value is None else float(value)


def order_update(o: Any) -> OrderUpdate:
    status_code = _i(o.order_status)
    return OrderUpdate(
        account_id=_s(o.account_id),
        broker_order_id=_i(o.order_id),
        order_sysid=_s(o.order_sysid),
        code=_s(o.stock_code),
        side=side_of(_i(o.order_type)),
        volume=_i(o.order_volume),
        price=_f(o.price),
        price_type=_i(o.price_type),
        traded_volume=_i(o.traded_volume),
        traded_price=_f(o.traded_price),
        broker_status=status_code,
        status=map_status(status_code),
        status_msg=_s(o.status_msg),
        strategy_name=_s(o.strategy_name),
        order_remark=_s(o.order_remark),
        order_time=_i(o.order_time),
    )


def trade_report(t: Any) -> TradeReport:
    return TradeReport(
        account_id=_s(t.account_id),
        trade_id=_s(t.traded_id),
        broker_order_id=_i(t.order_id),
        order_sysid=_s(t.order_sysid),
        code=_s(t.stock_code),
        side=side_of(_i(t.order_type)),
        volume=_i(t.traded_volume),
        price=_f(t.traded_price),
        amount=_f(t.traded_amount),
        commission=_f(t.commission),
        traded_time=_i(t.traded_time),
        strategy_name=_s(t.strategy_name),
        order_remark=_s(t.order_remark),
    )


def position_report(p: Any) -> PositionReport:
    return PositionReport(
        account_id=_s(p.account_id),
        code=_s(p.stock_code),
        volume=_i(p.volume),
        can_use_volume=_i(p.can_use_volume),
        frozen_volume=_i(p.frozen_volume),
        yesterday_volume=_i(p.yesterday_volume),
        avg_price=_f(p.avg_price),
        open_price=_f(p.open_price),
        market_value=_f(p.market_value),
        last_price=_f(p.last_price),
    )


def asset_report(a: Any) -> AssetReport:
    return AssetReport(
        account_id=_s(a.account_id),
        cash=_f(a.cash),
        frozen_cash=_f(a.frozen_cash),
        market_value=_f(a.market_value),
        total_asset=_f(a.total_asset),
    )


def order_error(e: Any) -> OrderErrorReport:
    return OrderErrorReport(
        account_id=_s(e.account_id),
        broker_order_id=_i(e.order_id),
        error_id=_i(e.error_id),
        error_msg=_s(e.error_msg),
        strategy_name=_s(getattr(e, "strategy_name", "")),
        order_remark=_s(getattr(e, "order_remark", "")),
    )


def cancel_error(e: Any) -> CancelErrorReport:
    return CancelErrorReport(
        account_id=_s(e.account_id),
        broker_order_id=_i(e.order_id),
        order_sysid=_s(e.order_sysid),
        error_id=_i(e.error_id),
        error_msg=_s(e.error_msg),
    )


def order_ack(r: Any) -> OrderAck:
    return OrderAck(
        account_id=_s(r.account_id),
        broker_order_id=_i(r.order_id),
        order_remark=_s(r.order_remark),
        strategy_name=_s(r.strategy_name),
        error_msg=_s(r.error_msg),
        seq=_i(r.seq),
    )


def cancel_ack(r: Any) -> CancelAck:
    return CancelAck(
        account_id=_s(r.account_id),
        broker_order_id=_i(r.order_id),
        order_sysid=_s(r.order_sysid),
        cancel_result=_i(r.cancel_result),
        error_msg=_s(r.error_msg),
        seq=_i(r.seq),
    )


def algo_task_ack(r: Any) -> AlgoTaskAck:
    return AlgoTaskAck(
        account_id=_s(r.account_id),
        client_order_id=_s(r.order_remark),
        task_id=_i(r.task_id),
        strategy_name=_s(r.strategy_name),
        error_msg=_s(getattr(r, "error_msg", "")),
        seq=_i(r.seq),
    )


def algo_cancel_ack(r: Any, account_id: str) -> AlgoTaskCancelAck:
    """``XtOperateSmartTaskResponse`` names no account: the gateway's own is given."""
    return AlgoTaskCancelAck(
        account_id=account_id,
        task_id=_i(r.task_id),
        success=bool(r.success),
        reason=_s(getattr(r, "operate_reason", "")),
        error_msg=_s(getattr(r, "error_msg", "")),
        seq=_i(r.seq),
    )


def _int_text(value: Any) -> int:
    """``business_num`` is documented as a str; tolerate "", None and "100.0"."""
    try:
        return int(float(value)) if value not in (None, "") else 0
    except (TypeError, ValueError):
        return 0


def algo_task_report(task: Any, account_id: str) -> AlgoTaskReport:
    """One ``query_smart_algo_task`` entry (a dict) as our record."""

    def get(name: str) -> Any:
        return task.get(name) if isinstance(task, dict) else getattr(task, name, None)

    ids = get("order_id_list") or []
    return AlgoTaskReport(
        account_id=_s(get("account_id")) or account_id,
        task_id=_i(get("task_id")),
        broker_status=_int_text(get("task_status")),
        task_msg=_s(get("task_msg")),
        client_order_id=_s(get("order_remark")),
        strategy_name=_s(get("strategy_name")),
        algo_name=_s(get("algo_name")),
        volume=_int_text(get("order_num")),
        traded_volume=_int_text(get("business_num")),
        child_order_ids=tuple(_int_text(i) for i in ids),
        start_time=_int_text(get("start_time")),
        end_time=_int_text(get("end_time")),
        cancel_time=_int_text(get("cancel_time")),
    )


def account_status(s: Any) -> AccountStatusReport:
    return AccountStatusReport(account_id=_s(s.account_id), status=_i(s.status))
