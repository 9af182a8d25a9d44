//! Every period, a type with several parent types, recursive folders, entitlement names with
//! underscores, and sections written in another order.

access_core::define_access! {
    pub Model;

    entity team { roles: [lead, member], implies: { lead => member } }
    entity org { roles: [owner] }
    entity folder {
        roles: [editor, reader],
        implies: { editor => reader },
        inherits: {
            org:owner => editor,
            team:member => reader,
            folder:editor => editor,
            folder:reader => reader,
        },
    }

    entitlements {
        "folder:read" on folder => roles [reader],
        "api_call:make" on org => roles [owner],
        "report:export_csv" on folder => roles [editor],
    }

    plans {
        base { group: tier, features: ["api_call:make"],
               limits: {
                   hourly: "api_call:make" per hour max 10,
                   daily: "api_call:make" per day max 100,
                   monthly: "api_call:make" per month max 1000,
                   quarterly: "api_call:make" per quarter max 2000,
                   yearly: "api_call:make" per year max 5000,
               } }
    }
}

pub fn main() {
    assert_eq!(Limit::ALL.len(), 5);
    assert_eq!(Entitlement::ReportExportCsv.as_str(), "report:export_csv");
    assert_eq!(Entitlement::ApiCallMake.to_string(), "api_call:make");
    assert_eq!("quarterly".parse::<Limit>().unwrap(), Limit::Quarterly);
    let _ = Model;
}
