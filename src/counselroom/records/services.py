"""Everything the window and the command line use, built from one unlocked vault session."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..vault.audit import AuditEntry, Verification
from ..vault.vault import VaultSession
from .appointments import AppointmentService
from .casework import ClosureService, DependencyService
from .clients import ClientService
from .consent import ConsentService
from .dashboard import DashboardService
from .exports import ExportService
from .notes import NoteService
from .profile import ProfileService
from .psychtests import PsychTestService
from .referrals import ReferralService
from .retention import RetentionService
from .risk import RiskService
from .search_service import SearchService
from .settings import SettingsService
from .store import Store
from .training import TrainingService


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(self, kinds: list[str] | None = None, since: str | None = None, until: str | None = None,
                limit: int | None = None) -> list[AuditEntry]:
        return self.store.audit.entries(kinds, since, until, limit)

    def kinds(self) -> list[str]:
        return self.store.audit.kinds()

    def verify(self) -> Verification:
        return self.store.audit.verify()


@dataclass
class Services:
    store: Store
    profile: ProfileService
    clients: ClientService
    settings: SettingsService
    audit: AuditService
    appointments: AppointmentService
    notes: NoteService
    dependency: DependencyService
    closures: ClosureService
    search: SearchService
    exports: ExportService = field(init=False)  # set in open(), after the positional fields
    consent: ConsentService = field(init=False)  # set in open(); its gate keeps notes behind consent
    psychtests: PsychTestService = field(init=False)
    risk: RiskService = field(init=False)
    referrals: ReferralService = field(init=False)
    training: TrainingService = field(init=False)
    retention: RetentionService = field(init=False)
    dashboard: DashboardService = field(init=False)

    @classmethod
    def open(cls, session: VaultSession) -> Services:
        store = Store(session)
        settings = SettingsService(store)
        clients = ClientService(store)
        appointments = AppointmentService(store)
        notes = NoteService(store, appointments, settings)
        services = cls(store, ProfileService(store), clients, settings, AuditService(store), appointments, notes,
                       DependencyService(store, settings), ClosureService(store), SearchService(store, clients, notes))
        services.exports = ExportService(store, clients, notes, services.profile)
        services.consent = ConsentService(store, clients, services.profile)
        notes.before_new_note = services.consent.require_consent
        notes.consent_since = services.consent.first_consent_day
        services.psychtests = PsychTestService(store, clients, settings)
        services.exports.section_providers.append(services.psychtests.export_sections)
        services.exports.test_selector = services.psychtests.export_selection
        services.risk = RiskService(store, clients, settings)
        services.referrals = ReferralService(store, clients, settings)
        services.training = TrainingService(store, clients, settings)
        services.retention = RetentionService(store, clients, settings)
        services.dashboard = DashboardService(store, services)
        services.search.ensure_index()
        return services

    @property
    def session(self) -> VaultSession:
        return self.store.session

    @property
    def failed_attempts(self) -> int:
        return self.session.failed_attempts
