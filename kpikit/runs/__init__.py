"""Runs: notebooks run headless, one per campaign, in batches, with their reports."""
