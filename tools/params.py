"""Input types shared by the tools (short on purpose: every byte is paid in every conversation)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Number = Annotated[int, Field(ge=1)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60, description="Minutes worked; ask the user, never assume.")]
Labor = Annotated[
    str, Field(min_length=1, max_length=40, description="Labor type, e.g. remote, onsite; ask.")
]
Text = Annotated[str, Field(min_length=1, max_length=20000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Limit = Annotated[int, Field(ge=1, le=100)]
