"""The engine's one error type for refused input (the tools translate it, once, to a tool error)."""


class InputError(Exception):
    """The input is wrong or ambiguous, or the write is refused; nothing was sent to Syncro."""
