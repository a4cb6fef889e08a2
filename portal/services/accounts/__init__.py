"""Accounts and organisations: invitations and activation (invitations), passwords, second
factors and recovery codes (credentials), sign-in with throttling (authentication), the account
record, its role and security notices (users), and organisations (organizations)."""
