import sys

from telegram_pipeline.cli import main

# Only under `python -m telegram_pipeline`: Airflow's plugins manager also imports every .py under
# plugins/, this file included, and under the module name "__main__".
if __name__ == "__main__" and __package__ == "telegram_pipeline":
    sys.exit(main())
