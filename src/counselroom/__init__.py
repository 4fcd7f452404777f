"""counselroom: the encrypted, offline records program of a psychological counseling room."""

__version__ = "0.1.0"
