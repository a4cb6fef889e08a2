"""Sharing with partner organisations: share grants (grants), what partners send back for
review (submissions) and what is new in a partner's subset since their last sign-in
(whats_new). Which cases a grant shows, and at which tier, is decided in portal/access."""
