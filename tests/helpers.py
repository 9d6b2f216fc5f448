"""Helpers shared by several test files (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import medlake

ROOT = Path(__file__).resolve().parents[1]
CODES_EXAMPLES = ROOT / "docs" / "examples" / "codes.sql"

T0 = dt.datetime(2030, 1, 1)
DAY = dt.timedelta(days=1)
EVENT_COLUMNS = ["subject_id", "visit_id", "time", "vocab", "code", "numeric_value", "text_value", "unit",
                 "end_time", "source", "seq", "alt_code"]


def make_lake(events: list[dict], path=":memory:"):
    """A lake with one dataset 'toy' whose events are the given rows (subject_id, time, code, value)."""
    lake = medlake.connect(path)
    lake.execute("CREATE SCHEMA toy")
    lake.db.run("schema/core.sql", schemas={None: "toy"})
    lake.db.record_dataset("toy", "test", 1, T0)
    add_events(lake, events)
    return lake


def add_events(lake, events: list[dict]) -> None:
    """Append rows to toy.events."""
    if not events:
        return
    schema = lake.sql("SELECT * FROM toy.events").schema
    cols = {c: [None] * len(events) for c in EVENT_COLUMNS}
    cols["subject_id"] = [e["subject_id"] for e in events]
    cols["time"] = [e["time"] for e in events]
    cols["code"] = [e["code"] for e in events]
    cols["numeric_value"] = [e["value"] for e in events]
    cols["vocab"] = ["TOY"] * len(events)
    cols["source"] = ["test"] * len(events)
    cols["seq"] = list(range(len(events)))
    with lake.db.registered("new_events", pa.table(cols, schema=schema)):
        lake.execute("INSERT INTO toy.events SELECT * FROM new_events")


# -- reading raw CSV exports in plain Python (the reference tests share no code with medlake) --

def rows(path: Path):
    """Rows of a .csv.gz as dicts with lower-case keys (and `_line`, counting data rows from 1)."""
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        for i, r in enumerate(reader, start=1):
            d = dict(zip(header, r))
            d["_line"] = i
            yield d


def plus_years(t: dt.datetime, years: int) -> dt.datetime:
    try:
        return t.replace(year=t.year + years)
    except ValueError:  # 29 February -> 28 February
        return t.replace(year=t.year + years, day=28)


def strip_code(c: str) -> str:
    return (c or "").strip().replace(".", "").replace(" ", "").upper()


def icd9cm(c: str) -> str:
    c = strip_code(c)
    cut = 4 if c.startswith("E") else 3
    return c[:cut] + "." + c[cut:] if len(c) > cut else c


def icd10cm(c: str) -> str:
    c = strip_code(c)
    return c[:3] + "." + c[3:] if len(c) > 3 else c


EICU_ICD9_E = re.compile(r"E[0-9]{3}(\.[0-9]?)?")
EICU_ICD9_V = re.compile(r"V[0-9]{2}(\.[0-9]{0,2})?")


def eicu_diagnosis_code(raw: str) -> str:
    """One code of an eICU icd9code cell, dotted: ICD-9-CM when it starts with a digit or is an E code
    with three digits or a V code with two, else ICD-10-CM (docs/etl-eicu-omop.md)."""
    if raw[:1].isdigit() or EICU_ICD9_E.fullmatch(raw) or EICU_ICD9_V.fullmatch(raw):
        return icd9cm(raw)
    return icd10cm(raw)


def distinct_in_order(items):
    """Codes of (sort key, code) pairs, sorted by key, each code once."""
    seen, out = set(), []
    for _, code in sorted(items):
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


def skip_unless_required(msg: str, required_by: str = "MEDLAKE_REQUIRE_TEST_DATA") -> None:
    """Skip the test for something missing, or fail it when the environment variable `required_by` is set
    (CI sets it, so what the tests need can never be skipped there)."""
    import pytest

    if os.environ.get(required_by):
        pytest.fail(msg)
    pytest.skip(msg)


# -- data and lakes ------------------------------------------------------------------------------------


def load_ndc_atc_maps(lake, codes_dir: Path) -> None:
    """Add to a lake the NDC/GSN -> ATC maps of codes_dir (ndc_gsn_atc.csv.gz), which drug recommendation
    needs. Only that part of the code tables is loaded: a full `lake.codes.load` takes half a minute."""
    load_maps(lake, codes_dir, "ndc_gsn_atc")


def load_maps(lake, codes_dir: Path, *prefixes: str) -> None:
    """Add to a lake the cross-maps read from the files of codes_dir whose names start with one of
    `prefixes` (e.g. "ccs_dx" for ICD -> CCS), into a new vocab schema."""
    from medlake.ontology.readers import READERS
    from medlake.ontology.sources import resolve
    from medlake.ontology.staging import Staging

    found, _ = resolve(codes_dir)
    staging = Staging()
    for res in found:
        if res.path.name.startswith(prefixes):
            READERS[res.input](res, staging)
    lake.db.run("vocab/schema.sql")
    with lake.db.registered("staged_maps", staging.arrow()[2]):
        lake.db.run("vocab/build.sql", "insert_maps")


def eicu_age_years(text: str) -> int | None:
    """eICU's age column in years ('> 89' is 90; blank is unknown)."""
    text = (text or "").strip()
    if text == "> 89":
        return 90
    return int(text) if text.isdigit() else None


class EicuRelease:
    """An eICU export read in plain Python and put on the loader's documented clock (docs/etl-eicu-omop.md):
    each hospital stay starts on 1 January of its discharge year at its admission clock time, pushed past
    the same patient's earlier stays of that year; a unit stay starts -hospitaladmitoffset minutes later.

    `units`: unit stay id -> its facts with `start`, `end` and `hospital_admit`; `died`, `year` and `alone`
    (the patient's only hospital stay in its discharge year) per hospital stay; `charted`: hospital stay ->
    (time, seq, kind, code, value) of diagnoses, treatments, medications and labs (when lab.csv.gz exists)."""

    def __init__(self, root: Path):
        self.units = {}
        for r in rows(root / "patient.csv.gz"):
            prefix, suffix = r["uniquepid"].split("-")
            self.units[int(r["patientunitstayid"])] = {
                "unit": int(r["patientunitstayid"]), "hs": int(r["patienthealthsystemstayid"]),
                "pid": r["uniquepid"], "subject": int(prefix) * 10_000_000 + int(suffix),
                "number": int(r["unitvisitnumber"]), "year": int(r["hospitaldischargeyear"]),
                "clock": r["hospitaladmittime24"].strip(), "hao": int(r["hospitaladmitoffset"]),
                "hdo": int(r["hospitaldischargeoffset"]), "udo": int(r["unitdischargeoffset"]),
                "age": eicu_age_years(r["age"]),
                "expired": "Expired" in (r["hospitaldischargestatus"], r["unitdischargestatus"]),
            }
        hospital = defaultdict(list)
        for u in self.units.values():
            hospital[u["hs"]].append(u)
        self.died = {hs: any(u["expired"] for u in us) for hs, us in hospital.items()}
        self.year = {hs: min(u["year"] for u in us) for hs, us in hospital.items()}
        by_year = defaultdict(list)  # (patient, discharge year) -> hospital stays
        for hs, us in hospital.items():
            by_year[(min(u["pid"] for u in us), self.year[hs])].append(hs)
        self.alone = {}
        admit = {}
        for (_, year), stays in by_year.items():
            pushed = 0
            for hs in sorted(stays):
                us = hospital[hs]
                clock = dt.time.fromisoformat(min((u["clock"] for u in us if u["clock"]), default="00:00:00"))
                admit[hs] = dt.datetime.combine(dt.date(year, 1, 1), clock) + dt.timedelta(days=pushed)
                pushed += math.ceil(max(0, max(u["hdo"] - u["hao"] for u in us)) / 1440) + 1
                self.alone[hs] = len(stays) == 1
        for u in self.units.values():
            u["hospital_admit"] = admit[u["hs"]]
            u["start"] = admit[u["hs"]] - dt.timedelta(minutes=u["hao"])
            u["end"] = u["start"] + dt.timedelta(minutes=u["udo"])
        self.charted = defaultdict(list)
        self._chart(root)

    def _chart(self, root: Path) -> None:
        def add(unit_id, offset, seq, kind, code, value=None):
            u = self.units[int(unit_id)]
            self.charted[u["hs"]].append((u["start"] + dt.timedelta(minutes=int(offset)), int(seq), kind, code, value))

        for r in rows(root / "diagnosis.csv.gz"):
            for part in r["icd9code"].split(","):
                raw = part.strip().upper()
                if strip_code(raw):
                    add(r["patientunitstayid"], r["diagnosisoffset"], r["diagnosisid"], "conditions",
                        eicu_diagnosis_code(raw))
        for r in rows(root / "treatment.csv.gz"):
            if r["treatmentstring"].strip():
                add(r["patientunitstayid"], r["treatmentoffset"], r["treatmentid"], "procedures",
                    r["treatmentstring"])
        for r in rows(root / "medication.csv.gz"):
            code = r["drughiclseqno"].strip() or r["drugname"].strip().upper()
            if r["drugordercancelled"] != "Yes" and code and r["drugstartoffset"].strip():
                add(r["patientunitstayid"], r["drugstartoffset"], r["medicationid"], "drugs", code)
        if (root / "lab.csv.gz").exists():
            for r in rows(root / "lab.csv.gz"):
                if r["labname"].strip() and r["labresult"].strip():
                    add(r["patientunitstayid"], r["labresultoffset"], r["labid"], "labs", r["labname"].strip(),
                        float(r["labresult"]))

def snapshot(path: Path) -> dict:
    """Every table's contents (meta included) and the list of schemas, read with plain duckdb."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        schemas = sorted(r[0] for r in con.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()").fetchall())
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE database_name = current_database() ORDER BY ALL").fetchall()
        contents = {f"{s}.{t}": con.sql(f'SELECT * FROM "{s}"."{t}"').to_arrow_table() for s, t in tables}
    finally:
        con.close()
    return {"schemas": schemas, "tables": contents}


def rewrite(path: Path, edit) -> None:
    """Replace a .csv.gz's lines (without their newlines) by edit(lines)."""
    with gzip.open(path, "rt", newline="") as f:
        lines = f.read().split("\n")
    trailing = lines[-1] == ""
    lines = edit(lines[:-1] if trailing else lines)
    with gzip.open(path, "wt", newline="") as f:
        f.write("\n".join(lines) + ("\n" if trailing else ""))


def replace_cell(path: Path, line: int, index: int, value: str) -> None:
    """Set field `index` of file line `line` (1 = the header) of a .csv.gz to `value`."""
    def edit(lines):
        fields = lines[line - 1].split(",")
        fields[index] = value
        return lines[:line - 1] + [",".join(fields)] + lines[line:]
    rewrite(path, edit)


def assert_unchanged(path: Path, before: dict) -> None:
    """The lake at `path` holds exactly what `snapshot` saw in `before`."""
    after = snapshot(path)
    assert after["schemas"] == before["schemas"]
    assert after["tables"].keys() == before["tables"].keys()
    for name, table in before["tables"].items():
        assert after["tables"][name].equals(table), f"{name} changed"


@contextlib.contextmanager
def held_by_another_process(path: Path, read_only: bool):
    """A second Python process holding the lake file open (read-only or read-write) for the block; yields its pid."""
    code = (f"import duckdb, sys; con = duckdb.connect({str(path)!r}, read_only={read_only}); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def toy_lake(path: Path) -> Path:
    """A lake file with one small dataset 'toy' (canonical tables, three subjects with events) and a
    samples table toy.samples (subject_id, index_time); returns its path."""
    import medlake

    with medlake.connect(path) as lake:
        lake.execute("CREATE SCHEMA toy")
        lake.db.run("schema/core.sql", schemas={None: "toy"})
        lake.db.record_dataset("toy", "test", 1, dt.datetime(2030, 1, 1))
        lake.execute("INSERT INTO toy.subjects VALUES (1, '1980-01-01', 'F', NULL, NULL), "
                     "(2, '1990-01-01', 'M', NULL, NULL), (3, '2000-01-01', 'F', NULL, NULL)")
        lake.execute("INSERT INTO toy.events (subject_id, time, vocab, code, numeric_value, source, seq) VALUES "
                     "(1, '2030-01-01', 'TOY', 'a', 1.0, 'test', 0), (1, '2030-01-02', 'TOY', 'b', 2.0, 'test', 1), "
                     "(2, '2030-01-01', 'TOY', 'a', 3.0, 'test', 2)")
        lake.execute("CREATE TABLE toy.samples AS SELECT * FROM (VALUES (1, TIMESTAMP '2030-01-03'), "
                     "(2, TIMESTAMP '2030-01-03'), (3, TIMESTAMP '2030-01-03')) s(subject_id, index_time)")
    return path


def _open(path: Path, mode: str):
    return gzip.open(path, mode) if path.name.lower().endswith(".gz") else open(path, mode)  # noqa: SIM115


def add_bom(path: Path) -> None:
    """Put a UTF-8 byte-order mark before the first byte of a .csv or .csv.gz file."""
    with _open(path, "rb") as f:
        data = f.read()
    with _open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + data)


def change_delimiter(path: Path, delimiter: str) -> None:
    """Rewrite a .csv or .csv.gz file with another delimiter between fields (quotes kept where needed)."""
    import csv
    import io

    with _open(path, "rb") as f:
        rows = list(csv.reader(io.StringIO(f.read().decode(), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    with _open(path, "wb") as f:
        f.write(out.getvalue().encode())


def same_rows(rows: list[dict]) -> list[dict]:
    """Rows as plain values sorted by sample_id (then the whole row), for comparing two engines:
    lists stay lists (in their order), structs become dicts."""
    return sorted(rows, key=lambda r: (str(r.get("sample_id", r.get("__row"))), repr(r)))


def spark_rows(df) -> list[dict]:
    """A Spark DataFrame's rows as dicts (structs as dicts, arrays as lists)."""
    return [r.asDict(recursive=True) for r in df.collect()]


# -- OMOP (GiBleed) ---------------------------------------------------------------------------------

# (id column, concept column, datetime column, date column) of each record table
RECORDS = {
    "condition_occurrence": ("condition_occurrence_id", "condition_concept_id", "condition_start_datetime",
                             "condition_start_date"),
    "procedure_occurrence": ("procedure_occurrence_id", "procedure_concept_id", "procedure_datetime",
                             "procedure_date"),
    "drug_exposure": ("drug_exposure_id", "drug_concept_id", "drug_exposure_start_datetime",
                      "drug_exposure_start_date"),
}


def table(root: Path, name: str) -> list[dict]:
    return pq.read_table(root / f"{name}.parquet").to_pylist()


def as_id(x) -> int | None:
    return None if x is None else int(x)


def add_missing_visits(root: Path) -> None:
    """Add to visit_occurrence the visits that the records of every tenth person name but that are not
    in it: starting on the earliest record's date, lasting (id mod 17) days (so some records fall after
    the end, and every length-of-stay class occurs), every third one an outpatient visit, with dates only."""
    visits = pq.read_table(root / "visit_occurrence.parquet")
    known = {int(v) for v in visits["visit_occurrence_id"].to_pylist()}
    first = {}  # visit id -> (person, earliest record date)
    for name, (_, _, _, date_col) in RECORDS.items():
        for r in table(root, name):
            visit, person = as_id(r["visit_occurrence_id"]), int(r["person_id"])
            if visit is None or visit in known or person % 10 or r[date_col] is None:
                continue
            day = min(r[date_col], first.get(visit, (person, r[date_col]))[1])
            first[visit] = (person, day)
    added = [{"visit_occurrence_id": float(v), "person_id": float(p), "visit_concept_id": 9202.0 if v % 3 == 0
              else 9201.0, "visit_start_date": day, "visit_end_date": day + dt.timedelta(days=v % 17),
              "visit_type_concept_id": 44818517.0, "visit_source_concept_id": 0.0}
             for v, (p, day) in sorted(first.items())]
    pq.write_table(pa.concat_tables([visits, pa.Table.from_pylist(added, schema=visits.schema)]),
                   root / "visit_occurrence.parquet")


def copy_of_lake(lake, folder: Path) -> str:
    """A copy of a session lake's file, for commands that open a lake of their own (DuckDB refuses a
    second connection to a file this process holds open with other settings)."""
    lake.execute("CHECKPOINT")
    path = Path(folder) / "lake.duckdb"
    path.write_bytes(Path(lake.path).read_bytes())
    return str(path)



def toy_lake_of(path=":memory:", *, subjects=(), visits=(), events=(), maps=()):
    """A lake with one dataset 'toy' holding the given rows (dicts; absent columns are NULL).

    `maps` are (src_vocab, src_code, dst_vocab, dst_code) rows of vocab.maps."""
    import datetime as dt

    import pyarrow as pa

    import medlake

    lake = medlake.connect(path)
    lake.execute("CREATE SCHEMA toy")
    lake.db.run("schema/core.sql", schemas={None: "toy"})
    lake.db.record_dataset("toy", "test", 1, dt.datetime(2030, 1, 1))
    for table, rows in (("subjects", subjects), ("visits", visits), ("events", events)):
        if rows:
            schema = lake.sql(f"SELECT * FROM toy.{table}").schema
            columns = {name: [row.get(name) for row in rows] for name in schema.names}
            with lake.db.registered("new_rows", pa.table(columns, schema=schema)):
                lake.execute(f"INSERT INTO toy.{table} SELECT * FROM new_rows")
    if maps:
        lake.db.run("vocab/schema.sql", "create_schema")
        lake.db.run("vocab/schema.sql", "maps")
        cols = list(zip(*maps))
        rows = pa.table({"src_vocab": cols[0], "src_code": cols[1], "dst_vocab": cols[2], "dst_code": cols[3],
                         "kind": ["test"] * len(maps), "flags": [None] * len(maps)})
        with lake.db.registered("new_maps", rows):
            lake.execute("INSERT INTO vocab.maps SELECT * FROM new_maps")
    return lake


# -- hostile input: small CSV exports and the edits that break them ----------------------------------


def read_csv_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a .csv or .csv.gz file, read with Python's csv module."""
    with _open(path, "rb") as f:
        reader = csv.reader(io.StringIO(f.read().decode("utf-8-sig"), newline=""))
        header = next(reader)
        return header, list(reader)


def write_csv_table(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8") -> None:
    """Write a .csv or .csv.gz file (quoted where needed, '\\n' between rows)."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    with _open(path, "wb") as f:
        f.write(out.getvalue().encode(encoding))


def edit_csv_table(path: Path, edit) -> None:
    """Replace a CSV file's (header, rows) by edit(header, rows)."""
    header, rows = read_csv_table(path)
    write_csv_table(path, *edit(header, rows))


def csv_subset(src: Path, dst: Path, column: str, keep: set[str], where=None) -> None:
    """Copy the rows of a .csv.gz (or .parquet, written as .csv.gz at `dst`) whose `column` is in `keep`
    (and that `where(row dict)` accepts)."""
    if src.suffix == ".parquet":
        table = pq.read_table(src)
        header = table.column_names
        rows = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                 for v in r.values()] for r in table.to_pylist()]
    else:
        header, rows = read_csv_table(src)
    index = [h.lower() for h in header].index(column)
    kept = [r for r in rows if r[index] in keep and (where is None or where(dict(zip(header, r))))]
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_csv_table(dst, header, kept)
