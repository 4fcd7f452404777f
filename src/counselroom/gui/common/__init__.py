"""Shared by every part of the window: widgets, table models, printing and charts."""
