"""Psychological tests (not the test suite): instruments, a client's tests, giving a test, the client screen."""
