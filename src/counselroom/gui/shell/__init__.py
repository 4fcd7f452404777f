"""The shell: the main window and its navigation, the unlock screen, the first-run wizard, the idle lock, help,
settings and search.
"""
