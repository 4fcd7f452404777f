"""Database errors reach the counselor as plain messages, on reads as on writes, and only real damage
says "damaged"."""

import pytest
import sqlcipher3

from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.connection import translate_db_error
from counselroom.vault.errors import (
    ChangeRefused,
    DatabaseProblem,
    IntegrityFailure,
    RecordReadOnly,
    StorageFailure,
    VaultBusy,
)


@pytest.mark.parametrize(("error", "expected"), [
    (sqlcipher3.DatabaseError("file is not a database"), IntegrityFailure),
    (sqlcipher3.DatabaseError("database disk image is malformed"), IntegrityFailure),
    (sqlcipher3.OperationalError("database or disk is full"), StorageFailure),
    (sqlcipher3.OperationalError("disk I/O error"), StorageFailure),
    (sqlcipher3.OperationalError("database is locked"), VaultBusy),
    (sqlcipher3.OperationalError("near \"x\": syntax error"), DatabaseProblem),
    (sqlcipher3.OperationalError("temporary storage cannot be changed from within a transaction"), DatabaseProblem),
    (sqlcipher3.IntegrityError("signed note is read-only"), RecordReadOnly),
    (sqlcipher3.IntegrityError("FOREIGN KEY constraint failed"), ChangeRefused),
])
def test_translation(error: Exception, expected: type) -> None:
    assert type(translate_db_error(error)) is expected


def test_reads_after_a_failure_give_a_message_not_a_raw_error(services: Services) -> None:
    services.clients.create(Client(code="R-1"))
    services.session.conn.close()
    with pytest.raises(DatabaseProblem) as e:
        services.clients.list()
    assert "Nothing was changed" in e.value.message()
    with pytest.raises(DatabaseProblem):
        services.audit.verify()
