-- Before erasure existed, "no identity row" meant unverified, which is what an erased identity
-- is to the rules; its remaining row (who submitted and reviewed it) is in the audit trail. So
-- erased rows are removed rather than given made-up personal data.
DELETE FROM guardian_consents WHERE erased_at IS NOT NULL;
ALTER TABLE guardian_consents
    DROP CONSTRAINT guardian_consents_erased_holds_no_personal_data,
    DROP COLUMN erased_at,
    ALTER COLUMN guardian_name SET NOT NULL;

DELETE FROM identities WHERE verification_state = 'erased';
ALTER TABLE identities
    DROP CONSTRAINT identities_erased_holds_no_personal_data,
    DROP CONSTRAINT identities_review_recorded,
    ADD CONSTRAINT identities_review_recorded CHECK (
        verification_state = 'pending' OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)
    ),
    DROP CONSTRAINT identities_verification_state_check,
    ADD CONSTRAINT identities_verification_state_check
        CHECK (verification_state IN ('pending', 'verified', 'rejected')),
    DROP COLUMN erased_by,
    DROP COLUMN erased_at,
    ALTER COLUMN real_name SET NOT NULL,
    ALTER COLUMN document_type SET NOT NULL,
    ALTER COLUMN document_ciphertext SET NOT NULL,
    ALTER COLUMN document_nonce SET NOT NULL,
    ALTER COLUMN document_key_id SET NOT NULL,
    ALTER COLUMN document_hmac SET NOT NULL,
    ALTER COLUMN document_number_masked SET NOT NULL,
    ALTER COLUMN date_of_birth SET NOT NULL;
