DROP TABLE idempotency_keys;
DROP TABLE session_reviews;
DROP TABLE session_products;
DROP TABLE live_sessions;
DROP TABLE product_tests;
DROP TABLE products;
