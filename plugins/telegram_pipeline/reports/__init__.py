"""The reports: definitions, SQL (DuckDB source, Athena generated), the two engines, windows, the HTML page."""
