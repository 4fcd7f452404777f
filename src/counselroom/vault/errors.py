"""Errors the vault raises. Each carries a message a counselor understands (never record content,
never key material) and the exit status the command line returns for it."""

from __future__ import annotations

import math

from ..i18n import N_, tr

EXIT_OK = 0
EXIT_OPERATIONAL = 1
EXIT_USAGE = 2
EXIT_WRONG_SECRET = 3
EXIT_INTEGRITY = 4


class VaultError(Exception):
    exit_code = EXIT_OPERATIONAL
    msgid = N_("The vault could not be used.")

    def __init__(self, msgid: str | None = None, **values: object) -> None:
        self.msgid_used = msgid or self.msgid
        self.values = values
        super().__init__(self.msgid_used.format(**values) if values else self.msgid_used)

    def message(self) -> str:
        """The message in the current language."""
        return tr(self.msgid_used, **self.values)


class VaultNotFound(VaultError):
    msgid = N_("No vault was found at {path}. Check the folder, or create a vault with 'counselroom init'.")


class VaultExists(VaultError):
    msgid = N_("A vault or other files already exist at {path}. Choose an empty or new folder.")


class VaultBusy(VaultError):
    msgid = N_("This vault is already open in another counselroom window or command. Close it there first.")


class VaultTooNew(VaultError):
    msgid = N_("This vault was written by a newer version of counselroom. Install the newer version to open it.")


class WrongSecret(VaultError):
    exit_code = EXIT_WRONG_SECRET
    msgid = N_("The passphrase is not correct.")

    def __init__(self, msgid: str | None = None, *, failed_attempts: int = 0, retry_after: float = 0.0,
                 **values: object) -> None:
        super().__init__(msgid, **values)
        self.failed_attempts = failed_attempts
        self.retry_after = retry_after


def whole_seconds(seconds: float) -> int:
    """A wait as the counselor reads it: whole seconds, rounded up (a wait of 1.2 s is not "1 second"), at least 1."""
    return max(1, math.ceil(seconds))


WAIT_ONE = N_("Wait 1 second before the next try.")
WAIT_MANY = N_("Wait {seconds} seconds before the next try.")


def wait_text(seconds: float) -> str:
    """ "Wait 1 second" / "Wait 4 seconds" before the next try, in the current language."""
    whole = whole_seconds(seconds)
    return tr(WAIT_ONE) if whole == 1 else tr(WAIT_MANY, seconds=whole)


class Throttled(VaultError):
    exit_code = EXIT_WRONG_SECRET
    msgid = N_("Too many wrong attempts. Wait {seconds} seconds before trying again.")
    msgid_one = N_("Too many wrong attempts. Wait 1 second before trying again.")

    def __init__(self, seconds: float) -> None:
        whole = whole_seconds(seconds)
        super().__init__(self.msgid_one if whole == 1 else self.msgid, seconds=whole)
        self.retry_after = seconds


class IntegrityFailure(VaultError):
    exit_code = EXIT_INTEGRITY
    msgid = N_("The vault is damaged or has been altered. Restore it from a backup; do not try to repair it.")


class WeakPassphrase(VaultError):
    exit_code = EXIT_USAGE
    msgid = N_("This passphrase is too weak: {reasons}")


class StorageFailure(VaultError):
    msgid = N_("The change could not be saved: the disk is full or failing. Nothing of this change was saved; "
               "the records saved before are safe. Free some space or check the disk, then try again.")


class RecordReadOnly(VaultError):
    msgid = N_("This record is signed and locked, so it cannot be changed. Add an addendum instead.")


class ChangeRefused(VaultError):
    msgid = N_("The change was refused because it would break the rules the records keep. Nothing was saved.")


class DatabaseProblem(VaultError):
    msgid = N_("counselroom could not finish this step because of an unexpected problem with the vault's database. "
               "Nothing was changed. If it happens again, run the vault check.")
