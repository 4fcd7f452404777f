"""The performance suite: figures measured on the machine where it runs, never pass/fail.

Run `python3 dev.py bench` (or `python -m benchmarks` in the venv). See README.md.
"""
