//! Finding the host, product and session of checked lines, for many lines at once: each kind of
//! reference is looked up in one statement (see [`crate::sales::lookup`]), then every line is matched
//! against the answers.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::Collect;
use crate::domain::enums::Platform;
use crate::error::{AppError, FieldError};
use crate::sales::lookup::{self, ProductFacts};
use crate::sales::validate::{HostRef, ProductRef, SaleInput};

/// A line whose references were found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub input: SaleInput,
    pub influencer_id: Uuid,
    pub product_id: Uuid,
    /// The commission rate kept on the line: the file's, else the product's now.
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
            && a.gross == b.gross
            && a.currency == b.currency
            && a.status == b.status
            && a.refunded_amount == b.refunded_amount
    }
}

/// Why a line's references did not resolve.
#[derive(Debug, Clone)]
pub enum Unresolved {
    /// The line is wrong (an unknown id, a session of another host).
    Errors(Vec<FieldError>),
    /// A platform export's row of a creator who is not a host of the agency (or of no creator
    /// at all): not an error, counted as `not_ours`.
    NotOurs {
        user_id: Option<String>,
        handle: Option<String>,
    },
    /// A platform export's row of one of the agency's hosts whose item no product maps.
    NeedsMapping {
        platform: Platform,
        item_id: Option<String>,
        sku_code: Option<String>,
        /// The line's order id, for the summary's example row.
        external_order_id: String,
    },
}

impl Unresolved {
    /// The field errors of a line that had to resolve (a single sale names its host and product
    /// by id or SKU, never as an export row does).
    pub fn into_errors(self) -> Vec<FieldError> {
        match self {
            Unresolved::Errors(errors) => errors,
            Unresolved::NotOurs { .. } => vec![FieldError::new(
                "platform_user_id",
                "not_found",
                "no host of this agency has this account",
            )],
            Unresolved::NeedsMapping { .. } => vec![FieldError::new(
                "item_id",
                "needs_mapping",
                "no product of this agency maps this platform item",
            )],
        }
    }
}

/// The agency's hosts behind the platform accounts some lines name, by user id or by handle.
pub struct Accounts {
    by_user: HashMap<(Platform, String), Uuid>,
    by_handle: HashMap<(Platform, String), Vec<Uuid>>,
}

impl Accounts {
    /// Looks up the accounts named by `users` (platform, user id) and `handles` (platform,
    /// handle).
    pub async fn load<'a>(
        conn: &mut AsyncPgConnection,
        agency_id: Uuid,
        users: impl IntoIterator<Item = (Platform, &'a str)>,
        handles: impl IntoIterator<Item = (Platform, &'a str)>,
    ) -> Result<Self, AppError> {
        Ok(Accounts {
            by_user: lookup::account_hosts(conn, agency_id, users).await?,
            by_handle: lookup::handle_hosts(conn, agency_id, handles).await?,
        })
    }

    /// Whether an export row naming this account is a row of the agency's hosts (a handle two
    /// hosts share is: its row is theirs, and an error).
    pub fn ours(
        &self,
        platform: Platform,
        user_id: Option<&String>,
        handle: Option<&String>,
    ) -> bool {
        !matches!(self.matching(platform, user_id, handle), HostMatch::NotOurs)
    }

    /// The host an export row names: by its account's user id, else its handle (one host
    /// only); a row naming no account of the agency is not ours.
    fn matching(
        &self,
        platform: Platform,
        user_id: Option<&String>,
        handle: Option<&String>,
    ) -> HostMatch {
        if let Some(user) = user_id {
            return match self.by_user.get(&(platform, user.clone())) {
                Some(host) => HostMatch::Host(*host),
                None => HostMatch::NotOurs,
            };
        }
        let Some(handle) = handle else {
            return HostMatch::NotOurs;
        };
        match self
            .by_handle
            .get(&(platform, handle.clone()))
            .map(Vec::as_slice)
        {
            None | Some([]) => HostMatch::NotOurs,
            Some([host]) => HostMatch::Host(*host),
            Some(_) => HostMatch::Error(FieldError::new(
                "host_handle",
                "ambiguous_host",
                format!(
                    "several hosts have a {platform} account named `{handle}`: give the accounts' platform user ids"
                ),
            )),
        }
    }
}

/// What the look-ups found for a set of lines.
struct Known {
    hosts: HashSet<Uuid>,
    accounts: Accounts,
    products: HashMap<Uuid, ProductFacts>,
    skus: HashMap<String, ProductFacts>,
    items: HashMap<(Platform, String, Option<String>), ProductFacts>,
    session_hosts: HashMap<Uuid, Uuid>,
}

/// How an export row names its host, once looked up.
enum HostMatch {
    Host(Uuid),
    NotOurs,
    Error(FieldError),
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
            _ => None,
        });
        let accounts = inputs.iter().filter_map(|i| match &i.host {
            HostRef::PlatformUser(user)
            | HostRef::Account {
                user_id: Some(user),
                ..
            } => Some((i.platform, user.as_str())),
            _ => None,
        });
        let handles = inputs.iter().filter_map(|i| match &i.host {
            HostRef::Account {
                user_id: None,
                handle: Some(handle),
            } => Some((i.platform, handle.as_str())),
            _ => None,
        });
        let product_ids = inputs.iter().filter_map(|i| match i.product {
            ProductRef::Id(id) => Some(id),
            _ => None,
        });
        let skus = inputs.iter().filter_map(|i| match &i.product {
            ProductRef::Sku(sku)
            | ProductRef::Item {
                sku_code: Some(sku),
                ..
            } => Some(sku.as_str()),
            _ => None,
        });
        let items = inputs.iter().filter_map(|i| match &i.product {
            ProductRef::Item {
                item_id: Some(item),
                sku_code,
            } => Some((i.platform, item.as_str(), sku_code.as_deref())),
            _ => None,
        });
        let sessions = inputs.iter().filter_map(|i| i.live_session_id);
        Ok(Known {
            hosts: lookup::known_hosts(conn, agency_id, host_ids).await?,
            accounts: Accounts::load(conn, agency_id, accounts, handles).await?,
            products: lookup::products_by_id(conn, agency_id, product_ids).await?,
            skus: lookup::products_by_sku(conn, agency_id, skus).await?,
            items: lookup::platform_item_products(conn, agency_id, items).await?,
            session_hosts: lookup::session_hosts(conn, agency_id, sessions).await?,
        })
    }

    /// The product an export row names by item id and SKU code.
    fn item(
        &self,
        platform: Platform,
        item_id: Option<&String>,
        sku_code: Option<&String>,
    ) -> Option<ProductFacts> {
        item_id
            .and_then(|item| {
                self.items
                    .get(&(platform, item.clone(), sku_code.cloned()))
                    .copied()
            })
            .or_else(|| sku_code.and_then(|sku| self.skus.get(sku).copied()))
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
                .by_user
                .get(&(input.platform, user.clone()))
                .copied()
                .ok_or_else(|| {
                    FieldError::new(
                        "platform_user_id",
                        "not_found",
                        format!("no {} account with this platform user id", input.platform),
                    )
                }),
            HostRef::Account { .. } => Err(FieldError::new(
                "platform_user_id",
                "not_found",
                "an export row's host is matched by its account",
            )),
        }
    }

    /// The product, its commission rate and archive time.
    fn product(&self, input: &SaleInput) -> Result<ProductFacts, FieldError> {
        match &input.product {
            ProductRef::Id(id) => self.products.get(id).copied().ok_or_else(|| {
                FieldError::new("product_id", "not_found", "no such product in this agency")
            }),
            ProductRef::Sku(sku) => self
                .skus
                .get(sku)
                .copied()
                .ok_or_else(|| FieldError::new("sku", "not_found", "no product with this SKU")),
            ProductRef::Item { item_id, sku_code } => self
                .item(input.platform, item_id.as_ref(), sku_code.as_ref())
                .ok_or_else(|| {
                    FieldError::new(
                        "item_id",
                        "needs_mapping",
                        "no product maps this platform item",
                    )
                }),
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

    /// Resolves one line; a product archived when the line was sold is refused, unless it is
    /// `kept` (the product a corrected line already had).
    fn resolve(&self, input: SaleInput, kept: Option<Uuid>) -> Result<Resolved, Unresolved> {
        let mut errors = Vec::new();
        let host = match &input.host {
            HostRef::Account { user_id, handle } => {
                match self
                    .accounts
                    .matching(input.platform, user_id.as_ref(), handle.as_ref())
                {
                    HostMatch::Host(host) => Some(host),
                    HostMatch::NotOurs => {
                        return Err(Unresolved::NotOurs {
                            user_id: user_id.clone(),
                            handle: handle.clone(),
                        });
                    }
                    HostMatch::Error(error) => return Err(Unresolved::Errors(vec![error])),
                }
            }
            _ => errors.check(self.host(&input)),
        };
        let found = self.product(&input);
        if let (ProductRef::Item { item_id, sku_code }, Err(_), Some(_)) =
            (&input.product, &found, host)
        {
            return Err(Unresolved::NeedsMapping {
                platform: input.platform,
                item_id: item_id.clone(),
                sku_code: sku_code.clone(),
                external_order_id: input.external_order_id,
            });
        }
        let product = errors.check(found.and_then(|facts| match facts.archived_at {
            Some(at) if input.sold_at >= at && kept != Some(facts.id) => {
                Err(archived(&input.product, at))
            }
            _ => Ok(facts),
        }));
        if let (Some(session), Some(host)) = (input.live_session_id, host)
            && let Err(error) = self.session(session, host)
        {
            errors.push(error);
        }
        match (host, product, errors.is_empty()) {
            (Some(influencer_id), Some(product), true) => Ok(Resolved {
                influencer_id,
                product_id: product.id,
                commission_percent: input
                    .commission_percent
                    .unwrap_or(product.commission_percent),
                input,
            }),
            _ => Err(Unresolved::Errors(errors)),
        }
    }
}

/// The error of a line naming a product archived at `at` or before the line was sold: an
/// archived product is not sold on new lines.
fn archived(product: &ProductRef, at: DateTime<Utc>) -> FieldError {
    let field = match product {
        ProductRef::Id(_) => "product_id",
        ProductRef::Sku(_) => "sku",
        ProductRef::Item { .. } => "item_id",
    };
    FieldError::new(
        field,
        "product_archived",
        format!(
            "the product was archived at {}: lines sold since are not accepted",
            at.to_rfc3339()
        ),
    )
}

/// Looks up the host, product and session of every line; a line whose references do not
/// hold gets why instead.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    inputs: Vec<SaleInput>,
) -> Result<Vec<Result<Resolved, Unresolved>>, AppError> {
    resolve_keeping(conn, agency_id, inputs, None).await
}

/// [`resolve`], accepting the archived product `kept` (the product a corrected line keeps).
pub async fn resolve_keeping(
    conn: &mut AsyncPgConnection,
    agency_id: Uuid,
    inputs: Vec<SaleInput>,
    kept: Option<Uuid>,
) -> Result<Vec<Result<Resolved, Unresolved>>, AppError> {
    let known = Known::load(conn, agency_id, &inputs).await?;
    Ok(inputs
        .into_iter()
        .map(|input| known.resolve(input, kept))
        .collect())
}
