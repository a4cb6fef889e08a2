"""The office's oversight of what partner accounts do, read from the audit log: alerts on
unusual reads and refused attempts (alerts) and the access report (access_report)."""
