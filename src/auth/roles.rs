//! Staff roles and what each may do (DESIGN.md, "Tenancy and access").

use crate::text_enum;

text_enum! {
    /// A staff member's role within their agency.
    pub enum Role {
        Owner => "owner",
        Admin => "admin",
        Manager => "manager",
        Compliance => "compliance",
        Finance => "finance",
        Analyst => "analyst",
    }
}

/// Something a handler needs the caller to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Read anything of the agency (every role).
    Read,
    /// Write influencers, products, sessions and sales.
    WriteData,
    /// Verify identities, review sessions, recall products.
    Verify,
    /// Create, change and deactivate staff accounts.
    ManageUsers,
    /// Read the audit trail.
    ReadAudit,
    /// Suspend or reinstate a host at once (e.g. a tax investigation).
    Suspend,
    /// Read a host's full personal data, the document number decrypted (the read is audited).
    ReadPersonalData,
    /// Erase a host's personal data on request.
    ErasePersonalData,
    /// Generate, approve and pay settlement statements; record invoices.
    Settle,
    /// Read real names and ID numbers in the tax registers (the read is audited).
    ReadTaxIdentity,
    /// Change the agency's settings and its webhook subscriptions.
    ManageAgency,
}

impl Capability {
    pub fn describe(self) -> &'static str {
        match self {
            Capability::Read => "read agency data",
            Capability::WriteData => "change roster, catalogue, sessions or sales",
            Capability::Verify => "verify identities, review sessions or recall products",
            Capability::ManageUsers => "manage staff accounts",
            Capability::ReadAudit => "read the audit trail",
            Capability::Suspend => "suspend or reinstate hosts",
            Capability::ReadPersonalData => "read a host's full personal data",
            Capability::ErasePersonalData => "erase a host's personal data",
            Capability::Settle => "generate, approve or pay statements",
            Capability::ReadTaxIdentity => "read real names and ID numbers in the tax registers",
            Capability::ManageAgency => "change the agency's settings or webhooks",
        }
    }
}

impl Role {
    pub fn can(self, capability: Capability) -> bool {
        use Capability as C;
        use Role as R;
        match capability {
            C::Read => true,
            C::WriteData => matches!(self, R::Owner | R::Admin | R::Manager),
            C::Verify => matches!(self, R::Owner | R::Admin | R::Compliance),
            C::ManageUsers => matches!(self, R::Owner | R::Admin),
            C::ReadAudit => matches!(self, R::Owner | R::Admin | R::Compliance),
            C::Suspend => matches!(self, R::Owner | R::Admin | R::Manager | R::Compliance),
            C::ReadPersonalData => matches!(self, R::Owner | R::Admin | R::Compliance),
            // An irreversible act on a person's data: the account holder or the compliance
            // officer, not every administrator.
            C::ErasePersonalData => matches!(self, R::Owner | R::Compliance),
            C::Settle => matches!(self, R::Owner | R::Admin | R::Finance),
            C::ReadTaxIdentity => matches!(self, R::Owner | R::Admin | R::Compliance | R::Finance),
            C::ManageAgency => matches!(self, R::Owner | R::Admin),
        }
    }
}

impl Role {
    /// Owner, admin and compliance read a host's full personal data (the date of birth
    /// included); manager and analyst see masked numbers and an age.
    pub fn reads_personal_data(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Compliance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_of_the_design() {
        let table = [
            (
                Role::Owner,
                [
                    true, true, true, true, true, true, true, true, true, true, true,
                ],
            ),
            (
                Role::Admin,
                [
                    true, true, true, true, true, true, true, false, true, true, true,
                ],
            ),
            (
                Role::Manager,
                [
                    true, true, false, false, false, true, false, false, false, false, false,
                ],
            ),
            (
                Role::Compliance,
                [
                    true, false, true, false, true, true, true, true, false, true, false,
                ],
            ),
            (
                Role::Finance,
                [
                    true, false, false, false, false, false, false, false, true, true, false,
                ],
            ),
            (
                Role::Analyst,
                [
                    true, false, false, false, false, false, false, false, false, false, false,
                ],
            ),
        ];
        let capabilities = [
            Capability::Read,
            Capability::WriteData,
            Capability::Verify,
            Capability::ManageUsers,
            Capability::ReadAudit,
            Capability::Suspend,
            Capability::ReadPersonalData,
            Capability::ErasePersonalData,
            Capability::Settle,
            Capability::ReadTaxIdentity,
            Capability::ManageAgency,
        ];
        for (role, allowed) in table {
            for (capability, expected) in capabilities.iter().zip(allowed) {
                assert_eq!(role.can(*capability), expected, "{role} {capability:?}");
            }
        }
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("compliance".parse::<Role>().unwrap(), Role::Compliance);
        assert!("Owner".parse::<Role>().is_err());
    }
}
