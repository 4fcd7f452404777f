"""Consent: a client's consent, the consent templates, groups and their agreements, the signature pad."""
