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
    calendar_feeds (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    compliance_dirty (agency_id, seq) {
        agency_id -> Uuid,
        seq -> Int8,
        influencer_id -> Uuid,
    }
}

diesel::table! {
    compliance_finding_states (agency_id, issue_id) {
        agency_id -> Uuid,
        issue_id -> Uuid,
        influencer_id -> Uuid,
        code -> Text,
        state -> Text,
        note -> Text,
        acted_by -> Uuid,
        acted_at -> Timestamptz,
    }
}

diesel::table! {
    compliance_issues (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        session_id -> Nullable<Uuid>,
        kind -> Text,
        code -> Text,
        message -> Text,
        blocks -> Text,
    }
}

diesel::table! {
    compliance_refresh (agency_id) {
        agency_id -> Uuid,
        evaluated_on -> Nullable<Date>,
        time_zone -> Text,
        valid_days -> Int4,
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
        version -> Int4,
        updated_at -> Timestamptz,
        income_type -> Text,
    }
}

diesel::table! {
    guardian_consents (agency_id, influencer_id) {
        agency_id -> Uuid,
        influencer_id -> Uuid,
        guardian_name -> Nullable<Text>,
        relation -> Text,
        consented_on -> Date,
        document_ref -> Nullable<Text>,
        recorded_by -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (agency_id, user_id, key) {
        agency_id -> Uuid,
        user_id -> Uuid,
        key -> Text,
        fingerprint -> Bytea,
        status_code -> Nullable<Int2>,
        response_body -> Nullable<Text>,
        location -> Nullable<Text>,
        started_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    identities (agency_id, influencer_id) {
        agency_id -> Uuid,
        influencer_id -> Uuid,
        is_host_self -> Bool,
        real_name -> Nullable<Text>,
        document_type -> Nullable<Text>,
        document_ciphertext -> Nullable<Bytea>,
        document_nonce -> Nullable<Bytea>,
        document_key_id -> Nullable<Text>,
        document_hmac -> Nullable<Bytea>,
        document_number_masked -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        verification_state -> Text,
        submitted_by -> Uuid,
        submitted_at -> Timestamptz,
        reviewed_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        rejection_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
        erased_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    import_batches (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        uploaded_by -> Uuid,
        file_name -> Nullable<Text>,
        content_type -> Text,
        sha256 -> Bytea,
        size_bytes -> Int8,
        on_error -> Text,
        outcome -> Text,
        rows_total -> Int4,
        inserted -> Int4,
        updated -> Int4,
        duplicates -> Int4,
        rejected -> Int4,
        errors -> Jsonb,
        created_at -> Timestamptz,
        format -> Text,
        mapping_id -> Nullable<Uuid>,
        conflicts -> Int4,
        not_ours -> Int4,
        not_paid -> Int4,
        needs_mapping -> Int4,
        summary -> Jsonb,
    }
}

diesel::table! {
    import_mappings (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        name -> Text,
        platform -> Text,
        column_map -> Jsonb,
        status_values -> Jsonb,
        amount_unit -> Text,
        time_zone -> Text,
        based_on -> Nullable<Text>,
        created_by -> Uuid,
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
    live_sessions (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        platform_account_id -> Uuid,
        title -> Text,
        scheduled_start -> Timestamptz,
        scheduled_end -> Timestamptz,
        language -> Text,
        venue_type -> Nullable<Text>,
        venue_city -> Nullable<Text>,
        venue_city_tier -> Nullable<Int2>,
        ai_label -> Bool,
        replay_url -> Nullable<Text>,
        state -> Text,
        actual_start -> Nullable<Timestamptz>,
        actual_end -> Nullable<Timestamptz>,
        cancel_reason -> Nullable<Text>,
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
    payouts (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        statement_id -> Uuid,
        influencer_id -> Uuid,
        income_type -> Text,
        legal_entity_id -> Nullable<Uuid>,
        paid_on -> Date,
        tax_month -> Date,
        #[max_length = 3]
        currency -> Bpchar,
        payee_account -> Text,
        payee_name -> Text,
        third_party -> Bool,
        bank_reference -> Text,
        gross -> Numeric,
        taxable -> Numeric,
        tax_withheld -> Numeric,
        net -> Numeric,
        tax_table_id -> Nullable<Text>,
        paid_by -> Uuid,
        created_at -> Timestamptz,
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
    product_platform_items (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        product_id -> Uuid,
        platform -> Text,
        item_id -> Text,
        sku_code -> Nullable<Text>,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    product_tests (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        product_id -> Uuid,
        influencer_id -> Uuid,
        tested_on -> Date,
        result -> Text,
        notes -> Nullable<Text>,
        evidence_url -> Nullable<Text>,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    products (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        sku -> Text,
        name -> Text,
        brand -> Nullable<Text>,
        category -> Nullable<Text>,
        list_price -> Numeric,
        #[max_length = 3]
        currency -> Bpchar,
        commission_percent -> Numeric,
        regulated_field -> Nullable<Text>,
        recalled_at -> Nullable<Timestamptz>,
        recall_reason -> Nullable<Text>,
        recalled_by -> Nullable<Uuid>,
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
        revoked_at -> Nullable<Timestamptz>,
        revoke_reason -> Nullable<Text>,
        version -> Int4,
        updated_at -> Timestamptz,
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
    refunds (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        sale_id -> Uuid,
        amount -> Numeric,
        reason -> Nullable<Text>,
        recorded_by -> Uuid,
        import_batch_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sales (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        platform -> Text,
        external_order_id -> Text,
        sold_at -> Timestamptz,
        influencer_id -> Uuid,
        live_session_id -> Nullable<Uuid>,
        product_id -> Uuid,
        quantity -> Int4,
        unit_price -> Numeric,
        #[max_length = 3]
        currency -> Bpchar,
        gross -> Numeric,
        commission_percent -> Numeric,
        status -> Text,
        refunded_amount -> Numeric,
        import_batch_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sales_daily_host (agency_id, day, influencer_id, currency) {
        agency_id -> Uuid,
        day -> Date,
        influencer_id -> Uuid,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
        gross_commission -> Numeric,
        refunded_commission -> Numeric,
    }
}

diesel::table! {
    sales_daily_platform (agency_id, day, platform, currency) {
        agency_id -> Uuid,
        day -> Date,
        platform -> Text,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
    }
}

diesel::table! {
    sales_monthly_host (agency_id, month, influencer_id, currency) {
        agency_id -> Uuid,
        month -> Date,
        influencer_id -> Uuid,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
        gross_commission -> Numeric,
        refunded_commission -> Numeric,
    }
}

diesel::table! {
    sales_rollup_delta (agency_id, id) {
        agency_id -> Uuid,
        id -> Int8,
        bucket -> Timestamptz,
        day -> Date,
        influencer_id -> Uuid,
        platform -> Text,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
        gross_commission -> Numeric,
        refunded_commission -> Numeric,
    }
}

diesel::table! {
    sales_rollup_host (agency_id, bucket, influencer_id, platform, currency) {
        agency_id -> Uuid,
        bucket -> Timestamptz,
        influencer_id -> Uuid,
        platform -> Text,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
        gross_commission -> Numeric,
        refunded_commission -> Numeric,
    }
}

diesel::table! {
    sales_rollup_platform (agency_id, bucket, platform, currency) {
        agency_id -> Uuid,
        bucket -> Timestamptz,
        platform -> Text,
        #[max_length = 3]
        currency -> Bpchar,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
    }
}

diesel::table! {
    session_products (agency_id, session_id, position) {
        agency_id -> Uuid,
        session_id -> Uuid,
        position -> Int2,
        product_id -> Uuid,
        planned_price -> Nullable<Numeric>,
    }
}

diesel::table! {
    session_reviews (agency_id, session_id) {
        agency_id -> Uuid,
        session_id -> Uuid,
        mandarin_spoken -> Bool,
        dress_code_ok -> Bool,
        incidents -> Jsonb,
        reviewed_by -> Uuid,
        reviewed_at -> Timestamptz,
    }
}

diesel::table! {
    statement_adjustments (agency_id, id) {
        agency_id -> Uuid,
        id -> Int8,
        influencer_id -> Uuid,
        sale_id -> Uuid,
        source_statement_id -> Uuid,
        sale_day -> Date,
        #[max_length = 3]
        currency -> Bpchar,
        net_delta -> Numeric,
        commission_basis_delta -> Numeric,
        kind -> Text,
        statement_id -> Nullable<Uuid>,
        commission -> Nullable<Numeric>,
        host_share -> Nullable<Numeric>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    statement_carries (agency_id, from_statement_id) {
        agency_id -> Uuid,
        from_statement_id -> Uuid,
        statement_id -> Uuid,
        amount -> Numeric,
    }
}

diesel::table! {
    statement_invoices (agency_id, statement_id) {
        agency_id -> Uuid,
        statement_id -> Uuid,
        legal_entity_id -> Uuid,
        number -> Text,
        issued_on -> Date,
        #[max_length = 18]
        seller_credit_code -> Bpchar,
        amount_before_vat -> Numeric,
        vat_rate_percent -> Numeric,
        vat_amount -> Numeric,
        total -> Numeric,
        recorded_by -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    statement_lines (agency_id, statement_id, line_no) {
        agency_id -> Uuid,
        statement_id -> Uuid,
        line_no -> Int4,
        platform -> Text,
        product_id -> Uuid,
        agency_share_percent -> Nullable<Numeric>,
        orders -> Int8,
        units -> Int8,
        gross -> Numeric,
        refunded -> Numeric,
        net -> Numeric,
        commission -> Numeric,
        host_share -> Nullable<Numeric>,
    }
}

diesel::table! {
    statements (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        influencer_id -> Uuid,
        month -> Date,
        time_zone -> Text,
        period_start -> Timestamptz,
        period_end -> Timestamptz,
        #[max_length = 3]
        currency -> Bpchar,
        income_type -> Text,
        legal_entity_id -> Nullable<Uuid>,
        state -> Text,
        net_gmv -> Numeric,
        commission -> Numeric,
        agency_share -> Numeric,
        host_share -> Numeric,
        adjustments_total -> Numeric,
        carried_forward -> Numeric,
        payable -> Numeric,
        contract_missing -> Bool,
        other_currency_lines -> Int8,
        stale -> Bool,
        generated_by -> Uuid,
        generated_at -> Timestamptz,
        approved_by -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tax_brackets (table_id, position) {
        table_id -> Text,
        position -> Int4,
        up_to -> Nullable<Numeric>,
        rate_percent -> Numeric,
        quick_deduction -> Numeric,
    }
}

diesel::table! {
    tax_rate_tables (id) {
        id -> Text,
        income_type -> Text,
        effective_from -> Date,
        effective_until -> Nullable<Date>,
        fixed_deduction -> Nullable<Numeric>,
        fixed_deduction_up_to -> Nullable<Numeric>,
        percent_deduction -> Nullable<Numeric>,
        monthly_deduction -> Nullable<Numeric>,
        source -> Text,
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

diesel::table! {
    webhook_attempts (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
        manual -> Bool,
    }
}

diesel::table! {
    webhook_deliveries (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Uuid,
        event_seq -> Int8,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_events (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        seq -> Int8,
        #[sql_name = "type"]
        type_ -> Text,
        data -> Jsonb,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    webhooks (agency_id, id) {
        agency_id -> Uuid,
        id -> Uuid,
        url -> Text,
        events -> Array<Nullable<Text>>,
        active -> Bool,
        secret_ciphertext -> Bytea,
        secret_nonce -> Bytea,
        secret_key_id -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(audit_events -> agencies (agency_id));
diesel::joinable!(calendar_feeds -> agencies (agency_id));
diesel::joinable!(compliance_finding_states -> agencies (agency_id));
diesel::joinable!(compliance_issues -> agencies (agency_id));
diesel::joinable!(compliance_refresh -> agencies (agency_id));
diesel::joinable!(import_batches -> agencies (agency_id));
diesel::joinable!(import_mappings -> agencies (agency_id));
diesel::joinable!(influencers -> agencies (agency_id));
diesel::joinable!(payouts -> tax_rate_tables (tax_table_id));
diesel::joinable!(products -> agencies (agency_id));
diesel::joinable!(refresh_tokens -> agencies (agency_id));
diesel::joinable!(statements -> agencies (agency_id));
diesel::joinable!(tax_brackets -> tax_rate_tables (table_id));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(webhook_events -> agencies (agency_id));
diesel::joinable!(webhooks -> agencies (agency_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    audit_events,
    calendar_feeds,
    compliance_dirty,
    compliance_finding_states,
    compliance_issues,
    compliance_refresh,
    contracts,
    guardian_consents,
    idempotency_keys,
    identities,
    import_batches,
    import_mappings,
    influencers,
    legal_entities,
    live_sessions,
    login_throttle,
    payouts,
    platform_accounts,
    product_platform_items,
    product_tests,
    products,
    qualifications,
    refresh_tokens,
    refunds,
    sales,
    sales_daily_host,
    sales_daily_platform,
    sales_monthly_host,
    sales_rollup_delta,
    sales_rollup_host,
    sales_rollup_platform,
    session_products,
    session_reviews,
    statement_adjustments,
    statement_carries,
    statement_invoices,
    statement_lines,
    statements,
    tax_brackets,
    tax_rate_tables,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhooks,
);
