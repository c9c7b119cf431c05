"""Access rules by domain; mentoring.auth.policy loads every module here."""
