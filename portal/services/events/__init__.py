"""Events: their lifecycle from proposal to cancellation (lifecycle), answers to invitations
and attendance (rsvp), agenda and materials (content), iCalendar feeds (calendar) and the
notifications they send (notify). Every refusal is an errors.EventError."""
