"""The administrator's command line: the same program without a window.

Passphrases come from the terminal without echo, or with --passphrase-stdin one per line from standard
input; never from arguments or the environment. Exit status: 0 done; 1 an operational error; 2 wrong
usage; 3 wrong passphrase or recovery key; 4 a damaged vault or a broken audit trail.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from . import i18n
from .config import AppConfig
from .i18n import N_, tr
from .records import demo
from .records.services import Services
from .vault import backup as backups
from .vault import kdf, location, rotation
from .vault import restore as restores
from .vault.errors import EXIT_INTEGRITY, EXIT_OPERATIONAL, EXIT_USAGE, VaultError
from .vault.integrity import run_checks
from .vault.passphrase_policy import check as check_passphrase
from .vault.vault import Vault, VaultSession, default_vault_path

COMMANDS = ("init", "check", "passwd", "recover", "rotate-key", "demo", "backup", "verify-backup", "restore",
            "consent-form", "read-answers")
log = logging.getLogger("counselroom")
ROLLBACK_CHECK = N_("Not older than the vault this computer opened before")


class UsageError(Exception):
    """Wrong use of the command: exit status 2."""


NOT_UTF8 = N_("The passphrase or key given is not UTF-8 text (the terminal or the file uses another encoding). "
               "Nothing was changed. Set the terminal or the file to UTF-8 and try again.")


def _utf8(text: str) -> str:
    """The text as typed, or UsageError when its bytes were not UTF-8: Python hands undecodable bytes on as
    lone surrogates, which no key derivation may see (and which used to end in 'unexpected error')."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(tr(NOT_UTF8)) from None
    return text


ROTATE_OFFER = N_("Also re-encrypt the vault under a new key, so that old backups and the old passphrase no longer "
                  "open today's vault? A new recovery key is made and shown. [y/N] ")
NOT_ROTATED = N_("Backups made before, and any copy of the vault folder, still open with the old passphrase: the "
                 "vault's key is unchanged. 'counselroom rotate-key' re-encrypts it under a new key.")


class Secrets:
    """Reads secrets without echo from the terminal, or one per line from standard input."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self.last_passphrase: str | None = None  # the passphrase asked last (rotation wraps the new key under it)

    def ask(self, prompt: str) -> str:
        if self.from_stdin:
            try:
                line = sys.stdin.readline()
            except UnicodeDecodeError:
                raise UsageError(tr(NOT_UTF8)) from None
            if not line:
                raise UsageError(tr("Standard input ended before every passphrase was given (one per line)."))
            return _utf8(line.rstrip("\r\n"))
        if not sys.stdin.isatty():
            raise UsageError(tr("No terminal to ask for the passphrase: use --passphrase-stdin."))
        try:
            return _utf8(getpass.getpass(prompt))
        except UnicodeDecodeError:
            raise UsageError(tr(NOT_UTF8)) from None

    def passphrase(self, prompt: str) -> str:
        self.last_passphrase = self.ask(prompt)
        return self.last_passphrase

    def new_passphrase(self) -> str:
        first = self.ask(tr("New passphrase: "))
        result = check_passphrase(first)
        if not result.ok:
            raise UsageError(tr("This passphrase is too weak: {reasons}", reasons=" ".join(result.reasons)))
        if self.ask(tr("Repeat the new passphrase: ")) != first:
            raise UsageError(tr("The two passphrases differ. Nothing was changed."))
        return first


def say(text: str) -> None:
    print(text, flush=True)


def _show_recovery_key(key: str) -> None:
    say(tr("Recovery key (shown only once: write it down or print it, and keep it in the locked cabinet):"))
    say("")
    say(f"    {key}")
    say("")


def _default_path() -> Path:
    """The vault folder the window uses: the one chosen in the first-run wizard, else the per-user one."""
    return AppConfig.load().vault_path() or default_vault_path()


def _vault(args: argparse.Namespace) -> Vault:
    return Vault(Path(args.vault) if args.vault else _default_path())


def _kdf_params(args: argparse.Namespace) -> kdf.KdfParams:
    return kdf.calibrate(args.kdf_seconds) if args.kdf_seconds > 0 else kdf.FLOOR


def _check_folder(path: Path) -> None:
    """Refuse network shares and synced folders before anything is asked (exit 2); warn about folders that
    are reset at restart and go on."""
    verdict = location.check(path.absolute())
    if verdict.refused:
        raise location.UnsuitableFolder(verdict)
    if verdict.warned:
        print(tr("counselroom: warning: {reason}", reason=verdict.message()), file=sys.stderr, flush=True)


def cmd_init(args: argparse.Namespace, secrets: Secrets) -> int:
    path = Path(args.vault) if args.vault else _default_path()
    _check_folder(path)
    passphrase = secrets.new_passphrase()
    vault, key = Vault.create(path, passphrase, kdf_params=_kdf_params(args))
    say(tr("Vault created at {path}.", path=vault.path))
    _show_recovery_key(key)
    return 0


def cmd_check(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    if not vault.exists():
        vault.kdf_params()  # raises VaultNotFound with the message
    # The unlock's audit entries are held back until the checks pass: a damaged vault gets no writes.
    with vault.unlock(secrets.ask(tr("Passphrase: ")), for_check=True) as session:
        _key_file_notices(session)
        results = run_checks(session)
        sound = all(r.ok for r in results) and session.rollback is None
        if sound:
            session.commit_pending_audit()
    for r in results:
        mark = tr("OK") if r.ok else tr("FAILED")
        detail = tr(r.detail, **(r.values or {})) if r.detail else ""
        say(f"{mark:8} {tr(r.name)}" + (f": {detail}" if detail else ""))
    if session.rollback is not None:
        say(f"{tr('FAILED'):8} {tr(ROLLBACK_CHECK)}: {session.rollback.message()}")
    if sound:
        say(tr("The vault is sound."))
        return 0
    if all(r.ok for r in results):
        say(tr("The vault is whole but older than the one this computer last opened. Nothing was changed."))
        return EXIT_INTEGRITY
    say(tr("The vault is damaged or has been altered. Restore it from a backup; do not try to repair it."))
    return EXIT_INTEGRITY


def cmd_passwd(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    with vault.unlock(secrets.ask(tr("Current passphrase: "))) as session:
        _key_file_notices(session)
        new = secrets.new_passphrase()
        session.set_passphrase(new)
        rotate = args.rotate or (not secrets.from_stdin and _yes(tr(ROTATE_OFFER)))
        if not rotate:
            say(tr("Passphrase changed. The recovery key is still valid."))
            say(tr(NOT_ROTATED))
            return 0
        say(tr("Passphrase changed."))
        _rotate(session, new)
    return 0


def cmd_recover(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    with vault.unlock_with_recovery(secrets.ask(tr("Recovery key: "))) as session:
        _key_file_notices(session)
        new = secrets.new_passphrase()
        session.set_passphrase(new)
        say(tr("New passphrase set."))
        fresh = args.new_recovery_key or (not secrets.from_stdin and _yes(tr(
            "Make a new recovery key now? The vault is re-encrypted under a new key, so the recovery key you used "
            "no longer opens it (backups made before still do). [y/N] ")))
        if fresh:
            _rotate(session, new)
        else:
            say(tr("The recovery key you used stays valid."))
    return 0


def cmd_rotate_key(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    with vault.unlock(secrets.passphrase(tr("Passphrase: "))) as session:
        _key_file_notices(session)
        passphrase = secrets.new_passphrase() if args.new_passphrase else None
        if passphrase is not None:
            session.set_passphrase(passphrase)
        _rotate(session, passphrase if passphrase is not None else _current_passphrase(session, secrets))
    return 0


def _current_passphrase(session: VaultSession, secrets: Secrets) -> str:
    """Rotation wraps the new key under the passphrase, so it needs the passphrase itself: asked again when the
    unlock above was not by it (never stored)."""
    del session
    return secrets.last_passphrase or secrets.ask(tr("Passphrase: "))


def _yes(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(question).strip().lower() in {"y", "yes", "是", "好"}


def _rotate(session: VaultSession, passphrase: str) -> None:
    """Re-encrypt under a new data key (vault/rotation.py), with progress on standard error; then the new recovery
    key, and honestly what rotation cannot reach."""
    last = [-1]

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "copying":
            percent = int(100 * done / max(1, total))
            if percent // 10 != last[0] // 10:
                last[0] = percent
                print(tr("Re-encrypting the vault: {percent}%", percent=percent), file=sys.stderr, flush=True)

    result = rotation.rotate_data_key(session, passphrase, progress=progress)
    say(tr("The vault is re-encrypted under a new key. The previous recovery key no longer opens it."))
    _show_recovery_key(result.recovery_key)
    if result.old_backups:
        say(tr("These backups were made before and still open with the passphrase and the recovery key they were "
               "made with. Make a new backup now, then destroy these old ones (or lock them away):"))
        for b in result.old_backups:
            seen = "" if b.exists() else " " + tr("(not found now: on a medium that is not plugged in?)")
            say(f"    {b.path}{seen}")
    else:
        say(tr("No backup of this vault is registered. Make one now."))


def cmd_demo(args: argparse.Namespace, secrets: Secrets) -> int:
    path = Path(args.vault)
    _check_folder(path)
    passphrase = secrets.new_passphrase()
    vault, key = Vault.create(path, passphrase, kdf_params=_kdf_params(args))
    total = demo.SIZES[args.size]

    def progress(done: int, _total: int) -> None:
        print(tr("{done} of {total} clients", done=done, total=total), file=sys.stderr, flush=True)

    with vault.unlock(passphrase) as session:
        demo.populate(Services.open(session), args.size, args.seed, progress=progress)
    say(tr("Demo vault ({size}) created at {path}. Every record in it is made up.", size=args.size, path=path))
    _show_recovery_key(key)
    return 0


def _show_backup(info: backups.BackupInfo) -> None:
    say(tr("Backup file: {path}", path=info.path))
    say(tr("Made: {when}", when=info.made_at.astimezone().strftime("%Y-%m-%d %H:%M")))
    say(tr("Schema version: {version}; made by counselroom {app}", version=info.schema_version,
           app=info.app_version))
    say(tr("Audit trail: {count} entries", count=info.audit_seq))
    for table in ("clients", "appointments", "notes", "addenda", "export_register"):
        if table in info.counts:
            say(f"  {table}: {info.counts[table]}")
    say(tr("Content fingerprint: {fingerprint}", fingerprint=info.fingerprint[:32]))


def _ask_secret(args: argparse.Namespace, secrets: Secrets) -> str:
    return secrets.ask(tr("Recovery key: ") if args.recovery_key else tr("Passphrase: "))


def cmd_backup(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    with vault.unlock(secrets.ask(tr("Passphrase: "))) as session:
        _key_file_notices(session)
        result = backups.make_backup(session, Path(args.to), same_disk_ok=args.same_disk)
    for old in result.removed:
        print(tr("Removed an older backup (generations kept: see the setting): {name}", name=old.name),
              file=sys.stderr)
    say(str(result.path))
    return 0


def cmd_verify_backup(args: argparse.Namespace, secrets: Secrets) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise VaultError(N_("There is no backup file at {path}."), path=str(path))
    info = backups.verify_backup(path, _ask_secret(args, secrets), recovery=args.recovery_key)
    _show_backup(info)
    say(tr("The backup is sound: it opens and reads back identical to the vault it was made from."))
    return 0


def _confirmed(args: argparse.Namespace, secrets: Secrets, question: str) -> bool:
    if args.yes:
        return True
    if secrets.from_stdin:
        line = sys.stdin.readline()
        answer = line.strip()
    elif sys.stdin.isatty():
        answer = input(question + " ").strip()
    else:
        raise UsageError(tr("No terminal to ask for confirmation: add --yes."))
    return answer.lower() in {"y", "yes", "是", "好"}


def cmd_restore(args: argparse.Namespace, secrets: Secrets) -> int:
    vault = _vault(args)
    if args.confirm and args.undo:
        raise UsageError(tr("Choose one of --confirm and --undo."))
    if args.confirm:
        with (vault.unlock_with_recovery(_ask_secret(args, secrets)) if args.recovery_key
              else vault.unlock(_ask_secret(args, secrets))) as session:
            _key_file_notices(session)
            removed = restores.confirm_restore(session)
        say(tr("The restored vault opens. The previous vault kept at {path} was deleted.", path=removed))
        return 0
    if args.undo:
        restores.undo_restore(vault.path, vault.state_dir)
        say(tr("The previous vault is back in place at {path}; the restored one was deleted.", path=vault.path))
        return 0
    if not args.file:
        raise UsageError(tr("Name the backup file to restore."))
    path = Path(args.file)
    if not path.is_file():
        raise VaultError(N_("There is no backup file at {path}."), path=str(path))
    secret = _ask_secret(args, secrets)
    info = backups.verify_backup(path, secret, recovery=args.recovery_key)
    _show_backup(info)
    if not _confirmed(args, secrets, tr("Replace the vault at {path} with this backup? The current vault is kept "
                                        "aside until you confirm. [y/N]", path=vault.path)):
        say(tr("Nothing was changed."))
        return EXIT_OPERATIONAL
    result = restores.restore_backup(path, secret, vault.path, recovery=args.recovery_key,
                                     state_dir=vault.state_dir)
    say(tr("Restored into {path}.", path=result.vault_path))
    if result.set_aside is not None:
        say(tr("The previous vault is kept at {path}. Check the restored vault, then run "
               "'counselroom restore --confirm --vault {vault}' to delete the kept copy, or "
               "'counselroom restore --undo --vault {vault}' to put it back.", path=result.set_aside,
               vault=vault.path))
    return 0


def cmd_consent_form(args: argparse.Namespace, secrets: Secrets) -> int:
    """A blank consent form for paper use. It holds no client data, so it may be a file; a client's form is
    only ever printed from the window, never saved."""
    from .records.consent import blank_form_pdf
    from .vault.safefile import atomic_write

    if not args.blank:
        raise UsageError(tr("Only a blank form can be saved as a file: add --blank. A client's form is printed "
                            "from the window and never saved."))
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(tr("{path} is a folder. Give the name of the PDF file to write.", path=out))
    atomic_write(out, blank_form_pdf("zh_CN" if args.lang == "zh" else "en"), mode=0o644)
    say(tr("Blank consent form written to {path}.", path=out))
    return 0


def cmd_read_answers(args: argparse.Namespace, secrets: Secrets) -> int:
    """Read a cohort's answers file as the import wizard does and say how many rows and columns it has: whether
    this computer reads the survey tool's export, before the counselor imports it. Nothing is stored, no vault is
    opened and no name or answer is printed."""
    from .records.screening_import import ImportRefused, read_table

    path = Path(args.file)
    try:
        table = read_table(path)
    except ImportRefused as e:
        print(f"counselroom: {e.text(i18n.language())}", file=sys.stderr)
        return EXIT_OPERATIONAL
    say(tr("{name}: {rows} rows, {columns} columns", name=path.name, rows=len(table.rows),
           columns=len(table.headers)))
    return 0


class _Parser(argparse.ArgumentParser):
    def _get_formatter(self) -> argparse.HelpFormatter:
        # the usage line stays one line (a usage error is two short lines) however narrow the terminal
        return self.formatter_class(prog=self.prog, width=160)  # type: ignore[call-arg]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"counselroom: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _key_file_notices(session: VaultSession) -> None:
    """What this unlock found: an older vault put back (rollback), a key file repaired from the other copy or
    not proven by the vault's key; on standard error: a failing disk should never be healed in silence."""
    for line in session.unlock_notices():
        print(f"counselroom: {line}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="counselroom", description=tr("counselroom: the counseling room's encrypted records."))
    # one word in the usage line, so that a usage error stays one short line however many commands there are
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    def add(name: str, help_msgid: str, vault_required: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=tr(help_msgid))
        p.add_argument("--vault", required=vault_required, help=tr(N_("the vault folder")))
        p.add_argument("--passphrase-stdin", action="store_true",
                       help=tr(N_("read passphrases and keys from standard input, one per line")))
        return p

    for name, help_msgid in (("init", N_("create a vault and print its recovery key once")),
                             ("demo", N_("create a vault filled with synthetic records"))):
        p = add(name, help_msgid, vault_required=(name == "demo"))
        p.add_argument("--kdf-seconds", type=float, default=0.75,
                       help=tr(N_("target time for the key derivation; 0 uses the minimum strength")))
    add("check", N_("check the vault's pages, structure, schema and audit trail"))
    p = add("passwd", N_("change the passphrase (the recovery key stays valid)"))
    p.add_argument("--rotate", action="store_true",
                   help=tr(N_("also re-encrypt the vault under a new key (a new recovery key is made)")))
    p = add("recover", N_("set a new passphrase with the recovery key"))
    p.add_argument("--new-recovery-key", action="store_true",
                   help=tr(N_("also re-encrypt the vault under a new key and make a new recovery key")))
    p = add("rotate-key", N_("re-encrypt the vault under a new key; old backups keep their old secrets"))
    p.add_argument("--new-passphrase", action="store_true", help=tr(N_("set a new passphrase at the same time")))
    p = add("backup", N_("make an encrypted backup in a folder and verify it by reading it back"))
    p.add_argument("--to", required=True, help=tr(N_("the folder on the removable medium")))
    p.add_argument("--same-disk", action="store_true",
                   help=tr(N_("allow a folder on the vault's own disk (a backup there is lost with the disk)")))
    p = sub.add_parser("verify-backup", help=tr(N_("check a backup file completely without restoring it")))
    p.add_argument("file", help=tr(N_("the backup file")))
    p.add_argument("--recovery-key", action="store_true", help=tr(N_("open it with the recovery key instead")))
    p.add_argument("--passphrase-stdin", action="store_true",
                   help=tr(N_("read passphrases and keys from standard input, one per line")))
    p = add("restore", N_("replace the vault with a backup, keeping the current vault aside until confirmed"))
    p.add_argument("file", nargs="?", help=tr(N_("the backup file")))
    p.add_argument("--recovery-key", action="store_true", help=tr(N_("open it with the recovery key instead")))
    p.add_argument("--yes", action="store_true", help=tr(N_("do not ask for confirmation")))
    p.add_argument("--confirm", action="store_true",
                   help=tr(N_("the restored vault opens: delete the vault kept aside")))
    p.add_argument("--undo", action="store_true", help=tr(N_("put the vault kept aside back in place")))
    p = sub.add_parser("consent-form", help=tr(N_("write a blank consent form (no client data) as a PDF file")))
    p.add_argument("--blank", action="store_true", help=tr(N_("a blank form to fill in and sign on paper")))
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help=tr(N_("the form's language")))
    p.add_argument("--out", required=True, help=tr(N_("the PDF file to write")))
    p.set_defaults(passphrase_stdin=False)
    p = sub.add_parser("read-answers", help=tr(N_("read a cohort's answers file (.xlsx or .csv) as the import does and "
                                                   "say its rows and columns; nothing is stored")))
    p.add_argument("file", help=tr(N_("the answers file")))
    p.set_defaults(passphrase_stdin=False)
    demo_parser = sub.choices["demo"]
    demo_parser.add_argument("--size", choices=list(demo.SIZES), default="small")
    demo_parser.add_argument("--seed", type=int, default=1)
    return parser


HANDLERS: dict[str, Callable[[argparse.Namespace, Secrets], int]] = {
    "init": cmd_init, "check": cmd_check, "passwd": cmd_passwd, "recover": cmd_recover, "rotate-key": cmd_rotate_key,
    "demo": cmd_demo,
    "backup": cmd_backup, "verify-backup": cmd_verify_backup, "restore": cmd_restore,
    "consent-form": cmd_consent_form, "read-answers": cmd_read_answers}


def _unknown_command(word: str) -> int:
    """A word that is no command: say so, suggest the nearest command (`chek` -> `check`), exit 2."""
    print(tr("counselroom: '{word}' is not a command.", word=word), file=sys.stderr)
    near = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
    if near:
        print(tr("Did you mean 'counselroom {command}'?", command=near[0]), file=sys.stderr)
    else:
        print(tr("The commands are: {commands}.", commands=", ".join(COMMANDS)), file=sys.stderr)
    return EXIT_USAGE


def run(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="counselroom: %(message)s")
    i18n.set_language(AppConfig.load().language or None)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return _unknown_command(argv[0])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        return HANDLERS[args.command](args, Secrets(args.passphrase_stdin))
    except VaultError as e:
        print(f"counselroom: {e.message()}", file=sys.stderr)
        return e.exit_code
    except UsageError as e:
        print(f"counselroom: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(tr("counselroom: interrupted."), file=sys.stderr)
        return EXIT_OPERATIONAL
    except OSError as e:
        print(tr("counselroom: the operating system refused: {error}. Check the folder, the disk space and "
                 "the permissions, then try again.", error=e.strerror or type(e).__name__), file=sys.stderr)
        return EXIT_OPERATIONAL
    except Exception as e:  # noqa: BLE001 - last resort: no traceback, no record content
        log.debug("unexpected failure", exc_info=True)
        print(tr("counselroom: unexpected error ({kind}). Nothing was shown, to keep records private; run "
                 "'counselroom check'.", kind=type(e).__name__), file=sys.stderr)
        return EXIT_OPERATIONAL
