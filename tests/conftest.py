import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

# Real annotated text for measuring only (never for training); tests using it skip when absent.
FEWNERD_DEV = ROOT.parent / "shared" / "data" / "fewnerd-mountain-dev.iob"


@pytest.fixture
def fewnerd_dev() -> Path:
    if not FEWNERD_DEV.exists():
        pytest.skip(f"{FEWNERD_DEV} not present")
    return FEWNERD_DEV
