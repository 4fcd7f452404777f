"""Tables of the consent records (templates, per-client consents, signatures, groups), part of schema 2."""

STATEMENTS: list[str] = []
