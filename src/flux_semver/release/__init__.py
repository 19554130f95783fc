"""Releases: classification, the plan, promotion, history, rollback, and the commit
trailers that history reads back."""
