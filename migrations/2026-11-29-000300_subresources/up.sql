-- Qualifications and contracts become mutable resources: a version for ETag/If-Match and an
-- update time. A qualification can be revoked (with a reason); a revoked one counts for nothing.
ALTER TABLE qualifications
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN revoke_reason text CHECK (revoke_reason IS NULL OR char_length(btrim(revoke_reason)) BETWEEN 1 AND 1000),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT qualifications_revocation CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL));

UPDATE qualifications SET updated_at = created_at;

CREATE TRIGGER qualifications_set_updated_at BEFORE UPDATE ON qualifications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE contracts
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

UPDATE contracts SET updated_at = created_at;

CREATE TRIGGER contracts_set_updated_at BEFORE UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Keyset pages of a host's records and of a product's tests.
CREATE INDEX contracts_influencer_idx ON contracts (agency_id, influencer_id, valid_from, id);
CREATE INDEX product_tests_product_idx ON product_tests (agency_id, product_id, tested_on, id);
