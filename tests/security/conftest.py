"""The security suite reuses the end-to-end fixtures (Debian's Chromium driven by Playwright)."""

from tests.e2e.conftest import browser  # noqa: F401  (a fixture, re-exported for tests/security)
