"""Smart-algo tasks (智能算法): a parent order sliced into ordinary child orders over a window.

The real client runs VWAP/TWAP-like algorithms server-side and reports child orders as normal
orders carrying the parent's remark and strategy. Here a task's schedule is fixed when it is
created — equal slices (TWAP) or slices weighted by a typical intraday volume curve (VWAP; the
simulator must not peek at the replayed day's future volumes) — and each slice is placed as an
ordinary order when the clock reaches its minute, so it meets every rule a hand-placed order
meets.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from xtquant import xtconstant

from aistock.core.boards import LotRule
from aistock.core.calendar import SHANGHAI
from aistock.core.fees import Side
from aistock.trading.gateways.simulator.desk import OrderDesk
from aistock.trading.gateways.simulator.push import Push
from aistock.trading.gateways.simulator.rules import OrderAsk, lot_of

SUPPORTED_ALGOS: Final = ("VWAP", "TWAP")
ALGO_PRICE_TYPES: Final = (xtconstant.PRTP_FIX, xtconstant.PRTP_MARKET)  # 11, 12

TASK_RUNNING: Final = xtconstant.OCS_TASK_STATUS_RUNNING
TASK_CANCELED: Final = xtconstant.OCS_TASK_STATUS_CANCELED
TASK_FINISHED: Final = xtconstant.OCS_TASK_STATUS_FINISHED

# What get_smart_algo_param describes; the simulator slices by its own schedule and keeps
# whatever parameters a client sends with the task, unused.
_PARAMS: Final[list[dict[str, Any]]] = [
    {
        "key": "m_dLimitOverRate",
        "name": "量比",
        "dataType": "double",
        "valueRange": "0-100",
        "defaultValue": "20",
        "enumName": "",
        "enumValue": "",
        "unit": "%",
    },
    {
        "key": "m_dMinAmountPerOrder",
        "name": "委托最小金额",
        "dataType": "double",
        "valueRange": ">=0",
        "defaultValue": "0",
        "enumName": "",
        "enumValue": "",
        "unit": "元",
    },
    {
        "key": "m_strCmdRemark",
        "name": "投资备注",
        "dataType": "string",
        "valueRange": "",
        "defaultValue": "",
        "enumName": "",
        "enumValue": "",
        "unit": "",
    },
]


def algo_params(names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Parameter descriptions per known algorithm (unknown names are left out, as the client does)."""
    return {name: [dict(p) for p in _PARAMS] for name in names if name in SUPPORTED_ALGOS}


def parse_hms(text: str) -> dt.time:
    """``"HH:MM:SS"`` as the real wrapper reads it; anything else is the wrapper's ValueError."""
    try:
        return dt.datetime.strptime(text, "%H:%M:%S").time()
    except (TypeError, ValueError):
        raise ValueError(f"错误的时间格式: {text!r} (use 'HH:MM:SS', e.g. '10:30:00')") from None


def _intraday_curve(index: int, total: int) -> float:
    """A typical A-share minute-volume curve: heavy at the open, lighter midday, rising at the close."""
    return 1.0 + 2.0 * math.exp(-index / 20.0) + 1.5 * math.exp(-(total - 1 - index) / 20.0)


def plan_slices(
    algo_name: str, volume: int, window: Sequence[int], lot: LotRule, total_minutes: int
) -> list[tuple[int, int]]:
    """``(minute index, volume)`` per child: each child is a legal order, together exactly ``volume``.

    Every slice gets the lot minimum first and the rest is shared by weight in whole steps, so
    no child is an illegal odd size; what rounding leaves (an odd-lot remainder of a sell, say)
    goes with the last child.
    """
    if not window or volume <= 0:
        return []
    n = max(1, min(len(window), volume // lot.min_volume))
    starts = [window[len(window) * j // n] for j in range(n)]
    bounds = [*[len(window) * j // n for j in range(n)], len(window)]
    if algo_name == "VWAP":
        weights = [
            sum(_intraday_curve(window[i], total_minutes) for i in range(bounds[j], bounds[j + 1]))
            for j in range(n)
        ]
    else:
        weights = [float(bounds[j + 1] - bounds[j]) for j in range(n)]
    base = min(lot.min_volume, volume) if n == 1 else lot.min_volume
    rest = volume - base * n
    total_weight = sum(weights)
    sizes = [base + int(rest * w / total_weight) // lot.step * lot.step for w in weights]
    sizes[-1] += volume - sum(sizes)
    return list(zip(starts, sizes, strict=True))


@dataclass
class AlgoTask:
    """One smart-algo task and the children it has placed."""

    task_id: int
    account_id: str
    stock_code: str
    side: Side
    volume: int
    price_type: int  # 11 limit children at ``price``, 12 marketable children
    price: float
    strategy_name: str
    order_remark: str
    algo_name: str
    start_time: int  # epoch seconds
    end_time: int
    slices: list[tuple[int, int]]
    algo_param: dict[str, Any] = field(default_factory=dict)
    next_slice: int = 0
    child_ids: list[int] = field(default_factory=list)
    status: int = TASK_RUNNING
    msg: str = ""
    cancel_time: int = 0

    def due(self, minute: int) -> list[tuple[int, int]]:
        """Slices whose minute has come (a late start places the missed ones at once)."""
        out = []
        while self.next_slice < len(self.slices) and self.slices[self.next_slice][0] <= minute:
            out.append(self.slices[self.next_slice])
            self.next_slice += 1
        return out

    @property
    def all_placed(self) -> bool:
        return self.next_slice >= len(self.slices)

    def as_dict(self, traded_volume: int) -> dict[str, Any]:
        """The task as ``query_smart_algo_task`` reports it."""
        return {
            "task_id": self.task_id,
            "task_status": self.status,
            "task_msg": self.msg,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "cancel_time": self.cancel_time,
            "order_num": self.volume,
            "business_num": str(traded_volume),
            "group_id": "",
            "algo_id": str(self.task_id),
            "account_id": self.account_id,
            "account_type": xtconstant.SECURITY_ACCOUNT,
            "strategy_name": self.strategy_name,
            "order_remark": self.order_remark,
            "order_id_list": list(self.child_ids),
            "algo_name": self.algo_name,
        }

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["side"] = self.side.value
        out["slices"] = [list(s) for s in self.slices]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlgoTask:
        return cls(
            **{
                **data,
                "side": Side(data["side"]),
                "slices": [(int(m), int(v)) for m, v in data["slices"]],
            }
        )


class AlgoDesk:
    """The counter's smart-algo tasks. Children go through the order desk like any order."""

    def __init__(self, tasks: Mapping[int, AlgoTask] | None = None, next_task_id: int = 1) -> None:
        self.tasks: dict[int, AlgoTask] = dict(tasks or {})
        self.next_task_id = next_task_id

    def create(
        self,
        desk: OrderDesk,
        account_id: str,
        ask: OrderAsk,
        strategy_name: str,
        order_remark: str,
        algo_name: str,
        start_time: str,
        end_time: str,
        algo_param: Mapping[str, Any] | None,
    ) -> tuple[int, str]:
        """A new task, checked like its children will be; ``(task_id, "")`` or ``(-1, why)``."""
        account = desk.account(account_id)
        start, end = parse_hms(start_time), parse_hms(end_time)
        if start >= end:
            return -1, "开始时间需小于截止时间"
        if algo_name not in SUPPORTED_ALGOS:
            return -1, f"不支持的算法: {algo_name}（支持 {', '.join(SUPPORTED_ALGOS)}）"
        if ask.price_type not in ALGO_PRICE_TYPES:
            return -1, "报价类型只支持11(指定价)和12(市价)"
        verdict = desk.check(account, replace(ask, price_type=_child_price_type(ask.price_type)))
        if verdict.reject is not None:
            return -1, verdict.reject.msg
        minutes = desk.market.minutes
        window = [m for m in range(desk.clock, len(minutes)) if start <= minutes[m] < end]
        if not window:
            return -1, "算法时间段已过或不在交易时段内"
        task = AlgoTask(
            task_id=self.next_task_id,
            account_id=account_id,
            stock_code=ask.stock_code,
            side=verdict.side,
            volume=ask.volume,
            price_type=ask.price_type,
            price=float(ask.price),
            strategy_name=strategy_name,
            order_remark=order_remark,
            algo_name=algo_name,
            start_time=desk.epoch(window[0]),
            end_time=int(dt.datetime.combine(desk.session_day, end, tzinfo=SHANGHAI).timestamp()),
            slices=plan_slices(algo_name, ask.volume, window, lot_of(ask.stock_code), len(minutes)),
            # Kept as JSON (non-JSON values as text) so the task survives in the state file.
            algo_param=json.loads(json.dumps(dict(algo_param or {}), default=str)),
        )
        self.next_task_id += 1
        self.tasks[task.task_id] = task
        return task.task_id, ""

    def place_due(self, desk: OrderDesk, pushes: list[Push]) -> None:
        """Place every running task's slices whose minute has come (before the bar is matched)."""
        for task in self.tasks.values():
            if task.status != TASK_RUNNING:
                continue
            account = desk.account(task.account_id)
            order_type = xtconstant.STOCK_BUY if task.side is Side.BUY else xtconstant.STOCK_SELL
            for _minute, volume in task.due(desk.clock):
                ask = OrderAsk(
                    task.stock_code, order_type, volume, _child_price_type(task.price_type), task.price
                )
                oid = desk.place(
                    account, ask, task.strategy_name, task.order_remark, pushes, task_id=task.task_id
                )
                task.child_ids.append(oid)
                child = account.orders[oid]
                if child.status == xtconstant.ORDER_JUNK:
                    task.msg = f"子单{oid}废单: {child.status_msg}"

    def update(self, desk: OrderDesk) -> None:
        """A running task whose slices are all placed and whose children are all final is done."""
        for task in self.tasks.values():
            if task.status != TASK_RUNNING or not task.all_placed:
                continue
            orders = desk.account(task.account_id).orders
            if not any(orders[oid].is_live for oid in task.child_ids if oid in orders):
                task.status, task.msg = TASK_FINISHED, task.msg or "任务完成"

    def cancel(self, desk: OrderDesk, account_id: str, task_id: int, pushes: list[Push]) -> tuple[bool, str]:
        """Stop a task: no more slices, open children cancelled; ``(success, message)``."""
        account = desk.account(account_id)
        task = self.tasks.get(task_id)
        if task is None or task.account_id != account_id:
            return False, f"任务{task_id}不存在"
        if task.status != TASK_RUNNING:
            return False, f"任务{task_id}已结束，不能撤销"
        task.next_slice = len(task.slices)
        for oid in task.child_ids:
            rec = account.orders.get(oid)
            if rec is not None and rec.is_live and not rec.cancel_requested:
                desk.cancel(account, rec, oid, pushes)
        task.status, task.cancel_time, task.msg = TASK_CANCELED, desk.epoch(desk.clock), "任务已撤销"
        return True, "撤销成功"

    def tasks_of(self, desk: OrderDesk, account_id: str) -> list[dict[str, Any]]:
        orders = desk.account(account_id).orders
        return [
            t.as_dict(sum(orders[o].traded_volume for o in t.child_ids if o in orders))
            for t in self.tasks.values()
            if t.account_id == account_id
        ]

    def end_day(self) -> None:
        """Tasks live for one session, like the orders they place."""
        self.tasks.clear()

    def to_json(self) -> dict[str, Any]:
        return {"next_task_id": self.next_task_id, "tasks": [t.to_json() for t in self.tasks.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlgoDesk:
        tasks = [AlgoTask.from_json(t) for t in data["tasks"]]
        return cls({t.task_id: t for t in tasks}, int(data["next_task_id"]))


def _child_price_type(algo_price_type: int) -> int:
    """Children of a limit task are limit orders; of a market task, latest-price orders."""
    return int(xtconstant.FIX_PRICE if algo_price_type == xtconstant.PRTP_FIX else xtconstant.LATEST_PRICE)
