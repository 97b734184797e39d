"""Compliance fixtures: contract files in a temporary folder, never under instance/."""

import pytest


@pytest.fixture(autouse=True)
def contract_dir(app, tmp_path):
    previous = app.config.get("SALESWEB_CONTRACT_DIR")
    app.config["SALESWEB_CONTRACT_DIR"] = str(tmp_path / "contracts")
    yield tmp_path / "contracts"
    app.config["SALESWEB_CONTRACT_DIR"] = previous
