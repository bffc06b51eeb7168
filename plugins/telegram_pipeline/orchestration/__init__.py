"""What the DAG files share with the package: retry policy, Asset names, callbacks. Standard library only."""
