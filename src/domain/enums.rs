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
