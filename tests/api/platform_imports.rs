//! Imports of the platforms' own export files: formats recognised by their headers, hosts by
//! their platform accounts (other creators' rows `not_ours`), products by platform items
//! (unknown ones `needs_mapping`), statuses and refunds as the files state them, dry runs.

use actix_web::http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use mcn::sales::imports::table::xlsx_file::{Cell, XlsxFile};

use crate::helpers::{Spawn as TestAppBuilder, TestResponse};
use crate::sales::{Shop, shop};

/// A table: a header and rows given as (header, value) pairs; other cells are `-`.
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&'static str]) -> Self {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; cells not named are `-` (the exports' "nothing").
    pub fn row(mut self, cells: &[(&str, &str)]) -> Self {
        self.push(cells);
        self
    }

    pub fn push(&mut self, cells: &[(&str, &str)]) {
        for (name, _) in cells {
            assert!(self.header.contains(name), "no column {name}");
        }
        let row = self
            .header
            .iter()
            .map(|h| {
                cells
                    .iter()
                    .find(|(name, _)| name == h)
                    .map_or("-".to_owned(), |(_, v)| (*v).to_owned())
            })
            .collect();
        self.rows.push(row);
    }

    /// As CSV (every cell quoted, CRLF line ends).
    pub fn csv(&self) -> String {
        let quote = |cell: &str| format!("\"{}\"", cell.replace('"', "\"\""));
        let mut text = String::new();
        for row in std::iter::once(
            self.header
                .iter()
                .map(|h| (*h).to_owned())
                .collect::<Vec<_>>(),
        )
        .chain(self.rows.iter().cloned())
        {
            text.push_str(&row.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
            text.push_str("\r\n");
        }
        text
    }
}

/// The Douyin 抖店 order export's columns (a real export has more; these are in its order).
pub const DOUYIN: &[&str] = &[
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品规格",
    "商品数量",
    "商品ID",
    "商家编码",
    "商品单价",
    "订单应付金额",
    "运费",
    "优惠总金额",
    "平台优惠",
    "商家优惠",
    "达人优惠",
    "支付方式",
    "收件人",
    "收件人手机号",
    "省",
    "市",
    "区",
    "详细地址",
    "订单提交时间",
    "订单完成时间",
    "支付完成时间",
    "APP渠道",
    "流量来源",
    "订单状态",
    "订单类型",
    "达人ID",
    "达人昵称",
    "售后状态",
    "取消原因",
];

/// A Douyin sub-order: its id, the host's 达人ID, the item id, the quantity and the paid amount.
pub type DouyinOrder<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

impl Table {
    /// Adds a Douyin sub-order row, its ids padded with a tab as the export writes them, paid
    /// at an Excel-resaved time, `changes` replacing cells.
    pub fn push_douyin(&mut self, order: DouyinOrder<'_>, changes: &[(&str, &str)]) {
        let (sub, host, item, quantity, paid) = order;
        let mut cells: Vec<(&str, String)> = vec![
            ("主订单编号", format!("{}\t", &sub[..sub.len() - 1])),
            ("子订单编号", format!("{sub}\t")),
            ("选购商品", "丝绒口红".to_owned()),
            ("商品数量", quantity.to_owned()),
            ("商品ID", format!("{item}\t")),
            ("订单应付金额", paid.to_owned()),
            ("订单提交时间", "2026-09-22 21:20:00".to_owned()),
            ("支付完成时间", "2026/9/22 21:25".to_owned()),
            ("订单状态", "已完成".to_owned()),
            ("达人ID", host.to_owned()),
            ("达人昵称", "别人".to_owned()),
        ];
        for (name, value) in changes {
            match cells.iter_mut().find(|(n, _)| n == name) {
                Some(cell) => cell.1 = (*value).to_owned(),
                None => cells.push((name, (*value).to_owned())),
            }
        }
        let cells: Vec<(&str, &str)> = cells.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.push(&cells);
    }
}

/// Gives the shop's host an account on `platform`.
async fn add_account(shop: &Shop, platform: &str, handle: &str, user_id: &str) {
    let account = shop
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/platform-accounts", shop.host),
            Some(&shop.owner),
            Some(json!({ "platform": platform, "handle": handle, "platform_user_id": user_id })),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.text());
}

/// Maps `item` (and `sku`) on `platform` to the shop's product.
pub async fn map_item(shop: &Shop, platform: &str, item: &str, sku: Option<&str>) -> TestResponse {
    shop.app
        .call(
            Method::POST,
            &format!("/v1/products/{}/platform-items", shop.product),
            Some(&shop.owner),
            Some(json!({ "platform": platform, "item_id": item, "sku_code": sku })),
        )
        .await
}

async fn ledger(shop: &Shop) -> Vec<Value> {
    let answer = shop
        .app
        .call(Method::GET, "/v1/sales?limit=200", Some(&shop.owner), None)
        .await;
    assert_eq!(answer.status, 200);
    answer.json()["items"].as_array().unwrap().clone()
}

fn find<'a>(lines: &'a [Value], order: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["external_order_id"] == order)
        .unwrap_or_else(|| panic!("no line {order} in {lines:?}"))
}

fn counts(answer: &Value) -> [i64; 7] {
    [
        "inserted",
        "updated",
        "duplicates",
        "rejected",
        "not_ours",
        "not_paid",
        "needs_mapping_rows",
    ]
    .map(|name| answer[name].as_i64().unwrap_or(-1))
}

/// The shop's host on Douyin is `dy-777` (`@seller`); the item `3580001` is its lipstick.
async fn douyin_shop(name: &str) -> Shop {
    let shop = shop(name).await;
    assert_eq!(map_item(&shop, "douyin", "3580001", None).await.status, 201);
    shop
}

fn douyin_file() -> Table {
    let mut table = Table::new(DOUYIN);
    // Ours: 3 units for ¥1,000.00 (a price that does not divide evenly).
    table.push_douyin(
        ("69200000000000011", "dy-777", "3580001", "3", "¥1,000.00"),
        &[],
    );
    // Ours, refunded: closed with a refund.
    table.push_douyin(
        ("69200000000000021", "dy-777", "3580001", "1", "1,299.90"),
        &[("订单状态", "已关闭"), ("售后状态", "同意退款，退款成功")],
    );
    // Ours by the nickname alone.
    table.push_douyin(
        ("69200000000000031", "", "3580001", "1", "59.90"),
        &[("达人ID", "-"), ("达人昵称", "@seller")],
    );
    // Another creator's order, and the shop's own sale (no creator).
    table.push_douyin(
        ("69200000000000041", "dy-999", "3580001", "1", "10.00"),
        &[],
    );
    table.push_douyin(
        ("69200000000000051", "-", "3580001", "1", "10.00"),
        &[("达人昵称", "-")],
    );
    // Another creator's row that is wrong in every way is still not ours.
    table.push_douyin(
        ("69200000000000081", "dy-998", "", "x", "ten"),
        &[("订单状态", "火星状态")],
    );
    // Not paid yet.
    table.push_douyin(
        ("69200000000000061", "dy-777", "3580001", "1", "10.00"),
        &[("订单状态", "待支付"), ("支付完成时间", "-")],
    );
    // Closed before it was paid: a cancelled line, at the time the order was placed.
    table.push_douyin(
        ("69200000000000071", "dy-777", "3580001", "1", "10.00"),
        &[("订单状态", "已关闭"), ("支付完成时间", "-")],
    );
    table
}

#[actix_web::test]
async fn a_douyin_order_export_imports_as_it_is() {
    let shop = douyin_shop("Douyin Export Co").await;
    let file = format!("\u{feff}{}", douyin_file().csv());
    // The file names each row's host: influencer_id does not apply, nor a format and a mapping.
    shop.import(
        &format!("?influencer_id={}", shop.host),
        "text/csv",
        file.clone(),
    )
    .await
    .problem(422, "not_applicable");
    shop.import(
        &format!("?format=douyin_orders&mapping={}", Uuid::now_v7()),
        "text/csv",
        file.clone(),
    )
    .await
    .problem(422, "not_applicable");
    let answer = shop
        .import("?file_name=douyin.csv", "text/csv", file.clone())
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let result = answer.json();
    assert_eq!(result["format"], "douyin_orders");
    assert_eq!(counts(&result), [4, 0, 0, 0, 3, 1, 0], "{result}");
    let hosts = result["not_ours_hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3, "{hosts:?}");
    assert!(hosts.contains(&json!({ "platform_user_id": "dy-999", "handle": "别人", "rows": 1 })));
    assert!(hosts.contains(&json!({ "platform_user_id": null, "handle": null, "rows": 1 })));

    let lines = ledger(&shop).await;
    assert_eq!(lines.len(), 4);
    let first = find(&lines, "69200000000000011");
    assert_eq!(first["platform"], "douyin");
    assert_eq!(
        first["gross"], "1000.00",
        "the paid amount is the line's gross"
    );
    assert_eq!(first["quantity"], 3);
    assert_eq!(first["unit_price"], "333.33");
    assert_eq!(first["status"], "paid");
    assert_eq!(
        first["sold_at"], "2026-09-22T13:25:00Z",
        "Beijing time, Excel's spelling"
    );
    assert_eq!(first["influencer_id"], shop.host.to_string());
    assert_eq!(first["product_id"], shop.product.to_string());
    assert_eq!(first["commission_percent"], "20.00", "the product's rate");
    let refunded = find(&lines, "69200000000000021");
    assert_eq!(
        (
            &refunded["status"],
            &refunded["gross"],
            &refunded["refunded_amount"]
        ),
        (&json!("refunded"), &json!("1299.90"), &json!("1299.90"))
    );
    assert_eq!(find(&lines, "69200000000000031")["status"], "paid");
    let cancelled = find(&lines, "69200000000000071");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["sold_at"], "2026-09-22T13:20:00Z",
        "the order's time"
    );

    // The same file again changes nothing.
    let again = shop.import("", "text/csv", file).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(counts(&again.json()), [0, 0, 4, 0, 3, 1, 0]);
    assert_eq!(ledger(&shop).await, lines);
}

#[actix_web::test]
async fn a_later_export_updates_status_and_refunds_as_refund_entries() {
    let shop = douyin_shop("Douyin Later Co").await;
    let order = ("69300000000000011", "dy-777", "3580001", "2", "200.00");
    let mut first = Table::new(DOUYIN);
    first.push_douyin(order, &[]);
    assert_eq!(shop.import("", "text/csv", first.csv()).await.status, 201);
    let mut later = Table::new(DOUYIN);
    later.push_douyin(order, &[("订单状态", "已关闭"), ("售后状态", "退款成功")]);
    let answer = shop.import("", "text/csv", later.csv()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(counts(&answer.json()), [0, 1, 0, 0, 0, 0, 0]);
    let line = ledger(&shop).await[0].clone();
    assert_eq!(
        (&line["status"], &line["refunded_amount"]),
        (&json!("refunded"), &json!("200.00"))
    );
    let detail = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/{}", line["id"].as_str().unwrap()),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    let refunds = detail["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], "200.00");
    // Twice: nothing more.
    let again = shop.import("", "text/csv", later.csv()).await;
    assert_eq!(counts(&again.json()), [0, 0, 1, 0, 0, 0, 0]);
}

#[actix_web::test]
async fn unmapped_items_are_summarised_and_importing_again_after_mapping_inserts_the_missing_lines()
{
    let shop = douyin_shop("Douyin Mapping Co").await;
    let mut table = Table::new(DOUYIN);
    table.push_douyin(
        ("69400000000000011", "dy-777", "3580001", "1", "10.00"),
        &[],
    );
    table.push_douyin(
        ("69400000000000021", "dy-777", "4470002", "1", "20.00"),
        &[("选购商品", "新品眼影")],
    );
    table.push_douyin(
        ("69400000000000031", "dy-777", "4470002", "2", "40.00"),
        &[],
    );
    // Another creator's row of the unknown item is not ours, and does not count as unmapped.
    table.push_douyin(
        ("69400000000000041", "dy-999", "4470002", "1", "20.00"),
        &[],
    );
    let file = table.csv();

    let refused = shop.import("", "text/csv", file.clone()).await;
    let problem = refused.problem(422, "import_rejected");
    assert_eq!(problem["needs_mapping_rows"], 2);
    assert_eq!(problem["not_ours"], 1);
    assert_eq!(
        problem["needs_mapping"],
        json!([{
            "platform": "douyin", "item_id": "4470002", "sku_code": null, "rows": 2,
            "example": { "line": 3, "external_order_id": "69400000000000021", "product_name": "新品眼影" }
        }])
    );
    assert!(ledger(&shop).await.is_empty(), "atomic: nothing written");

    // Skip mode writes the rest and lists what needs mapping.
    let skipped = shop
        .import("?on_error=skip", "text/csv", file.clone())
        .await;
    assert_eq!(skipped.status, 201, "{}", skipped.text());
    let skipped = skipped.json();
    assert_eq!(counts(&skipped), [1, 0, 0, 2, 1, 0, 2]);
    assert_eq!(skipped["needs_mapping"][0]["item_id"], "4470002");
    let on_record = shop
        .app
        .call(
            Method::GET,
            &format!("/v1/sales/imports/{}", skipped["id"].as_str().unwrap()),
            Some(&shop.owner),
            None,
        )
        .await
        .json();
    assert_eq!(on_record["needs_mapping"], skipped["needs_mapping"]);
    assert_eq!(on_record["not_ours_hosts"], skipped["not_ours_hosts"]);

    assert_eq!(map_item(&shop, "douyin", "4470002", None).await.status, 201);
    let again = shop.import("", "text/csv", file).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(
        counts(&again.json()),
        [2, 0, 1, 0, 1, 0, 0],
        "exactly the missing lines"
    );
    assert_eq!(ledger(&shop).await.len(), 3);
}

#[actix_web::test]
async fn a_dry_run_answers_the_counts_and_writes_nothing() {
    let shop = douyin_shop("Douyin Preview Co").await;
    let mut table = douyin_file();
    table.push_douyin(
        ("69500000000000011", "dy-777", "9990001", "1", "10.00"),
        &[],
    );
    table.push_douyin(("69500000000000021", "dy-777", "3580001", "1", "ten"), &[]);
    let answer = shop.import("?dry_run=true", "text/csv", table.csv()).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let preview = answer.json();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["format"], "douyin_orders");
    assert_eq!(preview["mapping_id"], Value::Null);
    assert_eq!(
        preview["outcome"], "rejected",
        "atomic mode would refuse it"
    );
    assert_eq!(counts(&preview), [4, 0, 0, 2, 3, 1, 1]);
    assert_eq!(preview["conflicts"], 0);
    assert_eq!(preview["errors"][0]["line"], 11);
    assert_eq!(preview["errors"][0]["field"], "订单应付金额");
    assert_eq!(preview["errors"][0]["code"], "invalid_amount");
    assert!(ledger(&shop).await.is_empty(), "no line written");
    let imports = shop
        .app
        .call(Method::GET, "/v1/sales/imports", Some(&shop.owner), None)
        .await
        .json();
    assert_eq!(imports["items"], json!([]), "no import on record");
}

/// The Taobao/Tmall 千牛 sub-order table, as the legacy GBK/GB18030 CSV.
const TAOBAO: &[&str] = &[
    "子订单编号",
    "主订单编号",
    "商品标题",
    "商品价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "联系方式备注",
    "订单状态",
    "商家编码",
    "支付单号",
    "买家应付货款",
    "买家实付金额",
    "退款状态",
    "退款金额",
    "订单创建时间",
    "订单付款时间",
    "发货时间",
    "商品ID",
];

#[actix_web::test]
async fn a_taobao_sub_order_table_in_gb18030_imports_for_the_named_host_as_tmall() {
    let shop = shop("Taobao Export Co").await;
    assert_eq!(
        map_item(&shop, "tmall", "600100", Some("LIP-RED"))
            .await
            .status,
        201
    );
    let table = Table::new(TAOBAO)
        .row(&[
            ("子订单编号", "'300000000000000011"),
            ("主订单编号", "'300000000000000010"),
            ("商品标题", "丝绒口红"),
            ("购买数量", "2"),
            ("订单状态", "交易成功"),
            ("商家编码", "LIP-RED"),
            ("买家实付金额", "1,099.00"),
            ("退款状态", "没有申请退款"),
            ("退款金额", "无退款申请"),
            ("订单付款时间", "2026-10-01 20:00:00"),
            ("商品ID", "600100"),
        ])
        .row(&[
            ("子订单编号", "'300000000000000021"),
            ("主订单编号", "'300000000000000020"),
            ("商品标题", "丝绒口红"),
            ("购买数量", "1"),
            ("订单状态", "交易关闭"),
            ("商家编码", "LIP-RED"),
            ("买家实付金额", "99.00"),
            ("退款状态", "退款成功"),
            ("退款金额", "40.00"),
            ("订单付款时间", "2026-10-01 20:05:00"),
            ("商品ID", "600100"),
        ])
        .row(&[
            ("子订单编号", "'300000000000000031"),
            ("主订单编号", "'300000000000000030"),
            ("购买数量", "1"),
            ("订单状态", "等待买家付款"),
            ("商家编码", "LIP-RED"),
            ("买家实付金额", "99.00"),
            ("商品ID", "600100"),
        ]);
    let text = table.csv();
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let bytes = bytes.into_owned();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");

    let without_host = shop.import("", "text/csv", bytes.clone()).await;
    without_host.problem(422, "influencer_required");
    let elsewhere = shop
        .import(
            &format!("?influencer_id={}", Uuid::now_v7()),
            "text/csv",
            bytes.clone(),
        )
        .await;
    assert_eq!(elsewhere.status, 422, "{}", elsewhere.text());

    let answer = shop
        .import(
            &format!("?influencer_id={}&platform=tmall", shop.host),
            "text/csv",
            bytes,
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let result = answer.json();
    assert_eq!(result["format"], "taobao_suborders");
    assert_eq!(counts(&result), [2, 0, 0, 0, 0, 1, 0]);
    let lines = ledger(&shop).await;
    let paid = find(&lines, "300000000000000011");
    assert_eq!(
        (&paid["platform"], &paid["gross"], &paid["status"]),
        (&json!("tmall"), &json!("1099.00"), &json!("paid"))
    );
    let partly = find(&lines, "300000000000000021");
    assert_eq!(
        (&partly["status"], &partly["refunded_amount"]),
        (&json!("partially_refunded"), &json!("40.00"))
    );
}

/// The WeChat shop export (one row per product of an order), with full-width brackets.
const WECHAT: &[&str] = &[
    "订单号",
    "订单下单时间",
    "订单状态",
    "商品总价",
    "订单实际支付金额",
    "带货方式",
    "带货账号类型",
    "带货账号昵称",
    "带货佣金率",
    "商品名称",
    "商品编码（平台）",
    "商品编码（自定义）",
    "SKU编码（自定义）",
    "商品属性",
    "商品价格（单件）",
    "商品实际价格（总共）",
    "商品数量",
    "商品售后",
    "商品已退款金额",
];

#[actix_web::test]
async fn a_wechat_shop_export_keys_lines_by_order_item_and_attributes() {
    let shop = shop("WeChat Export Co").await;
    add_account(&shop, "wechat_channels", "小美直播间", "wx-1").await;
    assert_eq!(
        map_item(&shop, "wechat_channels", "10000123", None)
            .await
            .status,
        201
    );
    let row = |attributes: &'static str, total: &'static str, refunded: &'static str| {
        vec![
            ("订单号", "3720000000001"),
            ("订单下单时间", "2026-10-02 19:00:01"),
            ("订单状态", "已完成"),
            ("带货账号昵称", "小美直播间"),
            ("带货佣金率", "12.50%"),
            ("商品名称", "丝绒口红"),
            ("商品编码（平台）", "10000123"),
            ("商品属性", attributes),
            ("商品实际价格（总共）", total),
            ("商品数量", "2"),
            ("商品已退款金额", refunded),
        ]
    };
    let table = Table::new(WECHAT)
        .row(&row("色号:红", "￥199.80", "0"))
        .row(&row("色号:粉", "￥199.80", "99.90"));
    let answer = shop.import("", "text/csv", table.csv()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.json()["format"], "wechat_shop_orders");
    let lines = ledger(&shop).await;
    let red = find(&lines, "3720000000001|10000123|色号:红");
    assert_eq!(
        (&red["platform"], &red["status"]),
        (&json!("wechat_channels"), &json!("paid"))
    );
    assert_eq!(red["commission_percent"], "12.50", "the file's rate");
    let pink = find(&lines, "3720000000001|10000123|色号:粉");
    assert_eq!(
        (&pink["status"], &pink["refunded_amount"]),
        (&json!("partially_refunded"), &json!("99.90"))
    );
}

#[actix_web::test]
async fn alliance_kuaishou_and_pinduoduo_files_are_recognised() {
    let shop = douyin_shop("Alliance Export Co").await;
    let alliance = Table::new(&[
        "订单id",
        "商品id",
        "商品名称",
        "作者账号",
        "抖音/火山号",
        "支付金额",
        "佣金率",
        "预估佣金支出",
        "结算金额",
        "实际佣金支出",
        "订单状态",
        "付款时间",
        "收货时间",
        "商品数量",
    ])
    .row(&[
        ("订单id", "6953547102608758621\t"),
        ("商品id", "3580001"),
        ("作者账号", "@seller"),
        ("抖音/火山号", "dy-777"),
        ("支付金额", "169.00"),
        ("佣金率", "32.00%"),
        ("订单状态", "订单付款"),
        ("付款时间", "2026-06-09 21:25:25"),
        ("商品数量", "1"),
    ]);
    let answer = shop.import("", "text/csv", alliance.csv()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.json()["format"], "douyin_alliance");
    let line = find(&ledger(&shop).await, "6953547102608758621").clone();
    assert_eq!(
        (&line["gross"], &line["commission_percent"]),
        (&json!("169.00"), &json!("32.00"))
    );

    let pdd = Table::new(&[
        "商品",
        "订单号",
        "订单状态",
        "商品数量(件)",
        "支付时间",
        "商品id",
        "商品规格",
        "样式ID",
        "商家编码-规格维度",
        "商家编码-商品维度",
        "售后状态",
        "订单成交时间",
        "商品总价(元)",
        "邮费(元)",
        "店铺优惠折扣(元)",
        "平台优惠折扣(元)",
        "多多支付立减金额(元)",
        "用户实付金额(元)",
        "商家实收金额(元)",
    ])
    .row(&[
        ("订单号", "260915-123456789"),
        ("订单状态", "已签收"),
        ("商品数量(件)", "1"),
        ("支付时间", "2026-09-15 10:00:00"),
        ("商品id", "88001"),
        ("商家编码-规格维度", "LIP-1"),
        ("售后状态", "无售后或售后取消"),
        ("用户实付金额(元)", "17.8"),
    ]);
    let answer = shop
        .import(
            &format!("?influencer_id={}", shop.host),
            "text/csv",
            pdd.csv(),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.json()["format"], "pinduoduo_orders");
    let line = find(&ledger(&shop).await, "260915-123456789").clone();
    assert_eq!(
        (&line["platform"], &line["gross"]),
        (&json!("pinduoduo"), &json!("17.80"))
    );
    assert_eq!(
        line["product_id"],
        shop.product.to_string(),
        "matched by the merchant code as SKU"
    );

    // ?format= names the format; a header that is not of it is refused with what is missing.
    let wrong = shop
        .import("?format=kuaishou_orders", "text/csv", pdd.csv())
        .await;
    let problem = wrong.problem(422, "missing_columns");
    assert!(
        problem["detail"].as_str().unwrap().contains("实付款"),
        "{problem}"
    );
}

#[actix_web::test]
async fn bad_rows_are_named_by_their_line_and_column() {
    let shop = douyin_shop("Douyin Errors Co").await;
    let mut table = Table::new(DOUYIN);
    table.push_douyin(
        ("69600000000000011", "dy-777", "3580001", "1", "10.00"),
        &[],
    );
    table.push_douyin(
        ("69600000000000021", "dy-777", "3580001", "0", "12,34.00"),
        &[("订单状态", "火星状态"), ("支付完成时间", "22/09/2026")],
    );
    table.push_douyin(("6.95355E+18", "dy-777", "3580001", "1", "10.00"), &[]);
    let problem = shop
        .import("", "text/csv", table.csv())
        .await
        .problem(422, "import_rejected");
    let errors: Vec<(i64, String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        (3, "订单状态", "unknown_status"),
        (3, "支付完成时间", "invalid_time"),
        (3, "商品数量", "invalid_quantity"),
        (3, "订单应付金额", "invalid_amount"),
        (4, "子订单编号", "invalid_id"),
    ] {
        assert!(
            errors.contains(&(expected.0, expected.1.to_owned(), expected.2.to_owned())),
            "{expected:?} in {errors:?}"
        );
    }
    assert_eq!(problem["rejected"], 2);
}

/// An XLSX workbook of `sheets` (name, rows of cells; the first row of each is its header).
fn workbook(sheets: &[(&str, Vec<Vec<Cell<'_>>>)]) -> Vec<u8> {
    let mut file = XlsxFile::new(std::io::Cursor::new(Vec::new()));
    for (name, rows) in sheets {
        file.sheet(name).unwrap();
        for row in rows {
            file.row(row).unwrap();
        }
    }
    file.finish().unwrap().into_inner()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const KUAISHOU: &[&str] = &[
    "订单号",
    "赠品订单号",
    "订单创建时间",
    "订单支付时间",
    "订单状态",
    "实付款",
    "快递费",
    "成交数量",
    "售后状态",
    "商品名称",
    "商品ID",
    "商品规格",
    "SKU编码",
    "商品单价",
    "渠道",
    "CPS达人ID",
    "CPS达人昵称",
    "预估推广佣金",
    "预估推广者分佣比例",
];

fn text_row(cells: &[&'static str]) -> Vec<Cell<'static>> {
    cells.iter().map(|c| Cell::Text(c)).collect()
}

/// A Kuaishou order row: the order id and quantity typed as numbers, the paid time as an Excel
/// date cell, as the platform's XLSX has them.
fn kuaishou_row(
    order: f64,
    host: &'static str,
    status: &'static str,
    after_sale: &'static str,
    paid: &'static str,
) -> Vec<Cell<'static>> {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 10, 3)
        .unwrap()
        .and_hms_opt(20, 15, 0)
        .unwrap();
    vec![
        Cell::Number(order),
        Cell::Text("-"),
        Cell::DateTime(at),
        Cell::DateTime(at),
        Cell::Text(status),
        Cell::Text(paid),
        Cell::Text("¥0.00"),
        Cell::Number(2.0),
        Cell::Text(after_sale),
        Cell::Text("丝绒口红"),
        Cell::Text("72000001"),
        Cell::Text("红色"),
        Cell::Text("-"),
        Cell::Text("¥649.95"),
        Cell::Text("分销"),
        Cell::Text(host),
        Cell::Text("主播"),
        Cell::Text("¥389.97"),
        Cell::Text("30.0%"),
    ]
}

/// A Kuaishou export of two sheets, 订单1 and 订单2, each with the header.
fn kuaishou_book(first: Vec<Vec<Cell<'static>>>, second: Vec<Vec<Cell<'static>>>) -> Vec<u8> {
    let sheet = |rows: Vec<Vec<Cell<'static>>>| {
        std::iter::once(text_row(KUAISHOU))
            .chain(rows)
            .collect::<Vec<_>>()
    };
    workbook(&[("订单1", sheet(first)), ("订单2", sheet(second))])
}

async fn kuaishou_shop(name: &str) -> Shop {
    let shop = shop(name).await;
    let account = shop
        .app
        .call(
            Method::POST,
            &format!("/v1/influencers/{}/platform-accounts", shop.host),
            Some(&shop.owner),
            Some(
                json!({ "platform": "kuaishou", "handle": "快手小美", "platform_user_id": "ks-1" }),
            ),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.text());
    assert_eq!(
        map_item(&shop, "kuaishou", "72000001", None).await.status,
        201
    );
    shop
}

#[actix_web::test]
async fn a_kuaishou_xlsx_of_two_sheets_imports_and_a_bad_row_is_named_by_sheet_and_row() {
    let shop = kuaishou_shop("Kuaishou Export Co").await;
    let file = kuaishou_book(
        vec![kuaishou_row(
            2_026_100_300_001.0,
            "ks-1",
            "交易成功",
            "-",
            "¥1,299.90",
        )],
        vec![
            kuaishou_row(2_026_100_300_002.0, "ks-999", "交易成功", "-", "¥10.00"),
            kuaishou_row(
                2_026_100_300_003.0,
                "ks-1",
                "交易关闭",
                "退款成功",
                "¥99.00",
            ),
        ],
    );
    let answer = shop.import("?file_name=kuaishou.xlsx", XLSX, file).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let result = answer.json();
    assert_eq!(result["format"], "kuaishou_orders");
    assert_eq!(result["content_type"], XLSX);
    assert_eq!(counts(&result), [2, 0, 0, 0, 1, 0, 0], "{result}");
    let lines = ledger(&shop).await;
    let paid = find(&lines, "2026100300001");
    assert_eq!(
        (
            &paid["platform"],
            &paid["gross"],
            &paid["quantity"],
            &paid["commission_percent"]
        ),
        (
            &json!("kuaishou"),
            &json!("1299.90"),
            &json!(2),
            &json!("30.00")
        )
    );
    assert_eq!(
        paid["sold_at"], "2026-10-03T12:15:00Z",
        "the date cell in Beijing time"
    );
    assert_eq!(find(&lines, "2026100300003")["status"], "refunded");

    let bad = kuaishou_book(
        vec![kuaishou_row(
            2_026_100_300_011.0,
            "ks-1",
            "交易成功",
            "-",
            "¥1.00",
        )],
        vec![
            kuaishou_row(2_026_100_300_012.0, "ks-1", "交易成功", "-", "¥1.00"),
            kuaishou_row(2_026_100_300_013.0, "ks-1", "交易成功", "-", "一百元"),
        ],
    );
    let problem = shop
        .import("", XLSX, bad)
        .await
        .problem(422, "import_rejected");
    assert_eq!(problem["errors"][0]["sheet"], "订单2");
    assert_eq!(problem["errors"][0]["line"], 3);
    assert_eq!(problem["errors"][0]["field"], "实付款");

    // Another header on the second sheet refuses the file, naming the sheet.
    let mixed = workbook(&[
        (
            "订单1",
            vec![
                text_row(KUAISHOU),
                kuaishou_row(2_026_100_300_021.0, "ks-1", "交易成功", "-", "¥1.00"),
            ],
        ),
        (
            "汇总",
            vec![text_row(&["合计", "金额"]), text_row(&["1", "¥1.00"])],
        ),
    ]);
    let problem = shop
        .import("", XLSX, mixed)
        .await
        .problem(422, "sheet_header_mismatch");
    assert!(
        problem["detail"].as_str().unwrap().contains("汇总"),
        "{problem}"
    );
}

#[actix_web::test]
async fn hostile_workbooks_are_refused_within_the_limits() {
    let app = TestAppBuilder::new()
        .await
        .settings(|s| {
            s.imports.max_unpacked_bytes = 1 << 20;
            s.imports.max_rows = 3;
        })
        .start()
        .await;
    let owner = app.signup_agency("Hostile Files Co").await;
    let send = async |body: Vec<u8>| {
        let request = app
            .request(Method::POST, "/v1/sales/imports")
            .bearer_auth(&owner.access_token)
            .insert_header(("content-type", XLSX));
        TestResponse::read(request.send_body(body).await).await
    };
    // A sheet that unpacks to 8 MiB from a few KiB.
    let mut bomb = XlsxFile::new(std::io::Cursor::new(Vec::new()));
    let sheet = format!(
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{}</sheetData></worksheet>",
        " ".repeat(8 << 20)
    );
    bomb.raw_sheet("Sheet1", sheet.as_bytes()).unwrap();
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    send(bomb).await.problem(413, "payload_too_large");

    // Entities that would expand without bound are not expanded.
    let laughs = concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>",
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"
    );
    let mut file = XlsxFile::new(std::io::Cursor::new(Vec::new()));
    file.raw_sheet("Sheet1", laughs.as_bytes()).unwrap();
    let answer = send(file.finish().unwrap().into_inner()).await;
    assert!(
        matches!(answer.status.as_u16(), 413 | 422),
        "refused: {} {}",
        answer.status,
        answer.text()
    );

    // More rows than an import takes.
    let mut rows = vec![text_row(KUAISHOU)];
    for n in 0..5 {
        rows.push(kuaishou_row(f64::from(n), "ks-1", "交易成功", "-", "¥1.00"));
    }
    send(workbook(&[("订单", rows)]))
        .await
        .problem(413, "payload_too_large");

    // Not a workbook at all.
    send(b"PK\x03\x04 not really".to_vec())
        .await
        .problem(422, "invalid_xlsx");
}

#[actix_web::test]
async fn any_other_export_reads_through_a_saved_mapping() {
    let shop = shop("Saved Mapping Co").await;
    add_account(&shop, "xiaohongshu", "小红薯", "xhs-1").await;
    assert_eq!(
        map_item(&shop, "xiaohongshu", "XHS-ITEM-9", None)
            .await
            .status,
        201
    );
    let created = shop
        .app
        .call(
            Method::POST,
            "/v1/import-mappings",
            Some(&shop.owner),
            Some(json!({
                "name": "Xiaohongshu orders", "platform": "xiaohongshu",
                "columns": [
                    { "header": "Order No", "field": "external_order_id" },
                    { "header": "Paid At", "field": "sold_at" },
                    { "header": "Creator", "field": "platform_user_id" },
                    { "header": "Item", "field": "item_id" },
                    { "header": "Qty", "field": "quantity" },
                    { "header": "Paid (fen)", "field": "amount" },
                    { "header": "State", "field": "status" }
                ],
                "status_values": { "DONE": "paid", "REFUNDED": "refunded", "WAIT_PAY": "not_paid" },
                "amount_unit": "fen", "time_zone": "UTC"
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let mapping = created.json()["id"].as_str().unwrap().to_owned();
    let file = "Order No,Paid At,Creator,Item,Qty,Paid (fen),State\n\
                X-1,2026-10-01 12:00:00,xhs-1,XHS-ITEM-9,1,12990,DONE\n\
                X-2,2026-10-01 13:00:00,xhs-1,XHS-ITEM-9,2,5000,REFUNDED\n\
                X-3,-,xhs-1,XHS-ITEM-9,1,100,WAIT_PAY\n\
                X-4,2026-10-01 14:00:00,xhs-404,XHS-ITEM-9,1,100,DONE\n";
    // Without the mapping the header is not a known format.
    shop.import("", "text/csv", file)
        .await
        .problem(422, "invalid_header");
    let answer = shop
        .import(&format!("?mapping={mapping}"), "text/csv", file)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let result = answer.json();
    assert_eq!(
        (&result["format"], &result["mapping_id"]),
        (&json!("mapping"), &json!(mapping))
    );
    assert_eq!(counts(&result), [2, 0, 0, 0, 1, 1, 0]);
    let lines = ledger(&shop).await;
    let first = find(&lines, "X-1");
    assert_eq!(
        (&first["platform"], &first["gross"], &first["sold_at"]),
        (
            &json!("xiaohongshu"),
            &json!("129.90"),
            &json!("2026-10-01T12:00:00Z")
        )
    );
    assert_eq!(find(&lines, "X-2")["status"], "refunded");

    // A built-in format copied and adjusted where the platform renamed a column.
    let copied = shop
        .app
        .call(
            Method::POST,
            "/v1/import-mappings",
            Some(&shop.owner),
            Some(json!({ "name": "Kuaishou renamed", "from_format": "kuaishou_orders" })),
        )
        .await;
    assert_eq!(copied.status, 201, "{}", copied.text());
    let copied = copied.json();
    let columns: Vec<Value> = copied["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            if c["header"] == "实付款" {
                json!({ "header": "实付金额", "field": "amount" })
            } else {
                c.clone()
            }
        })
        .collect();
    let patched = crate::subresources::patch(
        &shop.app,
        &shop.owner,
        &format!("/v1/import-mappings/{}", copied["id"].as_str().unwrap()),
        None,
        json!({ "columns": columns }),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    add_account(&shop, "kuaishou", "快手", "ks-1").await;
    assert_eq!(
        map_item(&shop, "kuaishou", "72000001", None).await.status,
        201
    );
    let renamed: Vec<&'static str> = KUAISHOU
        .iter()
        .map(|h| if *h == "实付款" { "实付金额" } else { h })
        .collect();
    let file = workbook(&[(
        "Sheet1",
        vec![
            text_row(&renamed),
            kuaishou_row(2_026_100_400_001.0, "ks-1", "交易成功", "-", "¥88.00"),
        ],
    )]);
    shop.import("", XLSX, file.clone())
        .await
        .problem(422, "invalid_header");
    let answer = shop
        .import(
            &format!("?mapping={}", copied["id"].as_str().unwrap()),
            XLSX,
            file,
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(
        find(&ledger(&shop).await, "2026100400001")["gross"],
        "88.00"
    );

    // Another agency's mapping is not found.
    let other = crate::sales::shop("Other Mapping Co").await;
    other
        .import(&format!("?mapping={mapping}"), "text/csv", "a,b\n1,2\n")
        .await
        .problem(404, "not_found");
}
