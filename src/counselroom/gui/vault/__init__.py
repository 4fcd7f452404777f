"""The vault's care: backup, restore and the recovery key."""
