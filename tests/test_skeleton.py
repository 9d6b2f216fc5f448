"""The SQL-file layer and the lake's basics."""

import pytest

from medlake.errors import SqlFileError
from medlake.sqlfiles import parse_sql_text, qualify, render


def test_header_and_named_statements():
    f = parse_sql_text("/* medlake\nname: x\nkind: demo\n*/\n-- name: a\nSELECT 1;\n-- name: b\nSELECT * FROM visits;\n")
    assert f.header == {"name": "x", "kind": "demo"}
    assert [s.name for s in f.statements] == ["a", "b"]


def test_bad_header_is_a_named_error():
    with pytest.raises(SqlFileError, match="x.sql"):
        parse_sql_text("/* medlake\nname: [unclosed\n*/ SELECT 1", "x.sql")


def test_qualify_leaves_ctes_and_other_schemas_alone():
    f = parse_sql_text("WITH v AS (SELECT * FROM visits) SELECT * FROM v JOIN raw.x ON true JOIN vocab.maps ON true")
    out = render(qualify(f.statements[0].tree, {None: "mimic3", "raw": "mimic3_raw"}))
    assert '"mimic3".visits' in out or '"mimic3"."visits"' in out
    assert '"mimic3_raw".x' in out or '"mimic3_raw"."x"' in out
    assert "vocab.maps" in out
    assert "FROM v " in out
