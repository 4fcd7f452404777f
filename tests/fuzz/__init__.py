"""Fuzzing the hostile files counselroom reads (issue 17): see test_hostile_files.py."""
