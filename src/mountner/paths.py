"""Where the project's committed inputs live: assets/ at the root of the repository that holds this package
(installed with `pip install -e .`), or the folder that MOUNTNER_ASSETS names."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ASSETS_DIR = Path(os.environ.get("MOUNTNER_ASSETS", PROJECT_ROOT / "assets"))
GAZETTEER_DIR = ASSETS_DIR / "gazetteer"
LEXICON_DIR = ASSETS_DIR / "lexicon"
TEMPLATE_DIR = ASSETS_DIR / "templates"
