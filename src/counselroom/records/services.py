"""Everything the window and the command line use, built from one unlocked vault session."""

from __future__ import annotations

from dataclasses import dataclass

from ..vault.vault import VaultSession
from .appointments import AppointmentService
from .audit_trail import AuditService
from .casework import ClosureService, DependencyService
from .clients import ClientService
from .consent import ConsentService
from .critical import CriticalAnswerService
from .dashboard import DashboardService, DashboardSources
from .exports import ExportService
from .group_sessions import GroupSessionService
from .liaison import LiaisonService
from .notes import NoteService
from .profile import ProfileService
from .psychtests import PsychTestService
from .referrals import ReferralService
from .relationships import RelationshipService
from .retention import RetentionService
from .risk import RiskService
from .screening import ScreeningService
from .search_service import SearchService
from .settings import SettingsService
from .statistics import StatisticsService
from .store import Store
from .training import TrainingService


@dataclass(frozen=True)
class Services:
    """Every records service of one unlocked session; made by `build_services` (or `Services.open`)."""

    store: Store
    profile: ProfileService
    clients: ClientService
    settings: SettingsService
    audit: AuditService
    appointments: AppointmentService
    consent: ConsentService
    notes: NoteService
    dependency: DependencyService
    closures: ClosureService
    search: SearchService
    psychtests: PsychTestService
    exports: ExportService
    risk: RiskService
    referrals: ReferralService
    training: TrainingService
    retention: RetentionService
    critical: CriticalAnswerService  # issue 12: critical test answers, group sessions, relationship checks
    groups: GroupSessionService
    relationships: RelationshipService
    dashboard: DashboardService
    screening: ScreeningService  # issue 15: cohort screenings, liaison records, the room's statistics
    liaison: LiaisonService
    statistics: StatisticsService

    @classmethod
    def open(cls, session: VaultSession) -> Services:
        return build_services(session)

    @property
    def session(self) -> VaultSession:
        return self.store.session

    @property
    def failed_attempts(self) -> int:
        return self.session.failed_attempts


def build_services(session: VaultSession) -> Services:
    """Build the services in dependency order: each gets at construction what it needs, nothing is set later."""
    store = Store(session)
    settings = SettingsService(store)
    profile = ProfileService(store)
    clients = ClientService(store)
    appointments = AppointmentService(store)
    consent = ConsentService(store, clients, profile)
    # The consent records keep notes behind consent and before-consent dates out.
    notes = NoteService(store, appointments, settings, before_new_note=consent.require_consent,
                        consent_since=consent.first_consent_day)
    # Tests are given only after a signed consent too.
    psychtests = PsychTestService(store, clients, settings, before_test=consent.require_consent_for_test)
    groups = GroupSessionService(store, consent, appointments, settings)
    # Test results and group notes leave in a record copy only as sections the counselor chose.
    exports = ExportService(store, clients, notes, profile,
                            section_providers=[psychtests.export_sections, groups.export_sections],
                            test_selector=psychtests.export_selection, group_note_selector=groups.export_selection)
    dependency = DependencyService(store, settings)
    risk = RiskService(store, clients, settings)
    referrals = ReferralService(store, clients, settings)
    training = TrainingService(store, clients, settings)
    retention = RetentionService(store, clients, settings)
    critical = CriticalAnswerService(store, psychtests, risk)
    relationships = RelationshipService(store, clients)
    dashboard = DashboardService(store, DashboardSources(
        appointments=appointments, notes=notes, consent=consent, psychtests=psychtests, risk=risk,
        referrals=referrals, dependency=dependency, training=training, retention=retention, critical=critical,
        relationships=relationships, groups=groups))
    screening = ScreeningService(store, clients, appointments, psychtests, settings)
    liaison = LiaisonService(store, clients, settings)
    statistics = StatisticsService(store, liaison, screening)
    search = SearchService(store, clients, notes)
    search.ensure_index()
    return Services(store=store, profile=profile, clients=clients, settings=settings, audit=AuditService(store),
                    appointments=appointments, consent=consent, notes=notes, dependency=dependency,
                    closures=ClosureService(store, liaison), search=search, psychtests=psychtests, exports=exports,
                    risk=risk,
                    referrals=referrals, training=training, retention=retention, critical=critical, groups=groups,
                    relationships=relationships, dashboard=dashboard, screening=screening, liaison=liaison,
                    statistics=statistics)
