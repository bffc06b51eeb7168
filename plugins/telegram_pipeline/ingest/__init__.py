"""Telegram updates in from elsewhere than the webhook: the Desktop export importer, the webhook registration."""
