"""The lake: storage (S3 or a local folder), raw update to curated row, the table's schema and layout, consolidation,
quality, catalog."""
