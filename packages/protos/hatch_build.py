"""Generate the Python code for the Stigmer protos.

Runs as a Hatch build hook (wheel and editable builds) and as a plain script
(`hatch run protos`) to regenerate an editable install in place.

Messages are betterproto2 dataclasses; gRPC servicers and stubs come from grpcio-tools and
have their message imports rewritten to point at the betterproto2 modules, because
betterproto2 only generates grpclib services (see docs/adr/0002-generated-protos.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "src" / "stigmer_protos"
PACKAGE = "stigmer_protos"
GENERATED = ("ai", "google", "message_pool.py", "google_proto_descriptor_pool.py")
HASH_FILE = "_generated.sha256"

# `from ai.stigmer.x.v1 import io_pb2 as alias` -> `from stigmer_protos.ai.stigmer.x import v1 as alias`
_PB2_IMPORT = re.compile(r"^from ([a-z0-9_.]+)\.([a-z0-9_]+) import ([a-z0-9_]+)_pb2 as ", re.M)


def sources_digest(proto_dir: Path = PROTO_DIR) -> str:
    """Return a digest of every .proto source and of this generator.

    Args:
        proto_dir: The folder holding the .proto sources.

    Returns:
        A hex SHA-256 over the sources' relative paths and contents.
    """
    digest = hashlib.sha256()
    for path in sorted(proto_dir.rglob("*.proto")):
        digest.update(path.relative_to(proto_dir).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _plugin_path() -> str:
    name = "protoc-gen-python_betterproto2"
    candidates = [Path(sys.executable).parent / name, Path(sysconfig.get_path("scripts")) / name]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install betterproto2-compiler==0.10.1")
    return found


def generate(out_dir: Path = OUT_DIR) -> list[Path]:
    """Regenerate the messages and gRPC modules into ``out_dir``.

    Args:
        out_dir: The ``stigmer_protos`` package folder.

    Returns:
        The generated files.
    """
    for name in GENERATED:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    protos = sorted(p.relative_to(PROTO_DIR).as_posix() for p in PROTO_DIR.rglob("*.proto"))
    init = out_dir / "__init__.py"
    kept_init = init.read_bytes() if init.exists() else None
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--plugin=protoc-gen-python_betterproto2={_plugin_path()}",
        f"--python_betterproto2_out=google_protobuf_descriptors:{out_dir}",
        f"--grpc_python_out={out_dir}",
        *protos,
    ]
    # The betterproto2 plugin runs `ruff` by name, so the build env's scripts must be on PATH.
    scripts = {str(Path(sys.executable).parent), sysconfig.get_path("scripts")}
    env = {**os.environ, "PATH": os.pathsep.join([*scripts, os.environ.get("PATH", "")])}
    subprocess.run(cmd, check=True, cwd=PROTO_DIR, env=env)
    if kept_init is not None:
        init.write_bytes(kept_init)
    for grpc_module in out_dir.rglob("*_pb2_grpc.py"):
        text = grpc_module.read_text()
        grpc_module.write_text(_PB2_IMPORT.sub(rf"from {PACKAGE}.\1 import \2 as ", text))
    for folder in (out_dir / "ai", out_dir / "google"):
        for sub in [folder, *[d for d in folder.rglob("*") if d.is_dir()]]:
            (sub / "__init__.py").touch(exist_ok=True)
    (out_dir / HASH_FILE).write_text(sources_digest() + "\n")
    return sorted(p for p in out_dir.rglob("*.py") if p.name != "__init__.py" or p != init)


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # Running as a plain script without hatchling installed.
    pass
else:

    class ProtocHook(BuildHookInterface):  # type: ignore[type-arg]
        """Hatch build hook that generates the proto code before a wheel or editable build."""

        PLUGIN_NAME = "custom"

        def initialize(self, version: str, build_data: dict[str, Any]) -> None:
            """Generate code for wheel and editable builds (both use the wheel target)."""
            if self.target_name == "wheel":
                generate()


def is_current(out_dir: Path = OUT_DIR) -> bool:
    """Tell whether ``out_dir`` holds generated code made from the current sources.

    Args:
        out_dir: The ``stigmer_protos`` package folder.

    Returns:
        True when every generated file exists and the recorded digest matches the sources.
    """
    recorded = out_dir / HASH_FILE
    if not all((out_dir / name).exists() for name in GENERATED) or not recorded.exists():
        return False
    return recorded.read_text().strip() == sources_digest()


if __name__ == "__main__":
    # `--if-stale` lets `hatch run test` repair a checkout whose environment outlived its
    # generated code (a reused Hatch environment over a fresh clone, or a pull that changed
    # a .proto): Hatch only runs the build hook when it creates the environment.
    if "--if-stale" in sys.argv[1:] and is_current():
        sys.exit(0)
    files = generate()
    print(f"generated {len(files)} modules into {OUT_DIR}")
