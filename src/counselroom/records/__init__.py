"""The domain: clients, the counselor's profile, settings, the audit trail view. Imports no Qt."""
