"""Telegram group analytics: webhook ingestion, daily consolidation to Parquet, catalog and reports."""

__version__ = "0.1.0"
