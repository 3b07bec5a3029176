"""syncro_mcp.sandbox: an embedded, stateful fake of the Syncro REST API.

``Sandbox`` serves ``/api/v1/...`` as an ASGI app with deterministic seed data, Syncro's
quirks (envelopes, error shapes, ids ≠ numbers), scripted faults and a request log. Use it
in-process through ``sb.transport()`` or on loopback through ``standalone.serve``.
"""

from .faults import KINDS as FAULT_KINDS
from .faults import Fault, FaultPlan
from .requestlog import LoggedRequest, RequestLog
from .sandbox import DEFAULT_API_KEY, DEFAULT_READ_ONLY_KEY, IN_PROCESS_BASE_URL, Sandbox
from .state import SandboxState
from .transport import SandboxTransport

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_READ_ONLY_KEY",
    "FAULT_KINDS",
    "IN_PROCESS_BASE_URL",
    "Fault",
    "FaultPlan",
    "LoggedRequest",
    "RequestLog",
    "Sandbox",
    "SandboxState",
    "SandboxTransport",
]
