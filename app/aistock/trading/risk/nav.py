"""NAV marks per account and day: where the day started, its high, the running peak.

The drawdown limits need them, and they must survive a restart (a workstation restarted after a
bad morning must not forget the morning's high). They are updated whenever the risk engine
values the account, which is every time it judges an order batch, and by the monitoring tick.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from aistock.core.risk import NavMarks
from aistock.store import AccountNav, Store
from aistock.store.tables import utc_now


class NavMarksRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def observe(self, account_id: str, day: dt.date, nav: float) -> NavMarks:
        """Record a NAV observation and return the marks *before* it (what limits compare to)."""
        with self.store.write_session() as session:
            row = session.get(AccountNav, (account_id, day))
            if row is None:
                before = session.exec(
                    select(AccountNav)
                    .where(col(AccountNav.account_id) == account_id, col(AccountNav.trading_day) < day)
                    .order_by(col(AccountNav.trading_day).desc())
                    .limit(1)
                ).first()
                peak = max(before.peak_nav, nav) if before is not None else nav
                # The first valuation of the day stands for the start of day.
                row = AccountNav(
                    account_id=account_id,
                    trading_day=day,
                    sod_nav=nav,
                    high_nav=nav,
                    low_nav=nav,
                    last_nav=nav,
                    peak_nav=peak,
                )
                marks = NavMarks(sod_nav=nav, intraday_high=nav, peak_nav=before.peak_nav if before else nav)
            else:
                marks = NavMarks(sod_nav=row.sod_nav, intraday_high=row.high_nav, peak_nav=row.peak_nav)
                row.high_nav = max(row.high_nav, nav)
                row.low_nav = min(row.low_nav, nav)
                row.last_nav = nav
                row.peak_nav = max(row.peak_nav, nav)
                row.updated_at = utc_now()
            session.add(row)
            session.commit()
        return marks

    def marks(self, account_id: str, day: dt.date) -> NavMarks:
        with self.store.session() as session:
            row = session.get(AccountNav, (account_id, day))
        if row is None:
            return NavMarks()
        return NavMarks(sod_nav=row.sod_nav, intraday_high=row.high_nav, peak_nav=row.peak_nav)
