"""A Mermaid flowchart of a DSL workflow: task order, flow directives, switch, for, fork, try."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stigmer_dsl.loader import TaskNode, WorkflowDefinition

_SHAPES = {"switch": ("{", "}"), "raise": ("[/", "/]"), "wait": ("([", "])")}


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._count = 0

    def new_id(self) -> str:
        self._count += 1
        return f"n{self._count}"

    def node(self, label: str, kind: str, indent: str) -> str:
        ident = self.new_id()
        left, right = _SHAPES.get(kind, ("[", "]"))
        text = f"{label}<br/><i>{kind}</i>".replace('"', "'")
        self.lines.append(f'{indent}{ident}{left}"{text}"{right}')
        return ident

    def edge(self, src: str, dst: str, label: str = "") -> None:
        arrow = f"-->|{_escape(label)}|" if label else "-->"
        self.lines.append(f"    {src} {arrow} {dst}")

    def task_list(
        self, tasks: Sequence[TaskNode], indent: str, end: str
    ) -> tuple[str | None, list[str]]:
        """Draw a task list; return its entry node and the nodes that fall through to ``end``."""
        if not tasks:
            return None, []
        entries = [self.task(t, indent) for t in tasks]
        ids = {t.name: entry for t, (entry, _) in zip(tasks, entries, strict=True)}
        dangling: list[str] = []
        for index, (task, (_, exits)) in enumerate(zip(tasks, entries, strict=True)):
            following = entries[index + 1][0] if index + 1 < len(entries) else None
            if task.kind == "switch":
                self._switch(task, exits[0], ids, following, end, dangling)
                continue
            then = task.spec.get("then")
            target = self._target(then, ids, following, end)
            for exit_node in exits:
                if target is None:
                    dangling.append(exit_node)
                else:
                    self.edge(exit_node, target)
        return entries[0][0], dangling

    def task(self, task: TaskNode, indent: str) -> tuple[str, list[str]]:
        """Draw one task; return its entry node and its exit nodes."""
        if task.kind in ("for", "do", "fork", "try"):
            sub = self.new_id()
            self.lines.append(f'{indent}subgraph {sub}["{task.name} ({task.kind})"]')
            inner = indent + "    "
            if task.kind == "fork":
                start = self.node(task.name, "fork", inner)
                join = self.node("join", "fork", inner)
                for branch in task.branches:
                    b_entry, b_exits = self.task(branch, inner)
                    self.edge(start, b_entry)
                    for e in b_exits:
                        self.edge(e, join)
                self.lines.append(f"{indent}end")
                return start, [join]
            if task.kind == "for":
                each = task.spec.get("for", {})
                label = f"each {each.get('each', 'item')} in {each.get('in', '')}"
                start = self.node(task.name, "for", inner)
                entry, exits = self.task_list(task.do, inner, "")
                if entry is not None:
                    self.edge(start, entry, label)
                    for e in exits:
                        self.edge(e, start, "next")
                self.lines.append(f"{indent}end")
                return start, [start]
            entry, exits = self.task_list(task.do, inner, "")
            if task.kind == "try":
                catch_entry, catch_exits = self.task_list(task.catch_do, inner, "")
                if catch_entry is not None and entry is not None:
                    self.edge(entry, catch_entry, "error")
                    exits = exits + catch_exits
            self.lines.append(f"{indent}end")
            if entry is None:
                return self.node(task.name, task.kind, indent), []
            return entry, exits
        node = self.node(task.name, task.kind, indent)
        if task.kind == "raise":
            return node, []
        return node, [node]

    def _switch(
        self,
        task: TaskNode,
        node: str,
        ids: Mapping[str, str],
        following: str | None,
        end: str,
        dangling: list[str],
    ) -> None:
        has_default = False
        for case in task.spec.get("switch", []):
            ((name, body),) = case.items()
            when = body.get("when")
            has_default = has_default or when is None
            target = self._target(body.get("then"), ids, following, end)
            label = str(when) if when is not None else f"{name} (default)"
            if target is None:
                dangling.append(node)
            else:
                self.edge(node, target, label)
        if not has_default:
            target = self._target(task.spec.get("then"), ids, following, end)
            if target is not None:
                self.edge(node, target, "otherwise")

    @staticmethod
    def _target(then: Any, ids: Mapping[str, str], following: str | None, end: str) -> str | None:
        if then in ("end", "exit"):
            return end or None
        if isinstance(then, str) and then in ids:
            return ids[then]
        return following if following is not None else (end or None)


def _escape(label: str) -> str:
    return label.replace("|", "/").replace('"', "'")


def flowchart(definition: WorkflowDefinition) -> str:
    """Mermaid ``flowchart TD`` text of the workflow."""
    builder = _Builder()
    builder.lines.append("flowchart TD")
    builder.lines.append("    start((start))")
    builder.lines.append("    stop((end))")
    entry, exits = builder.task_list(definition.tasks, "    ", "stop")
    builder.edge("start", entry or "stop")
    for e in exits:
        builder.edge(e, "stop")
    return "\n".join(builder.lines)
