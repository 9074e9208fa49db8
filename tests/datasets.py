"""Public data sets the tests read, vendored under tests/fixtures/ with their source and licence."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# UCI Online Retail (541,909 invoice lines, CC BY 4.0): tests/fixtures/online_retail/README.md
ONLINE_RETAIL = FIXTURES / "online_retail" / "online_retail.parquet"
