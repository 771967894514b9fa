//! The platform export formats known by name, from the real exports' headers (see
//! `../shared/research/platform-exports.md` in the project's notes): each is a [`Spec`] and the
//! headers that identify it. An import recognises a format when its header row holds every
//! signature header of exactly one format.

use std::collections::BTreeMap;

use super::spec::{AmountUnit, ColumnMap, Field, Spec, StatusMeaning, header_key};
use crate::domain::enums::Platform;

/// A built-in format.
#[derive(Debug)]
pub struct Builtin {
    /// Its stable name (`douyin_orders`).
    pub name: &'static str,
    pub description: &'static str,
    pub platform: Platform,
    /// Headers that together identify the format.
    pub signature: &'static [&'static str],
    pub columns: &'static [(&'static str, Field)],
    pub status_values: &'static [(&'static str, StatusMeaning)],
    /// Whether `?platform=` may name another platform for it (Taobao's files as `tmall`).
    pub platforms: &'static [Platform],
}

use Field as F;
use StatusMeaning as S;

/// After-sale values shared by the formats that have an after-sale column.
const AFTER_SALE: &[(&str, StatusMeaning)] = &[
    ("-", S::NoChange),
    ("无售后", S::NoChange),
    ("无售后或售后取消", S::NoChange),
    ("售后关闭", S::NoChange),
    ("售后取消", S::NoChange),
    ("售后已拒绝", S::NoChange),
    ("售后拒绝", S::NoChange),
    ("换货成功", S::NoChange),
    ("补寄成功", S::NoChange),
    ("待收退货", S::NoChange),
    ("待退货", S::NoChange),
    ("售后待处理", S::NoChange),
    ("待商家处理", S::NoChange),
    ("售后处理中", S::NoChange),
    ("退款中", S::NoChange),
    ("退货退款中", S::NoChange),
    ("待买家退货", S::NoChange),
    ("待商家收货", S::NoChange),
    ("没有申请退款", S::NoChange),
    ("无退款申请", S::NoChange),
    ("退款关闭", S::NoChange),
    ("无", S::NoChange),
    ("未申请售后", S::NoChange),
    ("售后中", S::NoChange),
    ("买家已经申请退款，等待卖家同意", S::NoChange),
    ("买家已经申请退款,等待卖家同意", S::NoChange),
    ("卖家已经同意退款，等待买家退货", S::NoChange),
    ("卖家已经同意退款,等待买家退货", S::NoChange),
    ("买家已经退货，等待卖家确认收货", S::NoChange),
    ("买家已经退货,等待卖家确认收货", S::NoChange),
    ("卖家拒绝退款", S::NoChange),
    ("退款成功", S::Refunded),
    ("同意退款，退款成功", S::Refunded),
    ("同意退款,退款成功", S::Refunded),
    ("退货退款成功", S::Refunded),
    ("已退款", S::Refunded),
];

pub const FORMATS: &[Builtin] = &[
    Builtin {
        name: "douyin_orders",
        description: "Douyin 抖店 order export (one row per sub-order)",
        platform: Platform::Douyin,
        signature: &["主订单编号", "子订单编号", "订单应付金额"],
        columns: &[
            ("子订单编号", F::ExternalOrderId),
            ("支付完成时间", F::SoldAt),
            ("订单提交时间", F::OrderedAt),
            ("达人ID", F::PlatformUserId),
            ("达人昵称", F::HostHandle),
            ("商品ID", F::ItemId),
            ("商家编码", F::SkuCode),
            ("选购商品", F::ProductName),
            ("商品数量", F::Quantity),
            ("订单应付金额", F::Amount),
            ("订单状态", F::Status),
            ("售后状态", F::AfterSaleStatus),
        ],
        status_values: &[
            ("待支付", S::NotPaid),
            ("待付款", S::NotPaid),
            ("备货中", S::Paid),
            ("待发货", S::Paid),
            ("部分发货", S::Paid),
            ("已发货", S::Paid),
            ("已完成", S::Paid),
            ("已关闭", S::Closed),
        ],
        platforms: &[Platform::Douyin],
    },
    Builtin {
        name: "douyin_alliance",
        description: "Douyin 精选联盟 commission export (merchant side)",
        platform: Platform::Douyin,
        signature: &["订单id", "作者账号", "预估佣金支出"],
        columns: &[
            ("订单id", F::ExternalOrderId),
            ("付款时间", F::SoldAt),
            ("抖音/火山号", F::PlatformUserId),
            ("作者账号", F::HostHandle),
            ("商品id", F::ItemId),
            ("商品名称", F::ProductName),
            ("商品数量", F::Quantity),
            ("支付金额", F::Amount),
            ("佣金率", F::CommissionRate),
            ("订单状态", F::Status),
        ],
        status_values: &[
            ("订单付款", S::Paid),
            ("订单收货", S::Paid),
            ("订单确认收货", S::Paid),
            ("订单结算", S::Paid),
            ("已结算", S::Paid),
            ("订单退货退款", S::Refunded),
            ("订单退款", S::Refunded),
            ("已退款", S::Refunded),
            ("订单失效", S::Cancelled),
            ("已失效", S::Cancelled),
        ],
        platforms: &[Platform::Douyin],
    },
    Builtin {
        name: "kuaishou_orders",
        description: "Kuaishou 快手小店 order export (one SKU per order)",
        platform: Platform::Kuaishou,
        signature: &["订单号", "实付款", "CPS达人ID"],
        columns: &[
            ("订单号", F::ExternalOrderId),
            ("订单支付时间", F::SoldAt),
            ("订单创建时间", F::OrderedAt),
            ("CPS达人ID", F::PlatformUserId),
            ("CPS达人昵称", F::HostHandle),
            ("商品ID", F::ItemId),
            ("SKU编码", F::SkuCode),
            ("商品名称", F::ProductName),
            ("成交数量", F::Quantity),
            ("实付款", F::Amount),
            ("预估推广者分佣比例", F::CommissionRate),
            ("订单状态", F::Status),
            ("售后状态", F::AfterSaleStatus),
        ],
        status_values: &[
            ("待付款", S::NotPaid),
            ("待发货", S::Paid),
            ("已发货", S::Paid),
            ("已收货", S::Paid),
            ("交易成功", S::Paid),
            ("交易关闭", S::Closed),
        ],
        platforms: &[Platform::Kuaishou],
    },
    Builtin {
        name: "wechat_shop_orders",
        description: "WeChat 微信小店 / 视频号小店 order export (one row per product of an order)",
        platform: Platform::WechatChannels,
        signature: &["订单号", "订单下单时间", "商品编码(平台)"],
        columns: &[
            ("订单号", F::ExternalOrderId),
            ("商品编码(平台)", F::ExternalOrderId),
            ("商品属性", F::ExternalOrderId),
            ("订单下单时间", F::SoldAt),
            ("带货账号昵称", F::HostHandle),
            ("商品编码(平台)", F::ItemId),
            ("SKU编码(自定义)", F::SkuCode),
            ("商品名称", F::ProductName),
            ("商品数量", F::Quantity),
            ("商品实际价格(总共)", F::Amount),
            ("带货佣金率", F::CommissionRate),
            ("订单状态", F::Status),
            ("商品售后", F::AfterSaleStatus),
            ("商品已退款金额", F::RefundedAmount),
        ],
        status_values: &[
            ("待付款", S::NotPaid),
            ("待发货", S::Paid),
            ("部分发货", S::Paid),
            ("待收货", S::Paid),
            ("已完成", S::Paid),
            ("已取消", S::Cancelled),
            ("已关闭", S::Closed),
        ],
        platforms: &[Platform::WechatChannels],
    },
    Builtin {
        name: "taobao_suborders",
        description: "Taobao/Tmall 千牛 sub-order table (no host column: name the host by ?influencer_id=)",
        platform: Platform::Taobao,
        signature: &["子订单编号", "主订单编号", "退款状态"],
        columns: &[
            ("子订单编号", F::ExternalOrderId),
            ("订单付款时间", F::SoldAt),
            ("订单创建时间", F::OrderedAt),
            ("商品ID", F::ItemId),
            ("商家编码", F::SkuCode),
            ("商品标题", F::ProductName),
            ("购买数量", F::Quantity),
            ("买家实付金额", F::Amount),
            ("订单状态", F::Status),
            ("退款状态", F::AfterSaleStatus),
            ("退款金额", F::RefundedAmount),
        ],
        status_values: &[
            ("等待买家付款", S::NotPaid),
            ("买家已付款,等待卖家发货", S::Paid),
            ("买家已付款，等待卖家发货", S::Paid),
            ("卖家已发货,等待买家确认", S::Paid),
            ("卖家已发货，等待买家确认", S::Paid),
            ("交易成功", S::Paid),
            ("交易关闭", S::Closed),
        ],
        platforms: &[Platform::Taobao, Platform::Tmall],
    },
    Builtin {
        name: "pinduoduo_orders",
        description: "Pinduoduo order export (no host column: name the host by ?influencer_id=)",
        platform: Platform::Pinduoduo,
        signature: &["样式ID", "订单成交时间", "多多支付立减金额(元)"],
        columns: &[
            ("订单号", F::ExternalOrderId),
            ("支付时间", F::SoldAt),
            ("订单成交时间", F::OrderedAt),
            ("商品id", F::ItemId),
            ("商家编码-规格维度", F::SkuCode),
            ("商品", F::ProductName),
            ("商品数量(件)", F::Quantity),
            ("用户实付金额(元)", F::Amount),
            ("订单状态", F::Status),
            ("售后状态", F::AfterSaleStatus),
        ],
        status_values: &[
            ("待支付", S::NotPaid),
            ("待付款", S::NotPaid),
            ("待发货", S::Paid),
            ("已发货，待收货", S::Paid),
            ("已发货，待签收", S::Paid),
            ("已发货,待签收", S::Paid),
            ("待签收", S::Paid),
            ("已发货,待收货", S::Paid),
            ("已发货", S::Paid),
            ("待收货", S::Paid),
            ("已收货", S::Paid),
            ("已签收", S::Paid),
            ("交易成功", S::Paid),
            ("已取消", S::Cancelled),
            ("交易关闭", S::Closed),
            ("已关闭", S::Closed),
            ("未发货，退款成功", S::Refunded),
            ("未发货,退款成功", S::Refunded),
            ("已发货，退款成功", S::Refunded),
            ("已发货,退款成功", S::Refunded),
        ],
        platforms: &[Platform::Pinduoduo],
    },
];

impl Builtin {
    /// The format as a spec, for `platform` (one of [`Builtin::platforms`]).
    pub fn spec(&self, platform: Platform) -> Spec {
        let mut status_values: BTreeMap<String, StatusMeaning> = BTreeMap::new();
        if self.columns.iter().any(|(_, f)| *f == F::AfterSaleStatus) {
            status_values.extend(AFTER_SALE.iter().map(|(v, m)| ((*v).to_owned(), *m)));
        }
        status_values.extend(
            self.status_values
                .iter()
                .map(|(v, m)| ((*v).to_owned(), *m)),
        );
        Spec {
            platform,
            columns: self
                .columns
                .iter()
                .map(|(header, field)| ColumnMap {
                    header: (*header).to_owned(),
                    field: *field,
                })
                .collect(),
            status_values,
            amount_unit: AmountUnit::Yuan,
            time_zone: chrono_tz::Asia::Shanghai,
        }
    }

    /// Whether `header` (a file's header row) carries this format's signature.
    pub fn matches(&self, header: &[String]) -> bool {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        self.signature
            .iter()
            .all(|s| keys.iter().any(|k| *k == header_key(s)))
    }
}

/// The built-in format named `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    FORMATS.iter().find(|f| f.name == name)
}

/// The built-in formats whose signature `header` carries.
pub fn detect(header: &[String]) -> Vec<&'static Builtin> {
    FORMATS.iter().filter(|f| f.matches(header)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_a_valid_spec_whose_signature_it_maps() {
        for format in FORMATS {
            for platform in format.platforms {
                let problems = format.spec(*platform).problems();
                assert!(problems.is_empty(), "{}: {problems:?}", format.name);
            }
            let header: Vec<String> = format.signature.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(
                detect(&header).iter().map(|f| f.name).collect::<Vec<_>>(),
                vec![format.name],
                "the signature of {} identifies it alone",
                format.name
            );
        }
    }

    #[test]
    fn full_width_brackets_in_headers_are_equal() {
        let header = vec![
            "订单号".to_owned(),
            "订单下单时间".to_owned(),
            "商品编码（平台）".to_owned(),
        ];
        assert_eq!(detect(&header)[0].name, "wechat_shop_orders");
    }
}
