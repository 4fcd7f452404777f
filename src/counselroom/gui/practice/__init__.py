"""The practice: dashboard, training and supervision, retention and destruction, audit trail, exports and their
register.
"""
