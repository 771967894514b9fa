//! The migrations are embedded in the binary (`diesel_migrations::embed_migrations!`): a changed
//! or added migration must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
