"""Audit ledger (hash chain with signed checkpoints), verification, justified search and transparency reports."""
