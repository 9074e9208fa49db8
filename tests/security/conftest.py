"""No shared fixtures: the Chromium checks in test_hostile_inputs.py start their own Playwright on
a thread of their own. (Re-exporting tests/e2e's session `browser` fixture here would create a
second sync Playwright in the same thread as tests/e2e's, which Playwright refuses.)"""
