DROP TABLE refunds;
DROP TABLE sales;
DROP FUNCTION ledger_no_delete();
DROP TABLE import_batches;
ALTER TABLE live_sessions DROP CONSTRAINT live_sessions_host_key;
