"""``listen``: consume CloudEvents delivered as ``event`` signals (one / all / any, until).

The output is the ordered array of consumed events (read as ``data``, ``envelope`` or
``raw``), each transformed by ``foreach`` when set. ``foreach`` runs as each event is consumed
(FIFO), so ``any`` + ``until: false`` processes events forever. Events consumed by an ``until``
strategy are not part of the output.

A filter's ``correlate`` keys must match too (:class:`Correlation`). The task's progress row
carries the filters' literal attributes and correlation keys (``listen`` in the row's
metadata), which the server's event ingress indexes to route events to this execution (ADR 0037).
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions, filter_patterns
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import listen
from temporalio import workflow

from workflow_runner.engine import evaluation
from workflow_runner.engine.context import CONTINUE, END, EXIT, Outcome, TaskContext, TaskRun
from workflow_runner.engine.events import Correlation, PendingListen, matches, read

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
        self.correlations: dict[int, Correlation] = {}
        self.values: list[Json] = []
        self.outputs: list[Json] = []
        self.directive = CONTINUE

    def evaluate(self, expr: str, value: Json) -> Json:
        return evaluation.evaluate(
            expr, value, self.ctx.task_arguments(self.run, self.data), self.ctx.now()
        )

    def correlation(self, filter_: Filter) -> Correlation:
        """The filter's correlation, its expectations resolved on first use."""
        key = id(filter_)
        if key not in self.correlations:
            self.correlations[key] = Correlation.resolve(filter_, self.data, self.evaluate)
        return self.correlations[key]

    def matches(self, filter_: Filter, event: dict[str, Json]) -> bool:
        """Whether ``event`` passes ``filter_``'s attributes and correlation keys."""
        if not matches(filter_, event, self.evaluate):
            return False
        return self.correlation(filter_).extract(event, self.evaluate) is not None

    def correlated(self, filter_: Filter, event: dict[str, Json]) -> None:
        """Fix the expectation of ``filter_``'s keys without ``expect`` from a taken event."""
        correlation = self.correlation(filter_)
        values = correlation.extract(event, self.evaluate)
        if values is not None:
            correlation.accept(values)

    def describe(self, filters: list[Filter]) -> dict[str, Json]:
        """What the event ingress indexes: each filter's literal attributes (``complete`` when it
        has no other) and correlation."""
        described: list[Json] = []
        for filter_ in filters:
            with_ = (filter_ or {}).get("with") or {}
            literal = {
                name: value
                for name, value in with_.items()
                if not expressions.is_runtime_expression(value)
                and filter_patterns.pattern_of(value) is None
            }
            described.append(
                {
                    "with": literal,
                    "complete": len(literal) == len(with_),
                    "correlate": self.correlation(filter_).describe(),
                }
            )
        return {"filters": described}

    def take(self, filters: list[Filter]) -> tuple[int, dict[str, Json]] | None:
        """The oldest buffered event matching any of ``filters`` (``[None]`` matches all)."""
        taken = self.ctx.events.take(lambda event: any(self.matches(f, event) for f in filters))
        if taken is not None:
            for filter_ in filters:
                if self.matches(filter_, taken[1]):
                    self.correlated(filter_, taken[1])
                    break
        return taken

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
                if index not in stop_seen and self.matches(filter_, event):
                    return index
            return None

        def wanted(event: dict[str, Json]) -> bool:
            if index_of_stop(event) is not None:
                return True
            return any(self.matches(f, event) for f in filters)

        while self.directive == CONTINUE:
            taken = self.ctx.events.take(wanted)
            if taken is None:
                await self.wait_for_more()
                continue
            event = taken[1]
            stop_index = index_of_stop(event)
            if stop_index is not None:
                self.correlated(stop[stop_index], event)
                stop_seen.add(stop_index)
                if isinstance(until, Mapping) and ("any" in until or len(stop_seen) == len(stop)):
                    return
                continue
            for filter_ in filters:
                if self.matches(filter_, event):
                    self.correlated(filter_, event)
                    break
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
            filters: list[Filter] = [to["one"]]
        elif "all" in to:
            filters = list(to["all"])
        else:
            filters = list(to.get("any") or []) or [None]
        until = to.get("until")
        stop = listener.until_filters(until) if isinstance(until, Mapping) else []
        ctx.progress.annotate(run.task_id, listen=listener.describe([*filters, *stop]))
        if "one" in to or "all" in to:
            await listener.one_or_all(filters)
        else:
            await listener.any_of(filters, until)
    finally:
        ctx.events.pending.pop(run.task_id, None)
    return Outcome(listener.outputs, END if listener.directive == END else None)
