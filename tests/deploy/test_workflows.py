""".github/workflows: actionlint (expressions, action inputs, runner labels, deprecated
runtimes) and the GitHub workflow JSON schema."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from typing import Any

import yaml

EXPECTED = {"ci.yml", "images.yml", "chart.yml", "release.yml"}


def _workflows(dp: Any) -> list[Any]:
    files = sorted(dp.WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= EXPECTED
    return files


def test_actionlint(dp: Any) -> None:
    actionlint = dp.find_binary("actionlint")
    files = [str(f) for f in _workflows(dp)]
    result = subprocess.run(
        [actionlint, "-color=false", *files],
        capture_output=True,
        text=True,
        check=False,
        cwd=dp.ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_schema(dp: Any) -> None:
    dp.import_tool("check_jsonschema")
    import jsonschema

    schema_file = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    )
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    for path in _workflows(dp):
        # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
        doc = {("on" if k is True else k): v for k, v in yaml.safe_load(path.read_text()).items()}
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, f"{path.name}: {errors}"


def test_ci_runs_the_suite_with_redis(dp: Any) -> None:
    ci = yaml.safe_load((dp.WORKFLOWS / "ci.yml").read_text())
    steps = ci["jobs"]["test"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "redis-server" in runs and "hatch run test" in runs
    assert "hatch run lint" in str(ci["jobs"]["lint"]) and "hatch run types" in str(
        ci["jobs"]["types"]
    )


def test_images_are_multi_arch_and_pushed_on_tags(dp: Any) -> None:
    images = yaml.safe_load((dp.WORKFLOWS / "images.yml").read_text())
    build = next(
        s for s in images["jobs"]["image"]["steps"] if "build-push-action" in s.get("uses", "")
    )
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert "refs/tags/v" in build["with"]["push"]
    services = images["jobs"]["image"]["strategy"]["matrix"]["service"]
    for service in services:
        assert dp.dockerfile(service).is_file()
