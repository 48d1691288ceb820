"""The conformance report: run the conformance tests, print per feature/case results and totals."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[3] / "tests" / "conformance"
_GROUPS = {"test_ctk": "CTK", "test_sdk_go": "sdk-go", "test_examples": "examples"}
_PARAM = re.compile(r"^(?P<test>\w+)\[(?P<param>.*)\]$")


@dataclass(frozen=True)
class CaseResult:
    """One parametrized conformance case.

    Attributes:
        corpus: ``CTK``, ``sdk-go`` or ``examples``.
        group: The CTK feature (else the corpus name).
        case: Scenario name, case id or example file stem.
        outcome: ``pass``, ``fail``, ``skip`` or ``error``.
        note: Failure message, spec override or engine load status.
    """

    corpus: str
    group: str
    case: str
    outcome: str
    note: str = ""


def parse_junit(path: Path) -> list[CaseResult]:
    """Read a pytest JUnit XML report into :class:`CaseResult` rows (parametrized tests only)."""
    results: list[CaseResult] = []
    for testcase in ET.parse(path).getroot().iter("testcase"):
        module = testcase.get("classname", "").rsplit(".", 1)[-1]
        corpus = _GROUPS.get(module)
        match = _PARAM.match(testcase.get("name", ""))
        if corpus is None or match is None:
            continue
        param = match.group("param")
        group, case = param.split(":", 1) if corpus == "CTK" and ":" in param else (corpus, param)
        outcome, note = "pass", ""
        for tag, label in (("failure", "fail"), ("error", "error"), ("skipped", "skip")):
            element = testcase.find(tag)
            if element is not None:
                outcome = label
                note = (
                    (element.get("message") or "").splitlines()[0][:200]
                    if element.get("message")
                    else ""
                )
                break
        if outcome == "pass":
            props = {p.get("name"): p.get("value") for p in testcase.iter("property")}
            if props.get("spec_override"):
                note = f"spec override: {props['spec_override']}"
            elif props.get("engine"):
                note = str(props["engine"])[:160]
        results.append(CaseResult(corpus, group, case, outcome, note))
    return results


def render(results: list[CaseResult]) -> str:
    """Per corpus and group: one line per case, then per-corpus and overall totals."""
    lines: list[str] = []
    by_corpus: dict[str, dict[str, list[CaseResult]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        by_corpus[result.corpus][result.group].append(result)
    totals: dict[str, int] = defaultdict(int)
    for corpus in ("CTK", "sdk-go", "examples"):
        groups = by_corpus.get(corpus)
        if not groups:
            continue
        passed = sum(r.outcome == "pass" for g in groups.values() for r in g)
        count = sum(len(g) for g in groups.values())
        lines.append(f"== {corpus}: {passed}/{count} pass")
        for group, rows in sorted(groups.items()):
            if corpus == "CTK":
                ok = sum(r.outcome == "pass" for r in rows)
                lines.append(f"  feature {group}: {ok}/{len(rows)}")
            for row in rows:
                note = f"  ({row.note})" if row.note else ""
                lines.append(f"    {row.outcome.upper():5} {row.case}{note}")
        totals["pass"] += passed
        totals["count"] += count
    lines.append(f"== TOTAL: {totals['pass']}/{totals['count']} pass")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the conformance suite and print the report; exit 0 only when every case passes."""
    parser = argparse.ArgumentParser(prog="conformance", description=__doc__)
    parser.add_argument("--tests", type=Path, default=TESTS_DIR, help="conformance tests folder")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression to select cases")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        junit = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", str(args.tests), "-q", "-p", "no:cacheprovider"]
        command += [f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        if args.keyword:
            command += ["-k", args.keyword]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if not junit.exists():
            sys.stdout.write(completed.stdout + completed.stderr)
            return completed.returncode or 1
        results = parse_junit(junit)
    print(render(results))
    failed = [r for r in results if r.outcome in ("fail", "error")]
    return 1 if failed or completed.returncode not in (0, 5) else 0
