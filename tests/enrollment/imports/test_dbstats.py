"""When a bulk write refreshes a table's planner statistics: autovacuum's rule, applied at once."""

from enrollment.dbstats import needs_analyze


def test_a_table_never_analyzed_is_analyzed_after_any_write():
    assert needs_analyze(written=1, estimated_rows=-1)


def test_nothing_written_never_analyzes():
    assert not needs_analyze(written=0, estimated_rows=-1)
    assert not needs_analyze(written=0, estimated_rows=0)


def test_fifty_rows_plus_ten_percent_of_the_estimate():
    assert needs_analyze(written=50, estimated_rows=0)
    assert not needs_analyze(written=49, estimated_rows=0)
    assert needs_analyze(written=100_050, estimated_rows=1_000_000)
    assert not needs_analyze(written=100_049, estimated_rows=1_000_000)
