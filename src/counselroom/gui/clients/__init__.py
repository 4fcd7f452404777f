"""Clients: the list, a client's file and its form, casework and emergency contacts."""
