"""Teaching sessions: scheduling, recurrence, RSVP, attendance, reminders, calendars."""
