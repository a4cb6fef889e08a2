"""The partner API v1 (issue 16): tokens and the incremental-sync feeds."""
