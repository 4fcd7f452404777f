"""Demo data for the retention part: leaving dates for a few closed cases."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .services import Services


def populate_retention(services: Services, rng: random.Random, today: date) -> None:
    """Demo: the demo's cases closed more than three years ago are past retention under the default rule;
    a few closed clients also get a leaving date (graduation on 30 June after the case closed), so the
    leaving-date list has something in it. A handful of writes."""
    closed = [c for c in services.clients.list(status="closed", include_archived=True) if c.id is not None]
    rng.shuffle(closed)
    for client in closed[:4]:
        assert client.id is not None
        closure = services.closures.current(client.id)
        if closure is None:
            continue
        left = date(closure.closed_on.year, 6, 30)
        if left < closure.closed_on:
            left = date(closure.closed_on.year + 1, 6, 30)
        services.retention.set_departure(client.id, min(left, today), "graduated", today=today)
