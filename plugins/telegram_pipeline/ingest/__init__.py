"""Telegram updates in: the Bot API update parser, the Desktop export importer, the webhook registration."""
