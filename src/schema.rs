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
