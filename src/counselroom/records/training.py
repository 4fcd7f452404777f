"""The counselor's training, seminar and supervision log, with yearly hours against a target."""

from __future__ import annotations

from ..i18n import N_
from .clients import ClientService
from .settings import SettingsService
from .store import Store

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {}
_ = N_


class TrainingService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings
