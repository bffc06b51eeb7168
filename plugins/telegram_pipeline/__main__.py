import sys

from telegram_pipeline.cli import main

sys.exit(main())
