// @generated automatically by Diesel CLI.

diesel::table! {
    agencies (id) {
        id -> Uuid,
        name -> Text,
        time_zone -> Text,
        #[max_length = 3]
        default_currency -> Bpchar,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Uuid>,
        request_id -> Nullable<Text>,
        changes -> Jsonb,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    contracts (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        agency_share_percent -> Numeric,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    guardian_consents (agency_id, influencer_id) {
        agency_id -> Uuid,
        influencer_id -> Uuid,
        guardian_name -> Text,
        relation -> Text,
        consented_on -> Date,
        document_ref -> Nullable<Text>,
        recorded_by -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    identities (agency_id, influencer_id) {
        agency_id -> Uuid,
        influencer_id -> Uuid,
        is_host_self -> Bool,
        real_name -> Text,
        document_type -> Text,
        document_ciphertext -> Bytea,
        document_nonce -> Bytea,
        document_key_id -> Text,
        document_hmac -> Bytea,
        document_number_masked -> Text,
        date_of_birth -> Date,
        verification_state -> Text,
        submitted_by -> Uuid,
        submitted_at -> Timestamptz,
        reviewed_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        rejection_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    influencers (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        stage_name -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        status_changed_at -> Nullable<Timestamptz>,
        languages -> Array<Nullable<Text>>,
        notes -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    legal_entities (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        entity_type -> Text,
        name -> Text,
        #[max_length = 18]
        credit_code -> Bpchar,
        tax_registered_on -> Nullable<Date>,
        status -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        window_started_at -> Timestamptz,
        failures -> Int4,
    }
}

diesel::table! {
    platform_accounts (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        platform -> Text,
        handle -> Text,
        platform_user_id -> Text,
        followers -> Int8,
        verified -> Bool,
        status -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    qualifications (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        field -> Text,
        certificate_number -> Text,
        issuer -> Text,
        valid_from -> Date,
        valid_until -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        agency_id -> Uuid,
        email -> Citext,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        active -> Bool,
        auth_version -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deactivated_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(audit_events -> agencies (agency_id));
diesel::joinable!(influencers -> agencies (agency_id));
diesel::joinable!(refresh_tokens -> agencies (agency_id));
diesel::joinable!(users -> agencies (agency_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    audit_events,
    contracts,
    guardian_consents,
    identities,
    influencers,
    legal_entities,
    login_throttle,
    platform_accounts,
    qualifications,
    refresh_tokens,
    users,
);
