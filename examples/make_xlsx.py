"""Regenerate examples/dossiers.xlsx from examples/dossiers.csv (dates become real spreadsheet dates).

    python examples/make_xlsx.py
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def main() -> None:
    with open(HERE / "dossiers.csv", newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "dossiers"
    ws.append(header)
    for row in rows:
        cells = []
        for name, value in zip(header, row):
            if name.startswith("date_") and value:
                day = dt.date.fromisoformat(value) if "-" in value else dt.datetime.strptime(value, "%d/%m/%Y").date()
                cells.append(dt.datetime(day.year, day.month, day.day))
            else:
                cells.append(value or None)
        ws.append(cells)
    for i, name in enumerate(header, start=1):
        if name.startswith("date_"):
            for cell in next(ws.iter_cols(min_col=i, max_col=i, min_row=2)):
                cell.number_format = "DD/MM/YYYY"
    wb.save(HERE / "dossiers.xlsx")


if __name__ == "__main__":
    main()
