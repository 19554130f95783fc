"""Helpers shared by the tests: fake GitHub, simulated Actions runner, checkout copies,
upstream vector tables, hypothesis strategies. Imported as ``tests.support.NAME``."""
