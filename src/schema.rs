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
    login_throttle (key) {
        key -> Text,
        window_started_at -> Timestamptz,
        failures -> Int4,
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
diesel::joinable!(refresh_tokens -> agencies (agency_id));
diesel::joinable!(users -> agencies (agency_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    audit_events,
    login_throttle,
    refresh_tokens,
    users,
);
