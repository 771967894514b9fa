-- Erasure of a host's personal data (crypto-shredding): an erased identity keeps who submitted
-- and reviewed it and when, and nothing else about the person. Its name, document (ciphertext,
-- nonce, key id, keyed fingerprint, mask, type) and date of birth are removed, so nothing is left
-- that a key could open or a fingerprint could match. A guardian consent loses the guardian's name
-- and document reference the same way.

ALTER TABLE identities
    ALTER COLUMN real_name DROP NOT NULL,
    ALTER COLUMN document_type DROP NOT NULL,
    ALTER COLUMN document_ciphertext DROP NOT NULL,
    ALTER COLUMN document_nonce DROP NOT NULL,
    ALTER COLUMN document_key_id DROP NOT NULL,
    ALTER COLUMN document_hmac DROP NOT NULL,
    ALTER COLUMN document_number_masked DROP NOT NULL,
    ALTER COLUMN date_of_birth DROP NOT NULL,
    ADD COLUMN erased_at timestamptz,
    ADD COLUMN erased_by uuid,
    ADD FOREIGN KEY (agency_id, erased_by) REFERENCES users (agency_id, id),
    DROP CONSTRAINT identities_verification_state_check,
    ADD CONSTRAINT identities_verification_state_check
        CHECK (verification_state IN ('pending', 'verified', 'rejected', 'erased')),
    -- An erased identity was maybe never reviewed.
    DROP CONSTRAINT identities_review_recorded,
    ADD CONSTRAINT identities_review_recorded CHECK (
        verification_state IN ('pending', 'erased')
        OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)
    ),
    -- Erased: every personal field gone, and who erased it when. Otherwise: all of them present.
    ADD CONSTRAINT identities_erased_holds_no_personal_data CHECK (
        CASE WHEN verification_state = 'erased' THEN
            num_nulls(real_name, document_type, document_ciphertext, document_nonce,
                      document_key_id, document_hmac, document_number_masked, date_of_birth,
                      rejection_reason) = 9
            AND erased_at IS NOT NULL AND erased_by IS NOT NULL
        ELSE
            num_nonnulls(real_name, document_type, document_ciphertext, document_nonce,
                         document_key_id, document_hmac, document_number_masked,
                         date_of_birth) = 8
            AND erased_at IS NULL AND erased_by IS NULL
        END
    );

ALTER TABLE guardian_consents
    ALTER COLUMN guardian_name DROP NOT NULL,
    ADD COLUMN erased_at timestamptz,
    ADD CONSTRAINT guardian_consents_erased_holds_no_personal_data CHECK (
        CASE WHEN erased_at IS NOT NULL THEN guardian_name IS NULL AND document_ref IS NULL
        ELSE guardian_name IS NOT NULL END
    );
