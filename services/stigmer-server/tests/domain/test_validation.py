"""Enum checks: only the values the schema defines pass, however often they are asked."""

from __future__ import annotations

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.domain.validation import check_enum
from stigmer_server.errors import InvalidArgumentError


def test_defined_values_pass_and_unknown_ones_are_refused_with_the_field() -> None:
    check_enum(wex.ExecutionPhase.EXECUTION_COMPLETED, wex.ExecutionPhase, "status.phase")
    # A value off the wire that the schema does not define: betterproto2 keeps it as a
    # pseudo-member of the enum.
    status = wex.WorkflowExecutionStatus.parse(b"\x08\x63")  # phase = 99
    for _ in range(2):  # the second time after the pseudo-member exists
        with pytest.raises(InvalidArgumentError) as raised:
            check_enum(status.phase, wex.ExecutionPhase, "status.phase")
        assert "status.phase" in str(raised.value) and "99" in str(raised.value)
    check_enum(wex.ExecutionPhase.EXECUTION_PENDING, wex.ExecutionPhase, "status.phase")
