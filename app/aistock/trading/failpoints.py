"""Named crash points, so the tests can kill the process exactly where it hurts.

Crash-only design (NautilusTrader's phrase): one code path serves start-up and recovery, so the
way to prove recovery is to die at every step between a broker callback's arrival and its
application and start again. ``failpoint(name)`` is a no-op unless the environment variable
``AISTOCK_FAILPOINT`` names it, in which case the process SIGKILLs itself on the spot — no
``finally``, no flush, exactly like a power cut or the task manager.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "AISTOCK_FAILPOINT"
_ARMED = os.environ.get(ENV_VAR, "")

POINTS = (
    "callback.received",  # on the SDK thread, before the object is copied (kind: XtTrade...)
    "callback.enqueued",  # copied and queued, not yet journaled
    "oms.journaled",  # journaled (committed), not yet applied
    "oms.applying",  # inside the apply transaction, before its commit
    "oms.applied",  # applied and committed
    "oms.order_recorded",  # an order row written, the gateway not yet called
)


def failpoint(name: str, kind: str = "") -> None:
    """Die here if armed for ``name`` or for ``name:kind`` (e.g. ``oms.journaled:trade``)."""
    if _ARMED and (name == _ARMED or f"{name}:{kind}" == _ARMED):
        os.kill(os.getpid(), signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
