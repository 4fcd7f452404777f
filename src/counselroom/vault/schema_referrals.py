"""Tables of referral records, part of schema 3.

A table holding a client's records must name the client in a `client_id` column (retention finds and
destroys a client's records by it). A trigger that keeps records from being changed or deleted must let
an authorized destruction through: add `AND NOT EXISTS (SELECT 1 FROM disposal_guard)` to its WHEN.

A referral holds the latest outcome (for the open/closed rule and the dashboard); every follow-up the
counselor records, including "still waiting" ones that keep the referral open, stays in
`referral_follow_ups`. `referral_letters` links a referral to the locked exports of its letter. The
children cascade with their referral, so destroying a client's records can remove them in any order.
Sharing information without the client's consent is refused here too, not only in the records layer.
"""

STATEMENTS: list[str] = [
    """CREATE TABLE referrals (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        referred_on TEXT NOT NULL,
        recipient TEXT NOT NULL DEFAULT '',
        institution TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL CHECK (reason IN ('beyond_competence', 'medical_assessment', 'client_request',
                                               'dual_relationship', 'client_leaving', 'other')),
        reason_text TEXT NOT NULL DEFAULT '',
        share_info INTEGER NOT NULL DEFAULT 0 CHECK (share_info IN (0, 1)),
        consent INTEGER NOT NULL DEFAULT 0 CHECK (consent IN (0, 1)),
        consent_scope TEXT NOT NULL DEFAULT '',
        consent_on TEXT,
        follow_up_on TEXT,
        outcome TEXT CHECK (outcome IN ('attended', 'not_attended', 'waiting', 'unknown')),
        outcome_text TEXT NOT NULL DEFAULT '',
        outcome_on TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (length(trim(recipient)) > 0 OR length(trim(institution)) > 0),
        CHECK (share_info = 0 OR (consent = 1 AND consent_on IS NOT NULL)),
        CHECK (follow_up_on IS NULL OR follow_up_on >= referred_on))""",
    """CREATE INDEX referrals_client ON referrals (client_id, referred_on)""",
    """CREATE INDEX referrals_open ON referrals (outcome, follow_up_on)""",
    """CREATE TABLE referral_follow_ups (
        id INTEGER PRIMARY KEY,
        referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        recorded_on TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('attended', 'not_attended', 'waiting', 'unknown')),
        text TEXT NOT NULL DEFAULT '',
        next_follow_up_on TEXT,
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX referral_follow_ups_referral ON referral_follow_ups (referral_id, recorded_on)""",
    """CREATE TABLE referral_letters (
        id INTEGER PRIMARY KEY,
        referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        export_id INTEGER NOT NULL UNIQUE REFERENCES export_register (id),
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX referral_letters_referral ON referral_letters (referral_id)""",
]
