"""The synthetic MIMIC generator: reproducible bytes, the real layout, a believable shape, learnable outcomes."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.demo import Demo, load_step, run, summary_step, synthesize_step
from medlake.errors import ParameterError
from medlake.synth import model, synthesize
from medlake.synth.conditions import ACUTE

MIMIC3_FILES = ["PATIENTS", "ADMISSIONS", "ICUSTAYS", "DIAGNOSES_ICD", "PROCEDURES_ICD", "PRESCRIPTIONS", "LABEVENTS",
                "D_ICD_DIAGNOSES", "D_ICD_PROCEDURES", "D_LABITEMS"]


def read(path: Path) -> pa.Table:
    """A generated file, every column as text (so the test reads what was written, not a parser's guess)."""
    with gzip.open(path, "rb") as f:
        header = f.readline().decode().strip().replace('"', "").split(",")
    types = {h: pa.string() for h in header}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True))


@pytest.fixture(scope="module")
def m3(tmp_path_factory):
    """3,000 synthetic MIMIC-III patients, written once for the module."""
    out = tmp_path_factory.mktemp("synth") / "mimic3"
    result = synthesize("mimic3", out, patients=3000, seed=7)
    return out, result


@pytest.fixture(scope="module")
def m3_lake(m3, tmp_path_factory):
    lake = medlake.connect(tmp_path_factory.mktemp("synthlake") / "lake.duckdb")
    lake.load("mimic3", m3[0])
    yield lake
    lake.close()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for flavor in ("mimic3", "mimic4"):
        a = synthesize(flavor, tmp_path / f"{flavor}_a", patients=150, seed=11)
        b = synthesize(flavor, tmp_path / f"{flavor}_b", patients=150, seed=11)
        c = synthesize(flavor, tmp_path / f"{flavor}_c", patients=150, seed=12)
        files_a = sorted(p.relative_to(a.directory) for p in a.directory.rglob("*.csv.gz"))
        assert files_a == sorted(p.relative_to(b.directory) for p in b.directory.rglob("*.csv.gz"))
        assert len(files_a) == 10
        for rel in files_a:
            assert (a.directory / rel).read_bytes() == (b.directory / rel).read_bytes(), rel
        differ = [r for r in files_a if (a.directory / r).read_bytes() != (c.directory / r).read_bytes()]
        assert len(differ) == 7  # all but the three dictionary tables
        assert a.rows == b.rows


def test_mimic3_layout_has_the_release_columns(m3):
    out, result = m3
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv.gz" for n in MIMIC3_FILES)
    assert read(out / "ADMISSIONS.csv.gz").column_names[:6] == [
        "ROW_ID", "SUBJECT_ID", "HADM_ID", "ADMITTIME", "DISCHTIME", "DEATHTIME"]
    assert read(out / "PRESCRIPTIONS.csv.gz").column_names[-7:] == [
        "NDC", "PROD_STRENGTH", "DOSE_VAL_RX", "DOSE_UNIT_RX", "FORM_VAL_DISP", "FORM_UNIT_DISP", "ROUTE"]
    assert result.rows["PATIENTS"] == 3000
    for name in MIMIC3_FILES:
        assert read(out / f"{name}.csv.gz").num_rows == result.rows[name]


def test_mimic3_loads_and_drops_prescriptions_without_ndc(m3, m3_lake):
    out, result = m3
    rx = read(out / "PRESCRIPTIONS.csv.gz")
    ndc = rx["NDC"]
    no_ndc = pc.sum(pc.or_kleene(pc.is_null(ndc), pc.equal(ndc, "0"))).as_py()
    assert 0.01 * rx.num_rows < no_ndc < 0.04 * rx.num_rows
    counts = {r["vocab"]: r["n"] for r in m3_lake.db.arrow("demo/summary.sql", "events_by_vocab",
                                                              schemas={None: "mimic3"})
              .rename_columns(["vocab", "n", "codes", "visits"]).to_pylist()}
    assert counts == {"MIMIC3_LAB": result.rows["LABEVENTS"], "NDC": rx.num_rows - no_ndc,
                      "ICD9CM": result.rows["DIAGNOSES_ICD"], "ICD9PROC": result.rows["PROCEDURES_ICD"]}
    summary = m3_lake.db.arrow("demo/summary.sql", "counts", schemas={None: "mimic3"}).to_pylist()[0]
    assert summary["subjects"] == 3000
    assert summary["admissions"] == result.rows["ADMISSIONS"]
    assert summary["icu_stays"] == result.rows["ICUSTAYS"]


def test_mimic4_layout_loads(tmp_path):
    result = synthesize("mimic4", tmp_path / "m4", patients=300, seed=3)
    assert (tmp_path / "m4" / "hosp" / "patients.csv.gz").exists()
    assert (tmp_path / "m4" / "icu" / "icustays.csv.gz").exists()
    patients = read(tmp_path / "m4" / "hosp" / "patients.csv.gz")
    assert patients.column_names == ["subject_id", "gender", "anchor_age", "anchor_year", "anchor_year_group", "dod"]
    dx = read(tmp_path / "m4" / "hosp" / "diagnoses_icd.csv.gz")
    versions = set(dx["icd_version"].to_pylist())
    assert versions == {"9", "10"}
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        loaded = lake.load("mimic4", tmp_path / "m4")
    assert loaded.row_counts["mimic4.subjects"] == 300
    assert loaded.row_counts["mimic4_raw.labevents"] == result.rows["hosp/labevents"]
    assert loaded.row_counts["mimic4_raw.diagnoses_icd"] == result.rows["hosp/diagnoses_icd"]


def test_shape_of_the_records(m3):
    out, _ = m3
    adm = read(out / "ADMISSIONS.csv.gz")
    subject = np.array(adm["SUBJECT_ID"].to_pylist(), dtype=np.int64)
    admit = np.array(adm["ADMITTIME"].to_pylist(), dtype="datetime64[s]")
    disch = np.array(adm["DISCHTIME"].to_pylist(), dtype="datetime64[s]")
    death = adm["DEATHTIME"].to_pylist()
    per_patient = np.bincount(np.unique(subject, return_inverse=True)[1])
    assert per_patient.max() >= 4
    assert 0.12 < (per_patient >= 2).mean() < 0.4
    assert (admit.astype("datetime64[Y]").astype(int) + 1970 >= 2100).all()
    assert (disch > admit).all()
    # one patient's admissions never overlap
    order = np.lexsort((admit, subject))
    same = subject[order][1:] == subject[order][:-1]
    assert (admit[order][1:][same] > disch[order][:-1][same]).all()
    # in-hospital deaths: deathtime = dischtime, discharged DEAD/EXPIRED, and about one admission in ten
    died = np.array([d is not None for d in death])
    assert 0.05 < died.mean() < 0.2
    assert all(d == str(x).replace("T", " ") for d, x in zip(np.array(death)[died], disch[died]))
    assert set(np.array(adm["DISCHARGE_LOCATION"].to_pylist())[died]) == {"DEAD/EXPIRED"}
    # skewed lengths of stay
    los = (disch - admit).astype(np.float64) / 86400
    assert np.mean(los) > 1.25 * np.median(los)
    # ICU stays lie inside their admission
    icu = read(out / "ICUSTAYS.csv.gz")
    where = {h: i for i, h in enumerate(adm["HADM_ID"].to_pylist())}
    k = np.array([where[h] for h in icu["HADM_ID"].to_pylist()])
    intime = np.array(icu["INTIME"].to_pylist(), dtype="datetime64[s]")
    outtime = np.array(icu["OUTTIME"].to_pylist(), dtype="datetime64[s]")
    assert (intime >= admit[k]).all() and (outtime <= disch[k]).all() and (outtime > intime).all()
    # some die after discharge
    pat = read(out / "PATIENTS.csv.gz")
    dod = np.array([d is not None for d in pat["DOD"].to_pylist()])
    hosp = np.array([d is not None for d in pat["DOD_HOSP"].to_pylist()])
    assert (dod & ~hosp).sum() > 100
    # about 80 prescriptions and 580 lab events per admission
    rx_rows = read(out / "PRESCRIPTIONS.csv.gz").num_rows
    lab_rows = read(out / "LABEVENTS.csv.gz").num_rows
    assert 70 < rx_rows / adm.num_rows < 90
    assert 520 < lab_rows / adm.num_rows < 640


def test_outcomes_depend_on_the_record(m3):
    out, _ = m3
    adm = read(out / "ADMISSIONS.csv.gz")
    died = dict(zip(adm["HADM_ID"].to_pylist(), (d is not None for d in adm["DEATHTIME"].to_pylist())))
    dx = read(out / "DIAGNOSES_ICD.csv.gz")
    risky = set()
    for cond in ACUTE:
        if cond.name in ("sepsis", "cardiac_arrest", "intracranial_hemorrhage"):
            risky |= set(cond.codes)
    flagged = {h for h, c in zip(dx["HADM_ID"].to_pylist(), dx["ICD9_CODE"].to_pylist()) if c in risky}
    with_risk = np.array([died[h] for h in died if h in flagged])
    without = np.array([died[h] for h in died if h not in flagged])
    assert len(with_risk) > 300
    assert with_risk.mean() > 2.0 * without.mean()
    # abnormal labs go with death: lactate is higher in admissions that end in death
    labs = read(out / "LABEVENTS.csv.gz")
    lactate = pc.equal(labs["ITEMID"], "50813")
    hadm = labs["HADM_ID"].filter(lactate).to_pylist()
    value = np.array(labs["VALUENUM"].filter(lactate).to_pylist(), dtype=np.float64)
    dead = np.array([died[h] for h in hadm])
    assert np.median(value[dead]) > 1.3 * np.median(value[~dead])


def test_readmission_depends_on_age(m3):
    out, _ = m3
    adm = read(out / "ADMISSIONS.csv.gz")
    pat = read(out / "PATIENTS.csv.gz")
    dob = dict(zip(pat["SUBJECT_ID"].to_pylist(), np.array(pat["DOB"].to_pylist(), dtype="datetime64[s]")))
    subject = adm["SUBJECT_ID"].to_pylist()
    admit = np.array(adm["ADMITTIME"].to_pylist(), dtype="datetime64[s]")
    disch = np.array(adm["DISCHTIME"].to_pylist(), dtype="datetime64[s]")
    alive = np.array([d is None for d in adm["DEATHTIME"].to_pylist()])
    order = np.lexsort((admit, np.array(subject, dtype=np.int64)))
    s = np.array(subject)[order]
    nxt = np.zeros(len(s), dtype=bool)
    nxt[:-1] = (s[1:] == s[:-1]) & ((admit[order][1:] - disch[order][:-1]) <= np.timedelta64(30, "D"))
    age = np.array([(admit[i] - dob[subject[i]]).astype(np.float64) / (365.25 * 86400) for i in order])
    keep = alive[order]
    old, young = nxt[keep & (age >= 75)].mean(), nxt[keep & (age < 50)].mean()
    assert old > 1.3 * young


def test_bad_arguments_are_named():
    with pytest.raises(ParameterError, match="unknown flavor 'eicu'"):
        synthesize("eicu", "/nonexistent", patients=10)
    with pytest.raises(ParameterError, match="patients must be a positive integer"):
        synthesize("mimic3", "/nonexistent", patients=0)


def test_cli_writes_uncompressed_files(tmp_path):
    result = CliRunner().invoke(main, ["synth", "mimic3", str(tmp_path / "o"), "--patients", "40", "--seed", "2",
                                       "--no-gzip", "--silent"])
    assert result.exit_code == 0, result.output
    assert "PATIENTS" in result.output
    header = (tmp_path / "o" / "PATIENTS.csv").read_text().splitlines()[0]
    assert header == '"ROW_ID","SUBJECT_ID","GENDER","DOB","DOD","DOD_HOSP","DOD_SSN","EXPIRE_FLAG"'
    assert len((tmp_path / "o" / "PATIENTS.csv").read_text().splitlines()) == 41
    bad = CliRunner().invoke(main, ["synth", "mimic9", str(tmp_path / "x")])
    assert bad.exit_code == 2


def test_demo_runs_its_steps(tmp_path):
    demo = run(Demo(out=tmp_path / "demo", patients=60, seed=1), steps=[synthesize_step, load_step, summary_step])
    assert list(demo.timings) == ["synthesize_step", "load_step", "summary_step"]
    with medlake.connect(demo.db_path, read_only=True) as lake:
        assert lake.datasets() == ["mimic3"]
        counts = lake.db.arrow("demo/summary.sql", "counts", schemas={None: "mimic3"}).to_pylist()[0]
    assert counts["subjects"] == 60


def test_events_built_in_subject_ranges_equal_one_sort(m3, tmp_path, monkeypatch):
    """The loader may build events one range of subjects at a time (to bound memory); the table is the same."""
    from medlake.etl import canonical as _tuning

    out, _ = m3
    tables = ["diagnoses_icd", "procedures_icd", "prescriptions"]
    with medlake.connect(tmp_path / "one.duckdb") as lake:
        lake.load("mimic3", out, tables=tables)
        one = lake.db.arrow("demo/summary.sql", "events_in_order", schemas={None: "mimic3"})
    monkeypatch.setattr(_tuning, "EVENTS_PER_RANGE", 50_000)
    cuts = []
    real_bounds = _tuning._subject_bounds
    monkeypatch.setattr(_tuning, "_subject_bounds", lambda *a: cuts.append(real_bounds(*a)) or cuts[-1])
    with medlake.connect(tmp_path / "ranges.duckdb") as lake:
        lake.load("mimic3", out, tables=tables)
        ranged = lake.db.arrow("demo/summary.sql", "events_in_order", schemas={None: "mimic3"})
    assert one.num_rows > 300_000
    assert len(cuts) == 1 and len(cuts[0]) >= 6  # five ranges of subjects or more
    assert ranged.equals(one)


def test_events_sorted_through_enums_equal_the_sql_as_written(m3, tmp_path, monkeypatch):
    """The loader sorts events with vocab and source cast to ENUMs; the table (types, rows, order) is the same."""
    from medlake.etl import canonical as _tuning

    out, _ = m3
    tables = ["diagnoses_icd", "procedures_icd", "prescriptions"]

    def load(name):
        with medlake.connect(tmp_path / f"{name}.duckdb") as lake:
            lake.load("mimic3", out, tables=tables)
            rows = lake.sql("SELECT * FROM mimic3.events")   # physical order
            types = lake.sql("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'mimic3' AND table_name = 'events' ORDER BY ordinal_position")
        return rows, types

    rewritten, rewritten_types = load("enums")
    monkeypatch.setattr(_tuning, "_enum_literals", lambda tree, *a: tree)
    as_written, written_types = load("as_written")
    assert rewritten_types.equals(written_types)
    assert dict(zip(*written_types.to_pydict().values()))["source"] == "VARCHAR"
    assert rewritten.num_rows > 300_000 and rewritten.equals(as_written)
    assert set(rewritten.column("source").to_pylist()) == {"diagnoses_icd", "procedures_icd", "prescriptions"}


def test_ids_stay_distinct_past_mimic_ranges():
    """Past 99,999 admissions MIMIC-III's id ranges run out; admission and ICU stay ids still never meet."""
    from medlake.synth.mimic3 import Mimic3

    h = model.simulate(80_000, 1)
    m = Mimic3(h)
    assert h.n_admissions > 100_000
    assert len(np.unique(m.hadm_id)) == h.n_admissions
    assert len(np.unique(m.icustay_id)) == len(h.icu_adm)
    assert m.hadm_id.max() < m.icustay_id.min()
    assert m.hadm_id.min() == 100_001


def test_ndcs_map_to_atc_through_the_ndc_gsn_table(m3, codes_dir):
    """Nearly every prescription with an NDC names one the NDC/GSN/ATC table knows, with the same GSN."""
    table = pacsv.read_csv(codes_dir / "ndc_gsn_atc.csv.gz",
                           convert_options=pacsv.ConvertOptions(column_types={"ndc": pa.string(), "gsn": pa.string()}))
    known = set(zip(table["ndc"].to_pylist(), table["gsn"].to_pylist()))
    rx = read(m3[0] / "PRESCRIPTIONS.csv.gz")
    pairs = [(n, g) for n, g in zip(rx["NDC"].to_pylist(), rx["GSN"].to_pylist()) if n not in (None, "0")]
    assert len(pairs) > 300_000
    assert sum(p in known for p in pairs) == len(pairs)


def test_the_demo_command_runs_the_same_steps(tmp_path, monkeypatch):
    import medlake.demo

    monkeypatch.setattr(medlake.demo, "STEPS", [synthesize_step, load_step, summary_step])  # no training here
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--patients", "40", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert f"open it: medlake --db {tmp_path / 'd' / 'demo.duckdb'} info" in result.output
    with medlake.connect(tmp_path / "d" / "demo.duckdb", read_only=True) as lake:
        assert lake.stat("mimic3")["subjects"] == 40


def test_death_is_learnable_from_the_first_48_hours_of_labs():
    # the hidden severity drives both in-hospital death and the labs of the first 48 hours, so a
    # logistic regression on each lab item's mean value over those hours ranks deaths well
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    h = model.simulate(3000, 7)
    activity = h.activity()
    cohort = (h.disch - h.admit >= 48 * 3600) & (h.age >= 18)
    total = np.zeros((h.n_admissions, len(model.LAB_IDS)))
    count = np.zeros_like(total)
    for number, adm in model.chunks(h):
        labs = model.labs(h, number, adm, activity)
        early = labs["time"] < h.admit[labs["adm"]] + 48 * 3600
        np.add.at(total, (labs["adm"][early], labs["item"][early]), labs["value"][early])
        np.add.at(count, (labs["adm"][early], labs["item"][early]), 1)
    mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)[cohort]
    x = np.where(np.isnan(mean), np.nanmean(mean, axis=0), mean)
    y = h.died[cohort]
    train = np.arange(len(y)) % 5 != 0
    lr = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(x[train], y[train])
    auroc = roc_auc_score(y[~train], lr.predict_proba(x[~train])[:, 1])
    assert 0.10 < y.mean() < 0.16
    assert auroc > 0.8, auroc
    # the severity itself ranks them better still: the labs are noisy readings of it
    assert roc_auc_score(y, h.severity[cohort]) > auroc


def test_full_record_in_both_layouts_loads_whole(tmp_path):
    m3 = synthesize("mimic3", tmp_path / "m3", patients=60, seed=2, full=True)
    m4 = synthesize("mimic4", tmp_path / "m4", patients=60, seed=2, full=True)
    core = synthesize("mimic4", tmp_path / "core", patients=60, seed=2)
    # the core tables are the same bytes with or without the rest of the record; labevents gains outpatient
    # rows after the inpatient ones
    for name in set(core.rows) - {"hosp/labevents"}:
        rel = f"{name}.csv.gz"
        assert (tmp_path / "core" / rel).read_bytes() == (tmp_path / "m4" / rel).read_bytes(), rel
    core_labs = read(tmp_path / "core" / "hosp" / "labevents.csv.gz")
    labs = read(tmp_path / "m4" / "hosp" / "labevents.csv.gz")
    assert labs.slice(0, core_labs.num_rows).equals(core_labs)
    outpatient = labs.slice(core_labs.num_rows)
    assert outpatient.num_rows > 0.4 * core_labs.num_rows and outpatient["hadm_id"].null_count == outpatient.num_rows
    # no outpatient draw falls inside an admission or the day either side of it, nor after death
    adm = read(tmp_path / "m4" / "hosp" / "admissions.csv.gz")
    subject = np.array(outpatient["subject_id"].to_pylist(), dtype=np.int64)
    t = np.array(outpatient["charttime"].combine_chunks().to_pylist(), dtype="datetime64[s]")
    a_subject = np.array(adm["subject_id"].to_pylist(), dtype=np.int64)
    a_in = np.array(adm["admittime"].to_pylist(), dtype="datetime64[s]") - np.timedelta64(1, "D")
    a_out = np.array(adm["dischtime"].to_pylist(), dtype="datetime64[s]") + np.timedelta64(1, "D")
    near = (subject[:, None] == a_subject[None, :]) & (t[:, None] >= a_in[None, :]) & (t[:, None] <= a_out[None, :])
    assert not near.any()
    patients = read(tmp_path / "m4" / "hosp" / "patients.csv.gz")
    dod = {int(p): np.datetime64(d) for p, d in zip(patients["subject_id"].to_pylist(), patients["dod"].to_pylist())
           if d}
    assert all(t[i] <= dod[p] for i, p in enumerate(subject) if p in dod)
    assert set(m4.rows) - set(core.rows) == {
        "icu/chartevents", "icu/inputevents", "icu/outputevents", "icu/d_items", "hosp/microbiologyevents",
        "hosp/transfers", "hosp/services", "note/discharge", "note/radiology"}
    assert set(m3.rows) - set(MIMIC3_FILES) == {
        "CHARTEVENTS", "INPUTEVENTS_MV", "INPUTEVENTS_CV", "OUTPUTEVENTS", "D_ITEMS", "MICROBIOLOGYEVENTS",
        "TRANSFERS", "SERVICES", "NOTEEVENTS"}
    h = model.simulate(60, 2)
    icu_hours = ((h.icu_out - h.icu_in) / 3600).sum()
    # vitals every hour (six of them), the rest every 4 to 8 hours, about 25 nursing items an hour
    assert 28 * icu_hours < m4.rows["icu/chartevents"] < 38 * icu_hours
    assert m3.rows["CHARTEVENTS"] == m4.rows["icu/chartevents"]
    assert m4.rows["note/discharge"] == h.n_admissions
    chart = read(tmp_path / "m4" / "icu" / "chartevents.csv.gz")
    hr = chart.filter(pc.equal(chart["itemid"], "220045"))
    # heart rate: one an hour from ICU admission to discharge, in every stay
    expected = int(((h.icu_out - h.icu_in) // 3600 + 1).sum())
    assert hr.num_rows == expected
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        for flavor, result in (("mimic3", m3), ("mimic4", m4)):
            loaded = lake.load(flavor, tmp_path / flavor[-1:].join(("m", "")))
            assert "chartevents" not in loaded.absent and "transfers" not in loaded.absent
            raw = {k.split(".", 1)[1]: v for k, v in loaded.row_counts.items() if k.startswith(f"{flavor}_raw.")}
            for name, n in result.rows.items():
                assert raw[name.split("/")[-1].lower()] == n, name
        by_source = dict(lake.execute("SELECT source, count(*) FROM mimic4.events GROUP BY ALL"))
        assert by_source["chartevents"] == m4.rows["icu/chartevents"]
        assert by_source["outputevents"] == m4.rows["icu/outputevents"]
        assert lake.execute("SELECT count(*) FROM mimic4.notes")[0][0] == m4.rows["note/discharge"] + m4.rows[
            "note/radiology"]
        kinds = dict(lake.execute("SELECT kind, count(*) FROM mimic3.visits GROUP BY ALL"))
        assert kinds["ward"] == m3.rows["TRANSFERS"] - h.n_admissions  # all but the discharge rows
        assert kinds["service"] == m3.rows["SERVICES"]


def test_charted_vitals_follow_severity_and_worsen_before_death():
    from medlake.synth import icu

    h = model.simulate(400, 4)
    rows = icu.chart(h, 0, slice(0, min(len(h.icu_adm), icu.CHUNK_STAYS)))
    hr = (rows["kind"] == 0) & (rows["item"] == 0)
    stay = rows["stay"][hr]
    sev = h.severity[h.icu_adm[stay]]
    value = rows["value"][hr]
    assert np.corrcoef(sev, value)[0, 1] > 0.25
    adm = h.icu_adm[stay]
    dies_here = h.died[adm] & (h.icu_out[stay] >= h.disch[adm])
    last_day = (h.icu_out[stay] - rows["time"][hr]) < 6 * 3600
    assert value[dies_here & last_day].mean() > value[dies_here & ~last_day].mean() + 10
