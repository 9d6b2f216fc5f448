"""Every built-in task, feature view and point-in-time join in every dialect medlake writes: the text
parses back in that dialect with no DuckDB construct left, and on PostgreSQL the tasks and views run
and give DuckDB's rows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from helpers import same_rows, skip_unless_required
from medlake.featurestore import builtin_views
from medlake.spark.portable import PORTABLE
from medlake.spark.transpile import task_sql, transpile_checked, view_sql
from medlake.sqlfiles import load_sql, qualify, render
from medlake.tasks import bound_query, list_tasks

# edf: sleep_staging; the cxr tasks (dicom) number a study without a study_id by DuckDB's hash(), which
# no other engine computes alike (test_spark_tasks.test_spark_refuses_duckdbs_hash)
SOURCES = ("mimic3", "mimic4", "eicu", "omop", "edf")
TASK_CASES = [(source, spec.name) for source in SOURCES for spec in list_tasks() if source in spec.datasets]
VIEWS = sorted(builtin_views())
# DuckDB functions that no other engine has under that name (sqlglot renames the ones that exist)
DUCKDB_ONLY = ("LIST_TRANSFORM", "LIST_SORT", "LIST_SLICE", "LIST_CONCAT", "EPOCH_US", "TO_HOURS", "TO_DAYS",
               "TO_YEARS", "TO_MICROSECONDS", "FAVG", "ARG_MAX", "ARG_MIN", "HUGEINT", "STRUCT_PACK")
# ... and those a given engine lacks although others have them
LACKING = {"postgres": ("TRANSFORM(", "ARRAY_SORT", "ARRAY_DISTINCT", "ENDS_WITH", "HISTOGRAM", "ANY_VALUE",
                        "STRUCT(", "->", "IGNORE NULLS", "MAP<", "MAP("),
           "trino": ("ENDS_WITH", "ANY_VALUE", "IGNORE NULLS"),
           "bigquery": ("TRANSFORM(", "HISTOGRAM", "FILTER(", "TIME_TO_UNIX", "ARRAY_SORT", "MAP<", "MAP("),
           "snowflake": ("HISTOGRAM", "FILTER(", "LIST_", "IGNORE NULLS")}


def assert_portable(text: str, warnings: list[str], dialect: str) -> None:
    """sqlglot wrote all of it, it parses back in `dialect`, and no construct that dialect lacks is left."""
    assert warnings == []
    assert "$" not in text
    assert sqlglot.parse_one(text, read=dialect) is not None  # raises ParseError on text it cannot read
    upper = re.sub(r"/\*.*?\*/", "", text, flags=re.S).upper()  # comments may say anything ("lb -> kg")
    for name in DUCKDB_ONLY + LACKING.get(dialect, ()):
        assert name not in upper, (dialect, name)


@pytest.mark.parametrize("dialect", PORTABLE)
@pytest.mark.parametrize(("source", "task"), TASK_CASES, ids=[f"{s}-{t}" for s, t in TASK_CASES])
def test_task_sql_parses_back_in_every_dialect(source, task, dialect):
    _, _, tree = bound_query(task, source, source)
    assert_portable(*transpile_checked(tree, dialect, pretty=True), dialect)


@pytest.mark.parametrize("dialect", PORTABLE)
def test_readmission_parameter_forms_parse_back(dialect):
    for params in ({"window_days": 30, "anchor": "admission"}, {"min_age": 60, "uncertain_order": "keep"}):
        _, _, tree = bound_query("readmission", "mimic3", "mimic3", **params)
        text, warnings = transpile_checked(tree, dialect)
        assert_portable(text, warnings, dialect)
        assert "30" in text if params.get("window_days") else "60" in text


@pytest.mark.parametrize("dialect", PORTABLE)
@pytest.mark.parametrize("view", VIEWS)
def test_feature_view_and_point_in_time_join_parse_back(view, dialect):
    v = builtin_views()[view]
    assert_portable(*view_sql(v, "mimic3", dialect), dialect)
    text, warnings = view_sql(v, "mimic3", dialect, samples="my_samples", ttl="400 days", inclusive=False)
    assert_portable(text, warnings, dialect)
    assert "my_samples" in text


# -- PostgreSQL: run them ----------------------------------------------------------------------------


def _pg_binaries() -> Path | None:
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="module")
def postgres():
    """A psycopg connection to PostgreSQL: $MEDLAKE_TEST_POSTGRES (a connection string), else a
    throwaway server started from the local PostgreSQL binaries. Skips when neither is there, unless
    CI requires the test data (MEDLAKE_REQUIRE_TEST_DATA: then fails, as the spark fixture does)."""
    missing = skip_unless_required

    try:
        import psycopg
    except ImportError:
        missing("psycopg is not installed (pip install -e '.[dev]')")
    dsn = os.environ.get("MEDLAKE_TEST_POSTGRES")
    if dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            yield conn
        return
    bindir = _pg_binaries()
    if bindir is None:
        missing("no PostgreSQL server: set MEDLAKE_TEST_POSTGRES or install postgresql (initdb, pg_ctl)")
    # the server refuses to run as root: then it runs as the postgres user, in a folder it owns
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="medlake-pg-"))
    if as_user:
        shutil.chown(root, "postgres")
    data, port = root / "data", 55000 + os.getpid() % 1000

    def pg(*args):
        subprocess.run([*as_user, str(bindir / args[0]), *args[1:]], check=True, capture_output=True)

    try:
        pg("initdb", "-D", str(data), "-A", "trust", "-U", "postgres")
        pg("pg_ctl", "-D", str(data), "-w", "-l", str(root / "log"), "-o",
           f"-p {port} -k {root} -c listen_addresses= -c fsync=off", "start")
    except (subprocess.CalledProcessError, OSError) as e:
        shutil.rmtree(root, ignore_errors=True)
        missing(f"could not start PostgreSQL from {bindir}: {e} {getattr(e, 'stderr', b'').decode(errors='replace')}")
    try:
        with psycopg.connect(host=str(root), port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            yield conn
    finally:
        pg("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def copy_to_postgres(conn, lake, schema: str, tables=("subjects", "visits", "events"),
                     relpath: str = "schema/core.sql") -> None:
    """Tables of a lake schema into the PostgreSQL schema of that name, created from their CREATE
    TABLE statements (schema/core.sql: the canonical tables; vocab/schema.sql: the code tables)."""
    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.execute(f'CREATE SCHEMA "{schema}"')
    for st in load_sql(relpath).statements:
        table = st.tree.this.this.name if isinstance(st.tree, exp.Create) and st.tree.kind == "TABLE" else None
        if table not in tables:
            continue
        conn.execute(render(qualify(st.tree, {None: schema}), dialect="postgres"))
        rows = lake.sql(f'SELECT * FROM "{schema}"."{table}"')
        with conn.cursor().copy(f'COPY "{schema}"."{table}" FROM STDIN') as copy:
            for row in zip(*(c.to_pylist() for c in rows.columns)):
                copy.write_row(row)


def pg_rows(conn, text: str) -> list[dict]:
    cur = conn.execute(text)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def pg_datasets(postgres, drug_lake, eicu_lake, omop_visits_lake):
    """The demo datasets copied into PostgreSQL once, with the code maps (vocab.maps) of
    drug_lake: {dataset: its lake}."""
    lakes = {"mimic3": drug_lake, "mimic4": drug_lake, "eicu": eicu_lake, "omop": omop_visits_lake}
    for dataset, lake in lakes.items():
        copy_to_postgres(postgres, lake, dataset)
    copy_to_postgres(postgres, drug_lake, "vocab", ("maps",), "vocab/schema.sql")
    postgres.execute("ANALYZE")
    # PostgreSQL 15 guesses 1 row for the eICU admissions block and then repeats the code-list
    # aggregation once per admission in a nested loop (minutes instead of a second)
    postgres.execute("SET enable_nestloop = off")
    return lakes


# every task but drug_recommendation (and sleep_staging, whose EDF dataset is not copied): its drugs_hist (a list of lists of different lengths) has no
# PostgreSQL type; in_hospital_mortality_48h's labs (structs) are JSONB objects there
PG_CASES = [(s, t) for s, t in TASK_CASES if t != "drug_recommendation" and s != "edf"]


@pytest.mark.parametrize(("dataset", "task"), PG_CASES, ids=[f"{s}-{t}" for s, t in PG_CASES])
def test_postgres_gives_duckdbs_samples(postgres, pg_datasets, dataset, task):
    lake = pg_datasets[dataset]
    expected = lake.task(task, dataset).to_arrow().to_pylist()
    text, warnings = task_sql(lake.db, task, dataset, "postgres")
    assert warnings == []
    got = pg_rows(postgres, text)
    assert len(got) == len(expected) > 0
    assert same_rows(got) == same_rows(expected)


@pytest.mark.parametrize("classes", [5, 6])
def test_postgres_gives_duckdbs_sleep_stages(postgres, media_lake, classes):
    """sleep_staging over a signals dataset's tables: the same epochs, labels and signal windows (a
    JSONB object there)."""
    copy_to_postgres(postgres, media_lake, "sleep", ("recordings", "recording_annotations"), "signals/schema.sql")
    expected = media_lake.task("sleep_staging", "sleep", classes=classes).to_arrow().to_pylist()
    text, warnings = task_sql(media_lake.db, "sleep_staging", "sleep", "postgres", classes=classes)
    assert warnings == []
    got = pg_rows(postgres, text)
    assert len(got) == len(expected) > 0
    assert got == expected  # the task orders its rows fully


def test_postgres_readmission_parameter_forms(postgres, pg_datasets):
    forms = [("mimic3", {"window_days": 30, "anchor": "admission"}), ("mimic3", {"min_age": 60, "uncertain_order": "keep"}),
             ("eicu", {"uncertain_order": "keep"}), ("omop", {"window_days": 60, "uncertain_order": "keep"})]
    for dataset, params in forms:
        lake = pg_datasets[dataset]
        expected = lake.task("readmission", dataset, **params).to_arrow().to_pylist()
        text, _ = task_sql(lake.db, "readmission", dataset, "postgres", **params)
        assert same_rows(pg_rows(postgres, text)) == same_rows(expected), (dataset, params)


@pytest.mark.parametrize("view", ["demographics", "prior_utilization", "lab_stats"])
def test_postgres_gives_duckdbs_feature_view_rows(postgres, pg_datasets, view):
    lake, v = pg_datasets["mimic3"], builtin_views()[view]
    expected = lake.sql(view_sql(v, "mimic3", "duckdb")[0]).to_pylist()
    got = pg_rows(postgres, view_sql(v, "mimic3", "postgres")[0])
    assert len(got) == len(expected) > 0
    key = lambda r: repr(sorted(r.items()))  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)


def test_trino_struct_lists_are_typed_rows():
    _, _, tree = bound_query("in_hospital_mortality_48h", "mimic3", "mimic3")
    text, _ = transpile_checked(tree, "trino")
    assert "AS ROW(code VARCHAR, value DOUBLE, hours DOUBLE)" in text
    assert isinstance(sqlglot.parse_one(text, read="trino"), exp.Select)


def _plain(value):
    """DuckDB's MAP (a list of pairs) as PostgreSQL's JSONB object (a dict); the rest as it is."""
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return dict(value)
    return value


@pytest.mark.parametrize("view", VIEWS)
def test_postgres_point_in_time_join_equals_duckdb(postgres, pg_datasets, view):
    """A view's point-in-time join over readmission's samples: the same rows on PostgreSQL as on
    DuckDB; a mean of DOUBLE values may differ in its last bits (the summing order)."""
    import pyarrow as pa

    lake, v = pg_datasets["mimic3"], builtin_views()[view]
    samples = [{"__row": i, "subject_id": r["subject_id"], "visit_id": r["visit_id"],
                "__index_time": r["index_time"]}
               for i, r in enumerate(lake.task("readmission", "mimic3").to_arrow().to_pylist())]
    postgres.execute("DROP TABLE IF EXISTS pit_samples")
    postgres.execute("CREATE TABLE pit_samples (__row BIGINT, subject_id BIGINT, visit_id BIGINT, "
                     "__index_time TIMESTAMP)")
    with postgres.cursor().copy("COPY pit_samples FROM STDIN") as copy:
        for r in samples:
            copy.write_row(tuple(r.values()))
    got = pg_rows(postgres, view_sql(v, "mimic3", "postgres", samples="pit_samples")[0])
    with lake.db.registered("pit_samples", pa.Table.from_pylist(samples)):
        want = lake.sql(view_sql(v, "mimic3", "duckdb", samples="pit_samples")[0]).to_pylist()
    assert [r["__row"] for r in got] == [r["__row"] for r in want] == list(range(len(samples)))
    for g, w in zip(got, want):
        assert list(g) == list(w)
        for column, value in w.items():
            if "_mean_" in column and isinstance(value, float):
                assert g[column] == pytest.approx(value, rel=1e-12, abs=0), column
            else:
                assert g[column] == _plain(value), column
    features = [c for c in want[0] if c != "__row"]
    assert any(r[c] not in (None, 0) for r in want for c in features)  # values, not only missing ones
