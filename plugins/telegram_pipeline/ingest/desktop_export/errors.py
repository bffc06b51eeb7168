"""What goes wrong with an export: the whole of it (ExportError), or one message of it (MalformedMessage)."""


class ExportError(ValueError):
    """The export cannot be imported as asked (the CLI prints it and exits with status 2)."""


class MalformedMessage(ValueError):
    """One message of the export cannot be converted; it is reported and skipped."""
