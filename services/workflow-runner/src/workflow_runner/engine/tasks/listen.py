"""``listen``: consume CloudEvents delivered as ``event`` signals (one / all / any, until).

The output is the ordered array of consumed events (read as ``data``, ``envelope`` or
``raw``), each transformed by ``foreach`` when set. ``foreach`` runs as each event is consumed
(FIFO), so ``any`` + ``until: false`` processes events forever. Events consumed by an ``until``
strategy are not part of the output.
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import listen
from temporalio import workflow

from workflow_runner.engine import evaluation
from workflow_runner.engine.context import CONTINUE, END, EXIT, Outcome, TaskContext, TaskRun
from workflow_runner.engine.events import PendingListen, matches, read

KINDS = (listen.KIND.id,)
"""The library's kinds this module runs."""

Filter = Mapping[str, Json] | None


class _Listener:
    """One running ``listen`` task."""

    def __init__(self, ctx: TaskContext, run: TaskRun, data: Json) -> None:
        self.ctx = ctx
        self.run = run
        self.data = data
        spec = run.node.spec
        self.to: Mapping[str, Json] = spec["listen"]["to"]
        self.mode = str(spec["listen"].get("read", "data"))
        self.foreach: Mapping[str, Json] | None = spec.get("foreach") or spec["listen"].get(
            "foreach"
        )
        self.pending = PendingListen(run.task_id, run.node.name, self.to)
        self.values: list[Json] = []
        self.outputs: list[Json] = []
        self.directive = CONTINUE

    def evaluate(self, expr: str, value: Json) -> Json:
        return evaluation.evaluate(
            expr, value, self.ctx.task_arguments(self.run, self.data), self.ctx.now()
        )

    def take(self, filters: list[Filter]) -> tuple[int, dict[str, Json]] | None:
        """The oldest buffered event matching any of ``filters`` (``[None]`` matches all)."""
        return self.ctx.events.take(
            lambda event: any(matches(f, event, self.evaluate) for f in filters)
        )

    async def wait_for_more(self) -> None:
        seen = self.ctx.events.received
        await self.ctx.progress.flush()
        await workflow.wait_condition(lambda: self.ctx.events.received != seen)

    async def consume(self, event: dict[str, Json]) -> None:
        """Record one consumed event and run ``foreach`` on it."""
        value = read(event, self.mode)
        self.values.append(value)
        self.pending.consumed += 1
        if not self.foreach:
            self.outputs.append(value)
            return
        index = len(self.values) - 1
        each, at = str(self.foreach.get("item", "item")), str(self.foreach.get("at", "index"))
        scope = self.run.scope.child({each: value, at: index}, index)
        output, directive = await self.ctx.run_list(self.run.node.do, value, scope)
        variables = self.ctx.arguments(scope, input=value, task=self.run.descriptor)
        output = await self.ctx.transform_output(self.foreach, output, variables)
        await self.ctx.export(self.foreach, output, {**variables, "output": output})
        self.outputs.append(output)
        if directive in (END, EXIT):
            self.directive = directive

    async def one_or_all(self, filters: list[Filter]) -> None:
        """One event per filter, in any order; consumed in arrival order."""
        got: dict[int, tuple[int, dict[str, Json]]] = {}
        while len(got) < len(filters):
            for index, filter_ in enumerate(filters):
                if index not in got:
                    taken = self.take([filter_])
                    if taken is not None:
                        got[index] = taken
            if len(got) < len(filters):
                await self.wait_for_more()
        for _, event in sorted(got.values(), key=lambda pair: pair[0]):
            await self.consume(event)

    def until_filters(self, strategy: Mapping[str, Json]) -> list[Filter]:
        if "any" in strategy:
            return list(strategy["any"]) or [None]
        return [strategy["one"]] if "one" in strategy else list(strategy.get("all") or [])

    async def any_of(self, filters: list[Filter], until: Json) -> None:
        """Consume matching events until ``until`` holds (the first event when it is unset).

        Buffered events are examined in arrival order; an event matching the ``until``
        strategy counts towards it (and is not part of the output) even if a filter matches.
        """
        stop = self.until_filters(until) if isinstance(until, Mapping) else []
        stop_seen: set[int] = set()

        def index_of_stop(event: dict[str, Json]) -> int | None:
            for index, filter_ in enumerate(stop):
                if index not in stop_seen and matches(filter_, event, self.evaluate):
                    return index
            return None

        def wanted(event: dict[str, Json]) -> bool:
            if index_of_stop(event) is not None:
                return True
            return any(matches(f, event, self.evaluate) for f in filters)

        while self.directive == CONTINUE:
            taken = self.ctx.events.take(wanted)
            if taken is None:
                await self.wait_for_more()
                continue
            event = taken[1]
            stop_index = index_of_stop(event)
            if stop_index is not None:
                stop_seen.add(stop_index)
                if isinstance(until, Mapping) and ("any" in until or len(stop_seen) == len(stop)):
                    return
                continue
            await self.consume(event)
            if until is None:
                return
            if isinstance(until, str):
                variables = self.ctx.task_arguments(self.run, self.data)
                if expressions.truthy(await self.ctx.field(until, list(self.values), variables)):
                    return


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Wait for and consume the events; the output is the consumed (transformed) events."""
    listener = _Listener(ctx, run, data)
    ctx.events.pending[run.task_id] = listener.pending
    try:
        to = listener.to
        if "one" in to:
            await listener.one_or_all([to["one"]])
        elif "all" in to:
            await listener.one_or_all(list(to["all"]))
        else:
            await listener.any_of(list(to.get("any") or []) or [None], to.get("until"))
    finally:
        ctx.events.pending.pop(run.task_id, None)
    return Outcome(listener.outputs, END if listener.directive == END else None)
