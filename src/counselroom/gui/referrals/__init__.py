"""Referrals: a client's referrals and the referral letter."""
