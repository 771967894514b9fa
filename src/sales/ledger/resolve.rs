//! Finding the host, product and session of checked lines, for many lines at once: each kind of
//! reference is looked up in one statement (see [`crate::sales::lookup`]), then every line is matched
//! against the answers.

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::Collect;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::sales::lookup;
use crate::sales::validate::{HostRef, ProductRef, SaleInput};

/// A line whose references were found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub input: SaleInput,
    pub influencer_id: Uuid,
    pub product_id: Uuid,
    /// The product's commission rate now, kept on the line.
    pub commission_percent: Decimal,
}

impl Resolved {
    /// Whether `other` states the same line (same references and figures).
    pub fn same_as(&self, other: &Resolved) -> bool {
        let (a, b) = (&self.input, &other.input);
        a.sold_at == b.sold_at
            && self.influencer_id == other.influencer_id
            && self.product_id == other.product_id
            && a.live_session_id == b.live_session_id
            && a.quantity == b.quantity
            && a.unit_price == b.unit_price
            && a.currency == b.currency
            && a.status == b.status
            && a.refunded_amount == b.refunded_amount
    }
}

/// What the look-ups found for a set of lines.
struct Known {
    hosts: HashSet<Uuid>,
    accounts: HashMap<(Platform, String), Uuid>,
    products: HashMap<Uuid, Decimal>,
    skus: HashMap<String, (Uuid, Decimal)>,
    session_hosts: HashMap<Uuid, Uuid>,
}

impl Known {
    async fn load(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        inputs: &[SaleInput],
    ) -> Result<Self, AppError> {
        // Each list is looked up key by key (see `lookup`); an empty one costs no statement.
        let host_ids = inputs.iter().filter_map(|i| match i.host {
            HostRef::Id(id) => Some(id),
            HostRef::PlatformUser(_) => None,
        });
        let accounts = inputs.iter().filter_map(|i| match &i.host {
            HostRef::PlatformUser(user) => Some((i.platform, user.as_str())),
            HostRef::Id(_) => None,
        });
        let product_ids = inputs.iter().filter_map(|i| match i.product {
            ProductRef::Id(id) => Some(id),
            ProductRef::Sku(_) => None,
        });
        let skus = inputs.iter().filter_map(|i| match &i.product {
            ProductRef::Sku(sku) => Some(sku.as_str()),
            ProductRef::Id(_) => None,
        });
        let sessions = inputs.iter().filter_map(|i| i.live_session_id);
        Ok(Known {
            hosts: lookup::known_hosts(conn, agency_id, host_ids).await?,
            accounts: lookup::account_hosts(conn, agency_id, accounts).await?,
            products: lookup::products_by_id(conn, agency_id, product_ids).await?,
            skus: lookup::products_by_sku(conn, agency_id, skus).await?,
            session_hosts: lookup::session_hosts(conn, agency_id, sessions).await?,
        })
    }

    fn host(&self, input: &SaleInput) -> Result<Uuid, FieldError> {
        match &input.host {
            HostRef::Id(id) if self.hosts.contains(id) => Ok(*id),
            HostRef::Id(_) => Err(FieldError::new(
                "influencer_id",
                "not_found",
                "no such host in this agency",
            )),
            HostRef::PlatformUser(user) => self
                .accounts
                .get(&(input.platform, user.clone()))
                .copied()
                .ok_or_else(|| {
                    FieldError::new(
                        "platform_user_id",
                        "not_found",
                        format!("no {} account with this platform user id", input.platform),
                    )
                }),
        }
    }

    /// The product and its commission rate.
    fn product(&self, input: &SaleInput) -> Result<(Uuid, Decimal), FieldError> {
        match &input.product {
            ProductRef::Id(id) => self
                .products
                .get(id)
                .map(|rate| (*id, *rate))
                .ok_or_else(|| {
                    FieldError::new("product_id", "not_found", "no such product in this agency")
                }),
            ProductRef::Sku(sku) => self
                .skus
                .get(sku)
                .copied()
                .ok_or_else(|| FieldError::new("sku", "not_found", "no product with this SKU")),
        }
    }

    /// Checks that the line's session (if any) is the host's.
    fn session(&self, session: Uuid, host: Uuid) -> Result<(), FieldError> {
        match self.session_hosts.get(&session) {
            Some(owner) if *owner == host => Ok(()),
            Some(_) => Err(FieldError::new(
                "live_session_id",
                "not_this_host",
                "the session is another host's",
            )),
            None => Err(FieldError::new(
                "live_session_id",
                "not_found",
                "no such session in this agency",
            )),
        }
    }

    fn resolve(&self, input: SaleInput) -> Result<Resolved, Vec<FieldError>> {
        let mut errors = Vec::new();
        let host = errors.check(self.host(&input));
        let product = errors.check(self.product(&input));
        if let (Some(session), Some(host)) = (input.live_session_id, host)
            && let Err(error) = self.session(session, host)
        {
            errors.push(error);
        }
        match (host, product, errors.is_empty()) {
            (Some(influencer_id), Some((product_id, commission_percent)), true) => Ok(Resolved {
                input,
                influencer_id,
                product_id,
                commission_percent,
            }),
            _ => Err(errors),
        }
    }
}

/// Looks up the host, product and session of every line; a line whose references do not
/// hold gets its field errors instead.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    inputs: Vec<SaleInput>,
) -> Result<Vec<Result<Resolved, Vec<FieldError>>>, AppError> {
    let known = Known::load(conn, agency_id, &inputs).await?;
    Ok(inputs
        .into_iter()
        .map(|input| known.resolve(input))
        .collect())
}
