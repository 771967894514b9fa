//! Export rows read through built-in formats.
use super::*;
use crate::sales::mapping::builtin;
use crate::sales::model::SaleStatus;

fn bound(name: &str, header: &[&str], host: Option<Uuid>) -> Bound {
    let format = builtin::find(name).unwrap();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    Bound::bind(format.spec(format.platform), &header, Currency::CNY, host).unwrap()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

const DOUYIN: &[&str] = &[
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品数量",
    "商品ID",
    "商家编码",
    "订单应付金额",
    "支付完成时间",
    "订单状态",
    "达人ID",
    "达人昵称",
    "售后状态",
];

fn line(mapped: Mapped) -> SaleInput {
    match mapped {
        Mapped::Line(line, _) => *line,
        other => panic!("not a line: {other:?}"),
    }
}

#[test]
fn a_douyin_row_reads_as_a_line_with_its_paid_amount() {
    let b = bound("douyin_orders", DOUYIN, None);
    let sale = line(
        b.line(
            &row(&[
                "6920000000000000001\t",
                "6920000000000000002\t",
                "口红",
                "3",
                "'3580000001",
                "LIP-1",
                "¥1,000.00",
                "2026/9/22 21:25",
                "已完成",
                "7100001",
                "小美",
                "-",
            ]),
            Utc::now(),
        )
        .unwrap(),
    );
    assert_eq!(sale.external_order_id, "6920000000000000002");
    assert_eq!(sale.gross, Decimal::from(1000));
    assert_eq!(sale.unit_price, Decimal::new(3333333, 4));
    assert_eq!(sale.status, SaleStatus::Paid);
    assert_eq!(sale.sold_at.to_rfc3339(), "2026-09-22T13:25:00+00:00");
    assert_eq!(
        sale.product,
        ProductRef::Item {
            item_id: Some("3580000001".into()),
            sku_code: Some("LIP-1".into())
        }
    );
}

#[test]
fn statuses_follow_the_file() {
    let b = bound("douyin_orders", DOUYIN, None);
    let status = |order: &str, after: &str, paid: &str| {
        b.line(
            &row(&[
                "1", "2", "x", "1", "9", "S", "10.00", paid, order, "7", "n", after,
            ]),
            Utc::now(),
        )
        .map(|m| match m {
            Mapped::Line(l, _) => Some((l.status, l.refunded_amount)),
            Mapped::NotPaid => None,
            Mapped::Invalid { errors, .. } => panic!("{errors:?}"),
        })
    };
    let at = "2026-09-22 21:25:25";
    assert_eq!(
        status("已完成", "-", at),
        Ok(Some((SaleStatus::Paid, Decimal::ZERO)))
    );
    assert_eq!(
        status("已关闭", "同意退款，退款成功", at),
        Ok(Some((SaleStatus::Refunded, Decimal::from(10))))
    );
    assert_eq!(
        status("已关闭", "-", at),
        Ok(Some((SaleStatus::Cancelled, Decimal::ZERO)))
    );
    assert_eq!(status("待支付", "-", "-"), Ok(None));
    let unknown = b.line(
        &row(&[
            "1", "2", "x", "1", "9", "S", "10.00", at, "火星", "7", "n", "-",
        ]),
        Utc::now(),
    );
    assert!(matches!(
        unknown,
        Ok(Mapped::Invalid { errors, user_id: Some(user), .. })
            if errors[0].code == "unknown_status" && user == "7"
    ));
}

#[test]
fn a_file_without_a_host_column_needs_the_host_named() {
    let format = builtin::find("taobao_suborders").unwrap();
    let header: Vec<String> = [
        "子订单编号",
        "主订单编号",
        "退款状态",
        "订单付款时间",
        "商品ID",
        "购买数量",
        "买家实付金额",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    assert!(matches!(
        Bound::bind(format.spec(format.platform), &header, Currency::CNY, None),
        Err(AppError::Unprocessable {
            code: "influencer_required",
            ..
        })
    ));
    assert!(
        Bound::bind(
            format.spec(format.platform),
            &header,
            Currency::CNY,
            Some(Uuid::nil())
        )
        .is_ok()
    );
}
