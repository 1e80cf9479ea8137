"""Loop references as people type them: ``TASK_RUN_ID/LOOP_ID[/WORKSPACE_ID]``.

RD-Agent's ``experiment_id`` is ``<task_run_id>/<loop_id>``; a loop has several workspaces, so
the workspace id may be added when the loop's model workspace is ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

from aistock.core.errors import AistockError


@dataclass(frozen=True)
class LoopRef:
    task_run_id: str
    loop_id: int
    workspace_id: str | None = None

    def __str__(self) -> str:
        tail = f"/{self.workspace_id}" if self.workspace_id else ""
        return f"{self.task_run_id}/{self.loop_id}{tail}"


def parse_loop_ref(text: str) -> LoopRef:
    parts = [p.strip() for p in text.strip().strip("/").split("/")]
    if len(parts) not in (2, 3) or not all(parts):
        raise AistockError(
            f"{text!r} is not a loop reference",
            "write TASK_RUN_ID/LOOP_ID or TASK_RUN_ID/LOOP_ID/WORKSPACE_ID (see: aistock rdagent loops)",
        )
    try:
        loop_id = int(parts[1])
    except ValueError:
        raise AistockError(
            f"the loop id {parts[1]!r} in {text!r} is not a number",
            "write TASK_RUN_ID/LOOP_ID, e.g. 95fde9f8…/0",
        ) from None
    return LoopRef(parts[0], loop_id, parts[2] if len(parts) == 3 else None)
