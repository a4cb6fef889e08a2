"""The office's work with families (issue 17). referrals.py: referrals of needs to partners."""
