"""The lake: storage (S3 or a local folder), the curated table's schema and layout, consolidation, quality, catalog."""
