"""What the pipeline sends out: the digest, posted into Telegram through the Bot API."""
