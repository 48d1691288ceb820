"""Which activities a document's ``call: activity`` may run, and on which task queue.

The runner operator lists them (``STIGMER_CALL_ACTIVITY_ALLOW``, e.g.
``ChargeCard@payments,Notify@notify,*@sandbox``); nothing is allowed by default. The engine's
and the services' own activities (:data:`~stigmer_protos.temporal_names.INTERNAL_ACTIVITIES`
and every ``ServerlessWorkflow*`` name) are never allowed, whatever the list says: their
arguments name executions, secrets and processes the document must not choose.

A call without ``taskQueue`` runs on the one queue the list names its activity on (or, when no
entry names it, the one ``*`` queue); several candidates make the document name one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stigmer_protos.temporal_names import INTERNAL_ACTIVITIES, INTERNAL_ACTIVITY_PREFIX

ALLOW_ENV = "STIGMER_CALL_ACTIVITY_ALLOW"
"""Environment variable holding the runner's ``call: activity`` allow-list."""

ANY = "*"
"""Entry name allowing every (non-internal) activity on its queue."""


@dataclass(frozen=True)
class AllowedActivity:
    """One entry of the operator's ``call: activity`` allow-list.

    Attributes:
        name: The activity type, or ``*`` for any activity (engine-internal ones never).
        task_queue: The task queue the activity may be scheduled on.
    """

    name: str
    task_queue: str


class ActivityNotAllowedError(ValueError):
    """A ``call: activity`` the operator's allow-list does not permit; the message says why."""


def is_internal(name: str) -> bool:
    """Whether ``name`` is an engine or service activity (never callable from a document)."""
    return name in INTERNAL_ACTIVITIES or name.startswith(INTERNAL_ACTIVITY_PREFIX)


def parse_allow_list(text: str, source: str = ALLOW_ENV) -> list[AllowedActivity]:
    """Parse ``Name@queue`` entries separated by commas (blanks around them are ignored).

    ``Name`` may be ``*`` (any activity on that queue); the queue is required. The last ``@``
    separates the queue, so activity names may contain ``@``.

    Raises:
        ValueError: An entry lacks a name or queue, or names an internal activity; the message
            names ``source`` and the entry.
    """
    entries: list[AllowedActivity] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        name, at, queue = item.rpartition("@")
        name, queue = name.strip(), queue.strip()
        if not at or not name or not queue:
            raise ValueError(
                f"{source}: entry {item!r} must be ActivityName@task_queue (or *@task_queue)"
            )
        if is_internal(name):
            raise ValueError(
                f"{source}: {name!r} is an engine-internal activity and can never be allowed"
            )
        entry = AllowedActivity(name=name, task_queue=queue)
        if entry not in entries:
            entries.append(entry)
    return entries


def task_queue_for(
    allowed: Sequence[AllowedActivity] | None, name: str, task_queue: str | None
) -> str | None:
    """Check one call against the allow-list and return the task queue to schedule it on.

    Args:
        allowed: The operator's allow-list; None checks only that the activity is not internal
            (offline validation, where no runner's list is known) and returns ``task_queue``.
        name: The activity type the document calls.
        task_queue: The document's ``taskQueue``, or None when it names none.

    Raises:
        ActivityNotAllowedError: The call is not allowed (or its queue is ambiguous).
    """
    if is_internal(name):
        raise ActivityNotAllowedError(
            f"activity {name!r} is internal to the engine and cannot be called from a document"
        )
    if allowed is None:
        return task_queue
    named = sorted({e.task_queue for e in allowed if e.name == name})
    queues = sorted({*named, *(e.task_queue for e in allowed if e.name == ANY)})
    if task_queue is None:
        # Entries naming the activity choose its default queue before ``*`` entries do.
        candidates = named or queues
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise ActivityNotAllowedError(
                f"activity {name!r} is allowed on several task queues ({', '.join(candidates)}): "
                "name one in with.taskQueue"
            )
    elif task_queue in queues:
        return task_queue
    where = f" on task queue {task_queue!r}" if task_queue is not None else ""
    raise ActivityNotAllowedError(
        f"activity {name!r}{where} is not allowed by this runner's {ALLOW_ENV}"
    )
