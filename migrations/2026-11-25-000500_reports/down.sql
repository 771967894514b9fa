DROP TRIGGER sales_rollup_on_update ON sales;
DROP TRIGGER sales_rollup_on_insert ON sales;
DROP FUNCTION sales_rollup_apply();
DROP TABLE sales_rollup_host;
DROP TABLE sales_rollup_platform;
DROP TABLE sales_daily_host;
DROP TABLE sales_monthly_host;
DROP TABLE sales_daily_platform;
