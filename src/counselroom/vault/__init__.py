"""The vault: keys, the SQLCipher connection, migrations and safe files. Imports no Qt."""
