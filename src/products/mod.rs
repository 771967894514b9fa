//! The catalogue: products, recalls and their impact, hosts' product tests, and the products'
//! items on the platforms.

pub mod archive;
pub mod catalogue;
pub mod changes;
pub mod checks;
pub mod dto;
pub mod impact;
pub mod model;
pub mod platform_items;
pub mod testing;
pub mod trail;

use crate::routing::Routes;

pub fn routes(routes: &mut Routes) {
    crate::routes!(routes;
        catalogue::list_products,
        catalogue::create_product,
        catalogue::get_product,
        changes::update_product,
        changes::recall_product,
        archive::archive_product,
        archive::withdraw_recall,
        impact::product_impact,
        testing::list_tests,
        testing::create_test,
        testing::get_test,
        platform_items::list_platform_items,
        platform_items::create_platform_item,
        platform_items::get_platform_item,
        platform_items::delete_platform_item,
    );
}
