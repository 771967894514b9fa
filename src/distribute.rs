//! `mcn distribute`: lays the schema out over a Citus cluster. The migrations stay plain
//! PostgreSQL; this command, run after them (and again after every later migration), tells Citus
//! how each table is placed:
//!
//! - the small global tables every agency reads (`agencies`, `users`, the tax rate tables) become
//!   reference tables, copied to every node;
//! - every tenant table (one with an `agency_id` column) is distributed by `agency_id`, all in one
//!   colocation group, so that one agency's rows of every table live on the same node and every
//!   query of one agency is a single-shard query;
//! - `login_throttle` (written by every failed login) and diesel's migration list stay local to
//!   the coordinator: a reference table would make each such write a two-phase commit to every
//!   node;
//! - the functions in [`DELEGATED_FUNCTIONS`] (the statement lock) run on the node of the agency
//!   they are given, where the ledger's triggers run.
//!
//! On plain PostgreSQL (no `citus` extension) there is nothing to do, and it says so. Tables
//! already placed are left as they are, so the command can be run any number of times.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::{quote_ident, quote_literal};

/// Global tables copied to every node, in the order their foreign keys need.
pub const REFERENCE_TABLES: [&str; 4] = ["agencies", "users", "tax_rate_tables", "tax_brackets"];

/// Tables that stay on the coordinator alone.
pub const LOCAL_TABLES: [&str; 2] = ["login_throttle", "__diesel_schema_migrations"];

/// The column every tenant table is distributed by.
pub const TENANT_COLUMN: &str = "agency_id";

/// What `distribute` found and did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// False on plain PostgreSQL: nothing was done.
    pub citus: bool,
    /// Tables made reference tables by this run.
    pub referenced: Vec<String>,
    /// Tables distributed by `agency_id` by this run.
    pub distributed: Vec<String>,
    /// Tables already placed as they should be.
    pub unchanged: Vec<String>,
    /// Tables kept local to the coordinator.
    pub local: Vec<String>,
    /// Functions made to run on their agency's node by this run.
    pub delegated: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.citus {
            return write!(
                f,
                "plain PostgreSQL (no citus extension in this database): nothing to distribute"
            );
        }
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        writeln!(f, "reference tables made: {}", list(&self.referenced))?;
        writeln!(
            f,
            "tables distributed by {TENANT_COLUMN}: {}",
            list(&self.distributed)
        )?;
        writeln!(f, "already in place: {}", self.unchanged.len())?;
        writeln!(
            f,
            "functions run on their agency's node: {}",
            list(&self.delegated)
        )?;
        write!(f, "local to the coordinator: {}", list(&self.local))
    }
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// A table of the `public` schema.
#[derive(Debug, diesel::QueryableByName)]
pub struct Table {
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Whether it has the tenant column.
    #[diesel(sql_type = Bool)]
    pub tenant: bool,
}

/// How Citus holds a table.
#[derive(Debug, diesel::QueryableByName)]
pub struct Placed {
    #[diesel(sql_type = Text)]
    pub name: String,
    /// `distributed`, `reference` or `local` (a local table in Citus' metadata).
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The distribution column ("" for reference and local tables).
    #[diesel(sql_type = Text)]
    pub column: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub colocation: i32,
}

#[derive(diesel::QueryableByName)]
struct ForeignKey {
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Text)]
    to: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Whether the database runs Citus.
pub async fn is_citus(conn: &mut AsyncPgConnection) -> anyhow::Result<bool> {
    let found: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS found",
    )
    .get_result(conn)
    .await
    .context("looking for the citus extension")?;
    Ok(found.found)
}

/// The tables of the `public` schema (Citus' shards, hidden from `pg_class` by Citus, aside).
pub async fn tables(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<Table>> {
    diesel::sql_query(format!(
        "SELECT c.relname::text AS name, \
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                        AND a.attname = {} AND NOT a.attisdropped) AS tenant \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         ORDER BY c.relname",
        quote_literal(TENANT_COLUMN)
    ))
    .load(conn)
    .await
    .context("listing the tables")
}

/// Citus' placement of every table it knows, by name.
pub async fn placements(conn: &mut AsyncPgConnection) -> anyhow::Result<BTreeMap<String, Placed>> {
    Ok(diesel::sql_query(
        "SELECT p.logicalrelid::regclass::text AS name, \
                CASE WHEN p.partmethod = 'h' THEN 'distributed' \
                     WHEN p.repmodel = 't' THEN 'reference' ELSE 'local' END AS kind, \
                coalesce(column_to_column_name(p.logicalrelid, p.partkey), '') AS column, \
                p.colocationid AS colocation \
         FROM pg_dist_partition p",
    )
    .load::<Placed>(conn)
    .await
    .context("reading the Citus metadata")?
    .into_iter()
    .map(|placed| (placed.name.clone(), placed))
    .collect())
}

/// Places every table of the `public` schema; see the module's text. `shards` sets the shard
/// count of a first distribution (later tables are colocated with the first ones, so follow
/// theirs).
pub async fn distribute(
    conn: &mut AsyncPgConnection,
    shards: Option<u32>,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    if !is_citus(conn).await? {
        return Ok(report);
    }
    report.citus = true;
    // Distributing a large table copies it: no statement timeout for this session.
    diesel::sql_query("SET statement_timeout = 0")
        .execute(conn)
        .await
        .context("lifting the statement timeout")?;
    let unsafe_triggers: Found =
        diesel::sql_query("SELECT current_setting('citus.enable_unsafe_triggers')::bool AS found")
            .get_result(conn)
            .await
            .context("reading citus.enable_unsafe_triggers")?;
    if !unsafe_triggers.found {
        bail!(
            "the tenant tables carry row and statement triggers (updated_at, ledger rollups, \
             compliance marks, guards), which Citus runs on distributed tables only with \
             citus.enable_unsafe_triggers = on on every node (postgresql.conf, or ALTER SYSTEM \
             then a reload): set it and run `mcn distribute` again"
        );
    }

    let tables = tables(conn).await?;
    let placed = placements(conn).await?;

    let mut tenants = BTreeSet::new();
    for table in &tables {
        let name = table.name.as_str();
        if REFERENCE_TABLES.contains(&name) || LOCAL_TABLES.contains(&name) {
            continue;
        }
        if !table.tenant {
            bail!(
                "table {name} has no {TENANT_COLUMN} column and is not one of the global tables \
                 ({}) or the coordinator's own ({}): a tenant table carries {TENANT_COLUMN} in \
                 its key (docs/scale-out.md), a new global table is added to REFERENCE_TABLES",
                REFERENCE_TABLES.join(", "),
                LOCAL_TABLES.join(", ")
            );
        }
        tenants.insert(name.to_owned());
    }
    let present: BTreeSet<&str> = tables.iter().map(|table| table.name.as_str()).collect();

    for name in LOCAL_TABLES {
        if !present.contains(name) {
            continue;
        }
        if let Some(found) = placed.get(name).filter(|found| found.kind != "local") {
            bail!(
                "table {name} is a {} table; it belongs to the coordinator alone: \
                 SELECT undistribute_table('{name}') and run `mcn distribute` again",
                found.kind
            );
        }
        report.local.push(name.to_owned());
    }

    for name in REFERENCE_TABLES {
        if !present.contains(name) {
            continue;
        }
        match placed.get(name).map(|found| found.kind.as_str()) {
            Some("reference") => report.unchanged.push(name.to_owned()),
            None | Some("local") => {}
            Some(kind) => bail!(
                "table {name} is a {kind} table, not a reference table: \
                 SELECT undistribute_table('{name}') and run `mcn distribute` again"
            ),
        }
    }

    // The colocation group: the one the tenant tables already placed share, or the first one
    // distributed now. A table Citus made a local table of its own (it referenced a new
    // reference table) is placed like a new one: Citus distributes such a table all the same.
    let mut anchor: Option<(String, i32)> = None;
    let mut pending: Vec<String> = Vec::new();
    for name in &tenants {
        let found = match placed.get(name) {
            Some(found) if found.kind != "local" => found,
            _ => {
                pending.push(name.clone());
                continue;
            }
        };
        if found.kind != "distributed" || found.column != TENANT_COLUMN {
            bail!(
                "table {name} is placed as a {} table by {:?}, not distributed by \
                 {TENANT_COLUMN}: SELECT undistribute_table('{name}') and run `mcn distribute` \
                 again",
                found.kind,
                found.column
            );
        }
        match &anchor {
            None => anchor = Some((name.clone(), found.colocation)),
            Some((first, group)) if *group != found.colocation => bail!(
                "tables {first} and {name} are distributed in different colocation groups: \
                 SELECT update_distributed_table_colocation('{name}', colocate_with => \
                 '{first}')"
            ),
            Some(_) => {}
        }
        report.unchanged.push(name.clone());
    }
    let to_reference: Vec<&str> = REFERENCE_TABLES
        .into_iter()
        .filter(|name| {
            present.contains(name) && placed.get(*name).is_none_or(|found| found.kind == "local")
        })
        .collect();
    if !(pending.is_empty() && to_reference.is_empty()) {
        place(conn, shards, &mut anchor, &present, &pending, &to_reference).await?;
        report.referenced = to_reference.iter().map(|name| (*name).to_owned()).collect();
        report.distributed = pending;
    }
    report.delegated = delegate(conn).await?;
    Ok(report)
}

/// Places `pending` tenant tables and the `to_reference` global ones in one transaction.
async fn place(
    conn: &mut AsyncPgConnection,
    shards: Option<u32>,
    anchor: &mut Option<(String, i32)>,
    present: &BTreeSet<&str>,
    pending: &[String],
    to_reference: &[&str],
) -> anyhow::Result<()> {
    // Citus places a table only while no foreign key ties it to a table placed otherwise (and
    // turns tables that reference a new reference table into local ones of its own): the keys
    // touching the tables to place are dropped, the tables placed, and the keys made again,
    // in one transaction, so that a failure leaves the schema as it was.
    let touching: BTreeSet<&str> = pending
        .iter()
        .map(String::as_str)
        .chain(to_reference.iter().copied())
        .collect();
    let keys: Vec<ForeignKey> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS from, c.confrelid::regclass::text AS to, \
                c.conname::text AS name, pg_get_constraintdef(c.oid) AS definition \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace \
           AND NOT pg_catalog.relation_is_a_known_shard(c.conrelid) \
         ORDER BY 1, 3",
    )
    .load(conn)
    .await
    .context("reading the foreign keys")?;
    let keys: Vec<ForeignKey> = keys
        .into_iter()
        .filter(|key| {
            present.contains(key.from.as_str())
                && (touching.contains(key.from.as_str()) || touching.contains(key.to.as_str()))
        })
        .collect();

    let mut statements = vec!["SET LOCAL citus.multi_shard_modify_mode TO 'sequential'".to_owned()];
    if let Some(count) = shards {
        if anchor.is_some() {
            bail!(
                "the tenant tables are distributed already: new ones follow their shard count \
                 (to change it: SELECT alter_distributed_table(..., shard_count => {count}, \
                 cascade_to_colocated => true))"
            );
        }
        statements.push(format!("SET LOCAL citus.shard_count TO {count}"));
    }
    for key in &keys {
        statements.push(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote_ident(&key.from),
            quote_ident(&key.name)
        ));
    }
    for name in to_reference {
        statements.push(format!(
            "SELECT create_reference_table({})",
            quote_literal(name)
        ));
    }
    for name in pending {
        let colocate_with = anchor.as_ref().map_or("none", |(first, _)| first.as_str());
        statements.push(format!(
            "SELECT create_distributed_table({}, {}, colocate_with => {})",
            quote_literal(name),
            quote_literal(TENANT_COLUMN),
            quote_literal(colocate_with)
        ));
        if anchor.is_none() {
            *anchor = Some((name.clone(), 0));
        }
    }
    for key in &keys {
        statements.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            quote_ident(&key.from),
            quote_ident(&key.name),
            key.definition
        ));
    }
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        for sql in &statements {
            tracing::debug!(%sql, "distributing");
            diesel::sql_query(sql)
                .execute(conn)
                .await
                .with_context(|| sql.clone())?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// Functions that run on the node of the agency they are given (distributed by their agency
/// argument, colocated with the tenant tables, delegated even inside a transaction): the
/// function, its agency argument, a table of its colocation group.
pub const DELEGATED_FUNCTIONS: [(&str, &str, &str); 1] =
    [("statements_lock(uuid)", "p_agency", "statements")];

/// Distributes the [`DELEGATED_FUNCTIONS`] not distributed yet; answers those it did.
async fn delegate(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<String>> {
    let mut done = Vec::new();
    for (function, argument, colocate_with) in DELEGATED_FUNCTIONS {
        let found: Found = diesel::sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_dist_object \
                 WHERE classid = 'pg_proc'::regclass AND objid = {}::regprocedure \
                   AND distribution_argument_index IS NOT NULL AND force_delegation) AS found",
            quote_literal(function)
        ))
        .get_result(conn)
        .await
        .with_context(|| format!("looking up {function}"))?;
        if found.found {
            continue;
        }
        let sql = format!(
            "SELECT create_distributed_function({}, {}, colocate_with := {}, force_delegation := true)",
            quote_literal(function),
            quote_literal(argument),
            quote_literal(colocate_with)
        );
        diesel::sql_query(&sql)
            .execute(conn)
            .await
            .with_context(|| sql.clone())?;
        done.push(function.to_owned());
    }
    Ok(done)
}
