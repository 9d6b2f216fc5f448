"""OMOP CDM v5.3 / v5.4: one .csv, .csv.gz or .parquet file per CDM table.

Ids and concept ids load as BIGINT even when a file stores them as DOUBLE
(Eunomia's Parquet files do); a non-integral one is an InputError. The
vocabulary tables (concept, concept_ancestor, concept_relationship) are loaded
into <dataset>_raw when present and give events their vocabulary and code.
"""

from __future__ import annotations

from ..spec import RawTable, Source

ID = "BIGINT"
INT = "INTEGER"
NUM = "DOUBLE"
TXT = "VARCHAR"
DATE = "DATE"
TS = "TIMESTAMP"


def _event_table(name: str, prefix: str, date_column: str, extra: dict[str, str]) -> RawTable:
    """A CDM event table: <name>_id, person_id, <prefix>_concept_id, a start date; the rest optional.

    No primary key is enforced: real exports repeat event ids (Eunomia's drug_exposure does)."""
    return RawTable(
        name, (name,),
        {f"{name}_id": ID, "person_id": ID, f"{prefix}_concept_id": ID, date_column: DATE},
        {"visit_occurrence_id": ID, "visit_detail_id": ID, "provider_id": ID, f"{prefix}_type_concept_id": ID,
         f"{prefix}_source_concept_id": ID, f"{prefix}_source_value": TXT, **extra})


SOURCE = Source(
    name="omop",
    description="OMOP Common Data Model v5.3 or v5.4 (CSV, CSV.GZ or Parquet per table)",
    etl_sql="etl/omop.sql",
    subject_key=("person", "person_id"), id_columns=("person_id", "visit_occurrence_id"),
    formats=(".parquet", ".csv.gz", ".csv"),
    tables=[
        RawTable("person", ("person",),
                 {"person_id": ID, "gender_concept_id": ID, "year_of_birth": INT},
                 {"month_of_birth": INT, "day_of_birth": INT, "birth_datetime": TS, "race_concept_id": ID,
                  "ethnicity_concept_id": ID, "location_id": ID, "provider_id": ID, "care_site_id": ID,
                  "person_source_value": TXT, "gender_source_value": TXT, "gender_source_concept_id": ID,
                  "race_source_value": TXT, "race_source_concept_id": ID, "ethnicity_source_value": TXT,
                  "ethnicity_source_concept_id": ID},
                 primary_key=("person_id",), always=True),
        RawTable("visit_occurrence", ("visit_occurrence",),
                 {"visit_occurrence_id": ID, "person_id": ID, "visit_concept_id": ID, "visit_start_date": DATE},
                 {"visit_start_datetime": TS, "visit_end_date": DATE, "visit_end_datetime": TS,
                  "visit_type_concept_id": ID, "provider_id": ID, "care_site_id": ID, "visit_source_value": TXT,
                  "visit_source_concept_id": ID, "admitting_source_concept_id": ID, "admitting_source_value": TXT,
                  "discharge_to_concept_id": ID, "discharge_to_source_value": TXT,       # v5.3
                  "admitted_from_concept_id": ID, "admitted_from_source_value": TXT,     # v5.4
                  "discharged_to_concept_id": ID, "discharged_to_source_value": TXT,
                  "preceding_visit_occurrence_id": ID},
                 primary_key=("visit_occurrence_id",), always=True),
        _event_table("condition_occurrence", "condition", "condition_start_date",
                     {"condition_start_datetime": TS, "condition_end_date": DATE, "condition_end_datetime": TS,
                      "condition_status_concept_id": ID, "condition_status_source_value": TXT, "stop_reason": TXT}),
        _event_table("procedure_occurrence", "procedure", "procedure_date",
                     {"procedure_datetime": TS, "procedure_end_date": DATE, "procedure_end_datetime": TS,
                      "modifier_concept_id": ID, "quantity": NUM, "modifier_source_value": TXT}),
        _event_table("drug_exposure", "drug", "drug_exposure_start_date",
                     {"drug_exposure_start_datetime": TS, "drug_exposure_end_date": DATE,
                      "drug_exposure_end_datetime": TS, "verbatim_end_date": DATE, "stop_reason": TXT,
                      "refills": INT, "quantity": NUM, "days_supply": INT, "sig": TXT, "route_concept_id": ID,
                      "lot_number": TXT, "route_source_value": TXT, "dose_unit_source_value": TXT}),
        _event_table("measurement", "measurement", "measurement_date",
                     {"measurement_datetime": TS, "operator_concept_id": ID, "value_as_number": NUM,
                      "value_as_concept_id": ID, "unit_concept_id": ID, "range_low": NUM, "range_high": NUM,
                      "unit_source_value": TXT, "value_source_value": TXT}),
        _event_table("observation", "observation", "observation_date",
                     {"observation_datetime": TS, "value_as_number": NUM, "value_as_string": TXT,
                      "value_as_concept_id": ID, "qualifier_concept_id": ID, "unit_concept_id": ID,
                      "unit_source_value": TXT, "qualifier_source_value": TXT}),
        RawTable("death", ("death",), {"person_id": ID, "death_date": DATE},
                 {"death_datetime": TS, "death_type_concept_id": ID, "cause_concept_id": ID,
                  "cause_source_value": TXT, "cause_source_concept_id": ID},
                 required=False, always=True),
        RawTable("concept", ("concept",),
                 {"concept_id": ID, "vocabulary_id": TXT, "concept_code": TXT},
                 {"concept_name": TXT, "domain_id": TXT, "concept_class_id": TXT, "standard_concept": TXT,
                  "valid_start_date": DATE, "valid_end_date": DATE, "invalid_reason": TXT},
                 primary_key=("concept_id",), required=False, always=True),
        RawTable("concept_ancestor", ("concept_ancestor",),
                 {"ancestor_concept_id": ID, "descendant_concept_id": ID},
                 {"min_levels_of_separation": INT, "max_levels_of_separation": INT}, required=False),
        RawTable("concept_relationship", ("concept_relationship",),
                 {"concept_id_1": ID, "concept_id_2": ID, "relationship_id": TXT},
                 {"valid_start_date": DATE, "valid_end_date": DATE, "invalid_reason": TXT}, required=False),
    ],
)
