"""How fast does an accounts import run? 100,000 generated rows into a fresh SQLite database.

    .venv/bin/python bench/import_100k.py [--rows 100000] [--again]

The file is written to a temporary folder; the import goes through the same code path as the
background job (store_upload -> set_mapping -> queue_job -> run_job), audit rows included.
--again imports the same file a second time (every row matches, nothing is duplicated).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from salesweb import create_app  # noqa: E402
from salesweb.config import TestConfig  # noqa: E402
from salesweb.core import importing  # noqa: E402
from salesweb.customers import importers  # noqa: E402,F401
from salesweb.extensions import db  # noqa: E402

INDUSTRIES = ["制造业", "零售", "software", "medical", "finance", "technolgy", "物流", "能源"]
REGIONS = ["华东", "华北", "华南", "West", "East"]
CITIES = ["上海", "北京", "深圳", "杭州", "成都", "Wuhan", "Nanjing"]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(2026)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["客户编号", "客户名称", "行业", "区域", "员工数", "年收入", "电话", "邮箱", "标签"]
        )
        for n in range(rows):
            city = CITIES[n % len(CITIES)]
            writer.writerow(
                [
                    f"BENCH-{n:06d}",
                    f"{city}第{n}号贸易有限公司",
                    INDUSTRIES[n % len(INDUSTRIES)],
                    REGIONS[n % len(REGIONS)],
                    rng.randint(5, 50000),
                    f"{rng.randint(100_000, 900_000_000)}.{rng.randint(0, 99):02d}",
                    f"021-{60000000 + n}",
                    f"info@company{n}.example.cn",
                    "重点,2026",
                ]
            )


def run_import(app, path: Path) -> tuple[float, importing.ImportJob]:
    start = time.perf_counter()
    with path.open("rb") as handle:
        app.config["SALESWEB_UPLOAD_LIMIT"] = 1 << 40
        job = importing.store_upload(handle, path.name, "accounts", None)
    importing.set_mapping(job, {k: str(v) for k, v in job.mapping["columns"].items()}, {})
    importing.queue_job(job)
    db.session.commit()
    job = importing.run_job(job.id)
    return time.perf_counter() - start, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--again", action="store_true", help="import the same file a second time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "accounts.csv"
        write_file(path, args.rows)
        config = TestConfig()
        config.TESTING = False
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
        app = create_app(config)
        app.instance_path = str(folder)
        with app.app_context():
            upgrade()
            print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
            runs = [("first import", path)] + ([("same file again", path)] if args.again else [])
            for label, source in runs:
                seconds, job = run_import(app, source)
                accounts = db.session.scalar(select(func.count()).select_from(importers.Account))
                print(
                    f"{label}: {job.status}, taken {job.taken:,} rejected {job.rejected:,} "
                    f"read {job.rows_read:,}; new {job.created_records:,} updated "
                    f"{job.updated_records:,}; accounts in database {accounts:,}"
                )
                print(f"{label}: {seconds:.1f} s total, {job.rows_read / seconds:,.0f} rows/second")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
