"""Where the shared public data set lies: ../shared beside the checkout (as in CI), or
SALESWEB_DATASETS."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def crm_dataset() -> Path:
    candidates = [
        Path(os.environ["SALESWEB_DATASETS"]) if os.environ.get("SALESWEB_DATASETS") else None,
        ROOT.parent / "shared" / "datasets" / "crm-sales-opportunities",
        Path("/work/shared/datasets/crm-sales-opportunities"),
    ]
    for path in candidates:
        if path is not None and (path / "accounts.csv").is_file():
            return path
    raise FileNotFoundError(
        "the shared CRM data set is not beside the checkout (../shared/datasets)"
    )
