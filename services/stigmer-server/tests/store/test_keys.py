from __future__ import annotations

from stigmer_server.domain.kinds import WORKFLOW
from stigmer_server.store.keys import KindKeys, escape, index_by_workflow


def test_valid_parts_are_unchanged() -> None:
    keys = KindKeys("stigmer", WORKFLOW)
    assert keys.slug("local", "hello-world") == f"{keys.tag}:s:local:hello-world"
    assert keys.record("wfl-01jabc") == f"{keys.tag}:r:wfl-01jabc"
    assert escape("my.org_1-x") == "my.org_1-x"


def test_no_org_slug_pair_spells_another() -> None:
    keys = KindKeys("stigmer", WORKFLOW)
    assert keys.slug("acme", "internal:payroll") != keys.slug("acme:internal", "payroll")
    assert ":" not in escape("a:b") and "{" not in escape("{a}") and "}" not in escape("{a}")
    assert escape("%3A") != escape(":")  # the escape character is escaped too
    assert index_by_workflow("x:phase:1") != "wf:x:phase:1"
