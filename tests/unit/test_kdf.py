import pytest

from counselroom.vault import kdf, recovery
from counselroom.vault.errors import IntegrityFailure, WrongSecret


def test_argon2id_known_answer_vector() -> None:
    # The reference implementation's Argon2id v1.3 test vector (phc-winner-argon2, src/test.c):
    # password "password", salt "somesalt", t=2, m=64 MiB, p=1, 32-byte tag.
    from argon2.low_level import Type, hash_secret_raw

    tag = hash_secret_raw(b"password", b"somesalt", 2, 65536, 1, 32, Type.ID)
    assert tag.hex() == "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"


def test_derive_uses_argon2id_with_the_given_parameters() -> None:
    a = kdf.derive(b"secret", b"0123456789abcdef", kdf.FLOOR)
    b = kdf.derive(b"secret", b"0123456789abcdef", kdf.KdfParams(4, 65536, 4))
    assert len(a) == 32 and a != b
    assert a == kdf.derive(b"secret", b"0123456789abcdef", kdf.FLOOR)


@pytest.mark.parametrize("params", [kdf.KdfParams(2, 65536, 4), kdf.KdfParams(3, 32768, 4), kdf.KdfParams(3, 65536, 1)])
def test_parameters_below_the_floor_are_refused(params: kdf.KdfParams) -> None:
    with pytest.raises(IntegrityFailure):
        kdf.derive(b"secret", b"0123456789abcdef", params)
    with pytest.raises(IntegrityFailure):
        kdf.KdfParams.from_dict(params.as_dict())


def test_calibration_never_goes_below_the_floor() -> None:
    params = kdf.calibrate(target_seconds=0.01)
    assert params.time_cost >= 3 and params.memory_kib >= 65536 and params.parallelism >= 4


def test_recovery_key_format_and_forgiving_parse() -> None:
    key = recovery.generate()
    groups = key.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    raw = recovery.parse(key)
    assert len(raw) * 8 >= 128
    assert recovery.parse(key.lower().replace("-", " ")) == raw
    assert recovery.parse(key.replace("0", "O").replace("1", "l")) == raw
    with pytest.raises(WrongSecret):
        recovery.parse("ABCD-EFGH")
