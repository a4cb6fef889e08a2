"""Domain verbs. Services flush and never commit; they know nothing of requests."""
