DROP INDEX product_tests_product_idx;
DROP INDEX contracts_influencer_idx;

DROP TRIGGER contracts_set_updated_at ON contracts;
ALTER TABLE contracts
    DROP COLUMN updated_at,
    DROP COLUMN version;

DROP TRIGGER qualifications_set_updated_at ON qualifications;
ALTER TABLE qualifications
    DROP CONSTRAINT qualifications_revocation,
    DROP COLUMN updated_at,
    DROP COLUMN version,
    DROP COLUMN revoke_reason,
    DROP COLUMN revoked_at;
