"""What the tests share: paths, lakes and updates made for tests, stand-ins for AWS and Telegram.

Test modules import from here and never from one another, so any test file runs alone.
"""
