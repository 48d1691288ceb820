"""The RPC-to-scope table covers every RPC of the generated protos, and nothing else."""

from __future__ import annotations

import importlib
import pkgutil

import stigmer_protos
from google.protobuf.descriptor import FileDescriptor, MethodDescriptor
from stigmer_server.access.api_keys import Scope
from stigmer_server.access.rpc_scopes import RPC_ACCESS, access_of


def _generated_methods() -> dict[str, MethodDescriptor]:
    """Every RPC of every service in every generated module of ``stigmer_protos``."""
    methods: dict[str, MethodDescriptor] = {}
    for module_info in pkgutil.walk_packages(stigmer_protos.__path__, "stigmer_protos."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, FileDescriptor):
                for service in value.services_by_name.values():
                    for method in service.methods:
                        methods[f"/{service.full_name}/{method.name}"] = method
    return methods


GENERATED = _generated_methods()


def test_every_generated_rpc_has_an_entry_and_every_entry_an_rpc() -> None:
    assert len(GENERATED) >= 24  # the walk found the services
    assert sorted(set(GENERATED) - set(RPC_ACCESS)) == [], "RPCs without an entry"
    assert sorted(set(RPC_ACCESS) - set(GENERATED)) == [], "entries without an RPC"


def test_admin_may_call_everything_and_no_entry_is_closed_to_all() -> None:
    for method, access in RPC_ACCESS.items():
        assert Scope.ADMIN in access.scopes, method


def test_read_keys_only_read_and_write_keys_never_report_status_or_read_secrets() -> None:
    readable = {m for m, a in RPC_ACCESS.items() if Scope.READ in a.scopes}
    names = {m.rsplit("/", 1)[1] for m in readable}
    assert names <= {
        "get",
        "getByReference",
        "getByWorkflow",
        "list",
        "listByWorkflow",
        "subscribe",
        "getValue",
    }
    assert all("QueryController/" in m or m.endswith("ScheduleController/list") for m in readable)
    writable = {m.rsplit("/", 1)[1] for m, a in RPC_ACCESS.items() if Scope.WRITE in a.scopes}
    assert {"apply", "create", "update", "delete", "cancel", "signal"} <= writable
    assert not {"updateStatus", "getSecrets"} & writable


def test_runner_rpcs_are_exactly_the_runners_calls_each_with_a_resource_check() -> None:
    runner = {m: a for m, a in RPC_ACCESS.items() if Scope.RUNNER in a.scopes}
    assert sorted(m.split(".v1.", 1)[1] for m in runner) == [
        "WorkflowExecutionCommandController/createSubflow",
        "WorkflowExecutionCommandController/updateStatus",
        "WorkflowExecutionQueryController/get",
        "WorkflowExecutionQueryController/getSecrets",
        "WorkflowExecutionQueryController/getValue",
        "WorkflowInstanceQueryController/get",
        "WorkflowQueryController/get",
    ]
    for method, access in runner.items():
        assert access.runner is not None, method
        fields = GENERATED[method].input_type.fields_by_name
        assert access.runner.id_field in fields, method
        assert not GENERATED[method].client_streaming  # one request to check


def test_an_rpc_missing_from_the_table_is_open_to_admin_keys_only() -> None:
    assert access_of("/some.NewService/method").scopes == {Scope.ADMIN}
