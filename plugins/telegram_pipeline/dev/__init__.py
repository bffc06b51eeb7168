"""Development tools: the demo, the group simulator, the local webhook server. Not shipped to MWAA."""
