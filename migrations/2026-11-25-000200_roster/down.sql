DROP TABLE contracts;
DROP TABLE platform_accounts;
DROP TABLE qualifications;
DROP TABLE legal_entities;
DROP TABLE guardian_consents;
DROP TABLE identities;
DROP TABLE influencers;
