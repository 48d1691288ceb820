"""``run`` shell/script, ``call: activity``, ``use.functions`` and ``$secrets`` kept out of history."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_protos.temporal import sandbox_runner
from stigmer_protos.temporal_names import interpreter_workflow_id
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker
from workflow_runner.conformance.stub import StubServer
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    EngineInput,
    EngineResult,
    ExecuteServerlessWorkflow,
    StaticSecrets,
    engine_activities,
)

ALLOW = EngineConfig(allow_run=True)


def _doc(body: str, use: str = "") -> str:
    head = "document: {dsl: '1.0.3', namespace: test, name: run, version: '1.0.0'}\n"
    return head + use + "do:\n" + body


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


SHELL = _doc("""
  - sh:
      run:
        shell:
          command: |
            input=$(cat)
            echo "STDIN=$input ARGS=$1,$2 ENV=$GREETING"
            echo oops >&2
          stdin: ${ .message }
          arguments: [Foo, '${ .n }']
          environment:
            GREETING: ${ "hi " + .message }
        return: all
""")


async def test_shell_stdin_arguments_environment_all(engine: Any) -> None:
    run = await engine(SHELL, {"message": "hello", "n": 2}, config=ALLOW)
    assert run.error is None, run.error
    assert run.output == {
        "code": 0,
        "stdout": "STDIN=hello ARGS=Foo,2 ENV=hi hello\n",
        "stderr": "oops\n",
    }


async def test_run_disabled_by_default(engine: Any) -> None:
    run = await engine(SHELL, {"message": "x", "n": 1})
    assert run.error_dict["type"].endswith("/configuration")
    assert "allow_run" in run.error_dict["detail"]


async def test_nonzero_exit_faults_unless_code(engine: Any) -> None:
    failing = _doc("""
  - sh:
      run:
        shell: {command: 'exit 3'}
""")
    run = await engine(failing, None, config=ALLOW)
    assert run.error_dict["type"].endswith("/runtime")
    code = await engine(
        failing.replace("{command: 'exit 3'}", "{command: 'exit 3'}\n        return: code"),
        None,
        config=ALLOW,
    )
    assert code.output == 3


async def test_python_script(engine: Any) -> None:
    run = await engine(
        _doc("""
  - py:
      run:
        script:
          language: python
          arguments: [a, b]
          environment: {FOO: bar}
          code: |
            import os, sys
            print(sys.argv[1:], os.environ["FOO"], sys.stdin.read())
          stdin: in
"""),
        None,
        config=ALLOW,
    )
    assert run.error is None, run.error
    assert run.output == "['a', 'b'] bar in\n"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_js_script(engine: Any) -> None:
    run = await engine(
        _doc("""
  - js:
      run:
        script:
          language: javascript
          arguments: [hello]
          code: |
            const [_, __, arg] = process.argv;
            console.log(arg)
"""),
        None,
        config=ALLOW,
    )
    assert run.output == "hello\n"


def test_run_container_rejected_at_load() -> None:
    with pytest.raises(DefinitionError) as exc:
        load_workflow(
            _doc("""
  - c:
      run:
        container: {image: alpine}
""")
        )
    assert "/do/0/c/run/container" in str(exc.value)


@activity.defn(name="greet")
async def greet(name: str, punctuation: str) -> str:
    return f"Hello {name}{punctuation}"


async def test_call_activity(engine: Any, task_queue: str) -> None:
    run = await engine(
        _doc("""
  - hello:
      call: activity
      with:
        name: greet
        arguments: ['${ .name }', '!']
"""),
        {"name": "Ada"},
        extra_activities=[greet],
        # Listed by the operator; the call names no queue, so it runs on the listed one.
        input_options={"allowed_activities": [AllowedActivity("greet", task_queue)]},
    )
    assert run.error is None, run.error
    assert run.output == "Hello Ada!"


async def test_use_functions(engine: Any) -> None:
    run = await engine(
        _doc(
            """
  - first:
      call: double
      with: {value: '${ .n }'}
  - second:
      call: double
      with: {value: '${ .doubled }'}
""",
            use="""use:
  functions:
    double:
      input:
        schema:
          document: {type: object, required: [value]}
      set:
        doubled: ${ .value * 2 }
""",
        ),
        {"n": 3},
    )
    assert run.error is None, run.error
    assert run.output == {"doubled": 12}


def test_undefined_function_and_catalog_rejected() -> None:
    with pytest.raises(DefinitionError, match="/do/0/f/call: cannot call function 'nope'"):
        load_workflow(_doc("  - f:\n      call: nope\n"))


def test_secrets_in_workflow_code_rejected() -> None:
    with pytest.raises(DefinitionError, match=r"/do/0/s/set: \$secrets can only be used"):
        load_workflow(_doc("  - s:\n      set:\n        x: ${ $secrets.token }\n"))


async def test_secrets_never_enter_history(
    temporal_client: Client, task_queue: str, stub: StubServer
) -> None:
    text = _doc(
        f"""
  - login:
      call: http
      with:
        method: get
        endpoint:
          uri: {stub.url}/basic-auth/svc/s3cr3t-pass
          authentication:
            basic:
              use: creds
  - headers:
      call: http
      with:
        method: get
        endpoint: {stub.url}/headers
        headers:
          X-Api-Key: ${{ $secrets.apiKey }}
      output:
        as: .headers["X-Api-Key"]
""",
        use="use:\n  secrets: [creds, apiKey]\n",
    )
    config = EngineConfig(
        secret_resolver=StaticSecrets(
            {"creds": {"username": "svc", "password": "s3cr3t-pass"}, "apiKey": "k3y-VALUE"}
        )
    )
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=engine_activities(config),
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    ):
        handle = await temporal_client.start_workflow(
            ENGINE_WORKFLOW_NAME,
            EngineInput(execution_id="exec-s", workflow_yaml=text, report_progress=False),
            id=interpreter_workflow_id("exec-s-" + uuid.uuid4().hex),
            task_queue=task_queue,
            result_type=EngineResult,
        )
        result = await handle.result()
        history = (await handle.fetch_history()).to_json()
    assert result.output == "***"  # the endpoint echoed the key; the result was scrubbed
    assert "k3y-VALUE" not in history and "s3cr3t" not in history.replace(
        "/basic-auth/svc/s3cr3t-pass", ""
    )


async def test_undeclared_secret_is_authorization_error(engine: Any, stub: StubServer) -> None:
    run = await engine(
        _doc(
            f"""
  - login:
      call: http
      with:
        method: get
        endpoint:
          uri: {stub.url}/basic-auth/a/b
          authentication:
            bearer:
              use: missing
""",
            use="use:\n  secrets: [missing]\n",
        ),
        None,
    )
    assert run.error_dict["status"] == 403
    assert run.error_dict["type"].endswith("/authorization")


async def test_run_sends_a_forged_secret_reference_as_data_and_scrubs_its_output(
    engine: Any,
) -> None:
    text = _doc("""
  - sh:
      run:
        shell:
          command: 'echo "$FORGED|${#TOKEN}|$1"'
          arguments: ['${ $secrets.tok }']
          environment:
            FORGED: ${ .forged }
            TOKEN: ${ $secrets.tok }
""")
    config = EngineConfig(
        allow_run=True,
        secret_resolver=StaticSecrets({"tok": "tok-secret", "other": "other-secret"}),
    )
    run = await engine(text, {"forged": {"$secretExpression": "$secrets"}}, config=config)
    assert run.error is None, run.error
    # the forged object is the literal data; the real site got the secret (10 characters),
    # and the argument echoing it comes back scrubbed
    assert run.output == "{'$secretExpression': '$secrets'}|10|***\n"
