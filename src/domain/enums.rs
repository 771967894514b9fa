//! The closed vocabularies of the domain (DESIGN.md), stored as checked `text`.

use crate::text_enum;

text_enum! {
    /// What kind of host.
    pub enum InfluencerKind {
        Human => "human",
        /// An AI host owned by a company.
        Virtual => "virtual",
        /// A brand broadcasting itself.
        Brand => "brand",
    }
}

text_enum! {
    pub enum InfluencerStatus {
        Active => "active",
        Suspended => "suspended",
        Terminated => "terminated",
    }
}

text_enum! {
    pub enum DocumentType {
        CnResidentId => "cn_resident_id",
        Passport => "passport",
        HkMacauPermit => "hk_macau_permit",
        TaiwanPermit => "taiwan_permit",
    }
}

text_enum! {
    pub enum VerificationState {
        /// No identity submitted yet (never stored: the absence of a row).
        Unverified => "unverified",
        Pending => "pending",
        Verified => "verified",
        Rejected => "rejected",
        /// The personal data was erased on request; the rules see no identity.
        Erased => "erased",
    }
}

text_enum! {
    pub enum EntityType {
        IndividualBusiness => "individual_business",
        SoleProprietorship => "sole_proprietorship",
        Company => "company",
    }
}

text_enum! {
    pub enum EntityStatus {
        Active => "active",
        Deregistered => "deregistered",
    }
}

text_enum! {
    /// A regulated field that needs a qualification to talk about.
    pub enum RegulatedField {
        Medicine => "medicine",
        Health => "health",
        Finance => "finance",
        Law => "law",
        Education => "education",
    }
}

text_enum! {
    pub enum Platform {
        Douyin => "douyin",
        Kuaishou => "kuaishou",
        Taobao => "taobao",
        Tmall => "tmall",
        Jd => "jd",
        Pinduoduo => "pinduoduo",
        Xiaohongshu => "xiaohongshu",
        Bilibili => "bilibili",
        WechatChannels => "wechat_channels",
        Weibo => "weibo",
        Tiktok => "tiktok",
        Other => "other",
    }
}

impl Platform {
    /// Platforms of mainland China, where sessions must be in Mandarin.
    pub fn is_mainland(self) -> bool {
        !matches!(self, Platform::Tiktok | Platform::Other)
    }
}

text_enum! {
    pub enum AccountStatus {
        Active => "active",
        Banned => "banned",
    }
}

text_enum! {
    pub enum TestResult {
        Pass => "pass",
        Fail => "fail",
    }
}

text_enum! {
    pub enum SessionState {
        Scheduled => "scheduled",
        Live => "live",
        Ended => "ended",
        Cancelled => "cancelled",
    }
}

text_enum! {
    pub enum VenueType {
        Studio => "studio",
        Store => "store",
        Outdoor => "outdoor",
    }
}

text_enum! {
    /// How a contract's pay is taxed. Fixed for the contract's life: a change of income type is
    /// a new contract from a date.
    pub enum IncomeType {
        /// 劳务报酬: labour remuneration; the agency withholds individual income tax per payment.
        Labour => "labour",
        /// 工资薪金: the host is employed; cumulative withholding.
        Wages => "wages",
        /// Paid to the host's active legal entity against an invoice; nothing withheld.
        Entity => "entity",
    }
}

/// Whether a BCP 47 tag names Mandarin: `zh` or `cmn` with any script or region, except tags
/// that name another Chinese language (`yue`, `wuu`, `nan`, `hak`, …) or Cantonese regions.
pub fn is_mandarin(tag: &str) -> bool {
    let lower = tag.trim().to_ascii_lowercase();
    let mut parts = lower.split('-');
    let primary = parts.next().unwrap_or_default();
    if primary == "cmn" {
        return true;
    }
    if primary != "zh" {
        return false;
    }
    const OTHER: &[&str] = &[
        "yue", "wuu", "nan", "hak", "hsn", "gan", "cdo", "cjy", "cpx", "czh", "czo", "mnp", "hk",
        "mo",
    ];
    parts.all(|part| !OTHER.contains(&part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandarin_tags() {
        for tag in [
            "zh",
            "zh-CN",
            "zh-Hans",
            "zh-Hans-CN",
            "cmn",
            "cmn-Hans-CN",
            "zh-TW",
            "ZH-cn",
        ] {
            assert!(is_mandarin(tag), "{tag}");
        }
        for tag in [
            "en",
            "yue",
            "zh-yue",
            "zh-HK",
            "zh-Hant-HK",
            "wuu",
            "",
            "ja",
        ] {
            assert!(!is_mandarin(tag), "{tag}");
        }
    }

    #[test]
    fn mainland_platforms() {
        assert!(Platform::Douyin.is_mainland());
        assert!(!Platform::Tiktok.is_mainland());
    }
}
