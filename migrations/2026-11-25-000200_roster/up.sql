-- The roster: hosts and everything the rules ask the agency to know about them.

CREATE TABLE influencers (
    agency_id uuid NOT NULL REFERENCES agencies (id),
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('human', 'virtual', 'brand')),
    stage_name text NOT NULL CHECK (char_length(btrim(stage_name)) BETWEEN 1 AND 100),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'terminated')),
    status_reason text CHECK (status_reason IS NULL OR char_length(status_reason) <= 1000),
    status_changed_at timestamptz,
    languages text[] NOT NULL DEFAULT '{}',
    notes text CHECK (notes IS NULL OR char_length(notes) <= 5000),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    -- A suspended or terminated host always says why.
    CONSTRAINT influencers_status_reason CHECK (status = 'active' OR status_reason IS NOT NULL)
);

CREATE INDEX influencers_status_idx ON influencers (agency_id, status, id);
CREATE TRIGGER influencers_set_updated_at BEFORE UPDATE ON influencers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Real-name identity of a human host, or of the responsible person of a virtual or brand host.
-- The document number is stored only encrypted (AES-256-GCM, key id kept for rotation), with a
-- keyed hash for duplicate look-ups and a mask for display.
CREATE TABLE identities (
    agency_id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    -- true when the identity is the host's own (human host): one person, one host per agency.
    is_host_self boolean NOT NULL,
    real_name text NOT NULL CHECK (char_length(btrim(real_name)) BETWEEN 1 AND 100),
    document_type text NOT NULL
        CHECK (document_type IN ('cn_resident_id', 'passport', 'hk_macau_permit', 'taiwan_permit')),
    document_ciphertext bytea NOT NULL,
    document_nonce bytea NOT NULL CHECK (octet_length(document_nonce) = 12),
    document_key_id text NOT NULL,
    document_hmac bytea NOT NULL CHECK (octet_length(document_hmac) = 32),
    document_number_masked text NOT NULL,
    date_of_birth date NOT NULL,
    verification_state text NOT NULL DEFAULT 'pending'
        CHECK (verification_state IN ('pending', 'verified', 'rejected')),
    submitted_by uuid NOT NULL,
    submitted_at timestamptz NOT NULL,
    reviewed_by uuid,
    reviewed_at timestamptz,
    rejection_reason text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, influencer_id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, submitted_by) REFERENCES users (agency_id, id),
    FOREIGN KEY (agency_id, reviewed_by) REFERENCES users (agency_id, id),
    -- Four eyes, guaranteed: whoever submitted cannot be the one who verified.
    CONSTRAINT identities_four_eyes CHECK (
        verification_state <> 'verified' OR reviewed_by IS DISTINCT FROM submitted_by
    ),
    CONSTRAINT identities_review_recorded CHECK (
        verification_state = 'pending' OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)
    )
);

CREATE UNIQUE INDEX identities_one_person_one_host ON identities (agency_id, document_hmac)
    WHERE is_host_self;
CREATE TRIGGER identities_set_updated_at BEFORE UPDATE ON identities
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A guardian's consent, needed while a host is 16 or 17.
CREATE TABLE guardian_consents (
    agency_id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    guardian_name text NOT NULL CHECK (char_length(btrim(guardian_name)) BETWEEN 1 AND 100),
    relation text NOT NULL CHECK (char_length(btrim(relation)) BETWEEN 1 AND 50),
    consented_on date NOT NULL,
    document_ref text CHECK (document_ref IS NULL OR char_length(document_ref) <= 200),
    recorded_by uuid NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, influencer_id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    FOREIGN KEY (agency_id, recorded_by) REFERENCES users (agency_id, id)
);

CREATE TRIGGER guardian_consents_set_updated_at BEFORE UPDATE ON guardian_consents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The host's legal entity (or a virtual/brand host's operator).
CREATE TABLE legal_entities (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    entity_type text NOT NULL
        CHECK (entity_type IN ('individual_business', 'sole_proprietorship', 'company')),
    name text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    credit_code char(18) NOT NULL CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    tax_registered_on date,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deregistered')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT legal_entities_credit_code_key UNIQUE (agency_id, credit_code),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id)
);

CREATE INDEX legal_entities_influencer_idx ON legal_entities (agency_id, influencer_id);
CREATE TRIGGER legal_entities_set_updated_at BEFORE UPDATE ON legal_entities
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Qualifications for regulated fields.
CREATE TABLE qualifications (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    field text NOT NULL CHECK (field IN ('medicine', 'health', 'finance', 'law', 'education')),
    certificate_number text NOT NULL CHECK (char_length(btrim(certificate_number)) BETWEEN 1 AND 100),
    issuer text NOT NULL CHECK (char_length(btrim(issuer)) BETWEEN 1 AND 200),
    valid_from date NOT NULL,
    valid_until date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT qualifications_certificate_key UNIQUE (agency_id, influencer_id, field, certificate_number),
    CONSTRAINT qualifications_validity CHECK (valid_until >= valid_from),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id)
);

CREATE INDEX qualifications_influencer_idx ON qualifications (agency_id, influencer_id);

-- The host's accounts on the platforms.
CREATE TABLE platform_accounts (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    platform text NOT NULL CHECK (platform IN ('douyin', 'kuaishou', 'taobao', 'tmall', 'jd',
        'pinduoduo', 'xiaohongshu', 'bilibili', 'wechat_channels', 'weibo', 'tiktok', 'other')),
    handle text NOT NULL CHECK (char_length(btrim(handle)) BETWEEN 1 AND 100),
    platform_user_id text NOT NULL CHECK (char_length(btrim(platform_user_id)) BETWEEN 1 AND 100),
    followers bigint NOT NULL DEFAULT 0 CHECK (followers >= 0),
    verified boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    CONSTRAINT platform_accounts_platform_user_key UNIQUE (agency_id, platform, platform_user_id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id)
);

CREATE INDEX platform_accounts_influencer_idx ON platform_accounts (agency_id, influencer_id);
CREATE TRIGGER platform_accounts_set_updated_at BEFORE UPDATE ON platform_accounts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Contracts between host and agency; one host's contracts never overlap. Dates are inclusive;
-- no end date means open-ended.
CREATE TABLE contracts (
    agency_id uuid NOT NULL,
    id uuid NOT NULL,
    influencer_id uuid NOT NULL,
    valid_from date NOT NULL,
    valid_until date,
    agency_share_percent numeric(5, 2) NOT NULL
        CHECK (agency_share_percent >= 0 AND agency_share_percent <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, id),
    FOREIGN KEY (agency_id, influencer_id) REFERENCES influencers (agency_id, id),
    CONSTRAINT contracts_validity CHECK (valid_until IS NULL OR valid_until >= valid_from),
    CONSTRAINT contracts_no_overlap EXCLUDE USING gist (
        agency_id WITH =,
        influencer_id WITH =,
        daterange(valid_from, valid_until, '[]') WITH &&
    )
);
