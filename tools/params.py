"""Input types shared by the tools (short on purpose: every byte is paid in every conversation)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from .declare import Args, WriteArgs


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank (only whitespace); give the text to send")
    return value


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


NotBlank = AfterValidator(_not_blank)
NotBool = BeforeValidator(_not_bool)

Number = Annotated[int, Field(ge=1), NotBool]
Minutes = Annotated[
    int, Field(ge=1, le=24 * 60, description="Ask; never assume."), NotBool
]
Labor = Annotated[
    str, Field(min_length=1, max_length=40, description="e.g. remote, onsite; ask."), NotBlank
]
Text = Annotated[str, Field(min_length=1, max_length=20000), NotBlank]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Limit = Annotated[int, Field(ge=1, le=100)]
# No description (it would cost every write tool ~50 B of the model-visible list): a repeat refusal
# says when to pass it ("if the user really wants it a second time, call again with again=true").
Again = Annotated[bool, Field()]


# A docstring on an argument model would be published as its schema's description: comments here.
class NumberArgs(Args):  # a read of one ticket, by its number
    number: Number


class TicketArgs(WriteArgs):  # a write on one ticket, by its number
    number: Number
