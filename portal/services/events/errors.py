"""The refusal every event service raises."""


class EventError(ValueError):
    """A refused event operation: `code` picks the message, `field` the form field."""

    def __init__(self, code: str, field: str | None = None, **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params
