"""Printed documents, made with reportlab from plain data; each returns PDF bytes. Imports no Qt."""
