//! [`OrgsConfig`]: which check of the model opens each organization route.

use std::time::Duration;

use access_core::schema::GlobalRole;
use access_core::{AccessModel, EntitlementId, RoleSet};

/// Which check of the model opens each organization route ([`orgs_router`](super::orgs_router)),
/// and how long invitations last. Superusers pass every check.
///
/// | route | by default | configured with |
/// |---|---|---|
/// | `POST /orgs` | every signed-in user | [`created_by`](Self::created_by): global roles |
/// | `GET /orgs` | the caller's organizations | [`listed_with`](Self::listed_with): only those where the caller holds it |
/// | `GET /orgs/{id}/members` | every member | [`members_seen_with`](Self::members_seen_with) |
/// | `PUT`, `DELETE /orgs/{id}/members/{user}`, `GET`, `DELETE` invitations | the owners | [`managed_by`](Self::managed_by) |
/// | `POST /orgs/{id}/invitations` | as managing | [`invites_with`](Self::invites_with), charged to its limits |
/// | `POST /orgs/{id}/leave` | every member | [`leaves_with`](Self::leaves_with) |
///
/// An entitlement is checked on the organization in the organization's own plan, flags and
/// wallet, whichever tenant the caller's token names. Each must be declared `on` the model's
/// tenant entity: [`App::build`](crate::App::build) refuses any other
/// ([`AppError::OrgsEntitlement`](crate::AppError::OrgsEntitlement)).
///
/// ```
/// use access_axum::orgs::OrgsConfig;
/// use access_core::EntitlementId;
/// use std::time::Duration;
///
/// let owners_only = OrgsConfig::default(); // the tenant's owner role, invitations for 7 days
/// let by_entitlement = OrgsConfig::default()
///     .managed_by(EntitlementId(0))
///     .invites_with(EntitlementId(1))
///     .members_seen_with(EntitlementId(2))
///     .invitations_expire_after(Duration::from_secs(2 * 24 * 3600));
/// assert_ne!(owners_only, by_entitlement);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgsConfig {
    pub(super) create: Option<RoleSet>,
    pub(super) list: Option<EntitlementId>,
    pub(super) members: Option<EntitlementId>,
    pub(super) manage: Option<EntitlementId>,
    pub(super) invite: Option<EntitlementId>,
    pub(super) leave: Option<EntitlementId>,
    pub(super) invitation_ttl: Duration,
}

impl Default for OrgsConfig {
    fn default() -> Self {
        Self {
            create: None,
            list: None,
            members: None,
            manage: None,
            invite: None,
            leave: None,
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl OrgsConfig {
    /// Only holders of one of these global roles create organizations (403 `forbidden` for
    /// others); by default every signed-in user does. An organization does not exist before it
    /// is created, so no entitlement on it can open its creation: the model's global roles do.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; roles: [admin, staff, user], default_role: user, entity organization { roles: [owner] } entitlements { "organization:manage" on organization => roles [owner] } tenant: organization { owner: owner }, } }
    /// use model::Access;
    /// let cfg = OrgsConfig::default().created_by([Access::admin, Access::staff]);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn created_by(mut self, roles: impl IntoIterator<Item = GlobalRole>) -> Self {
        let set = roles.into_iter().fold(RoleSet::default(), |s, r| {
            s.union(RoleSet::single(usize::from(r.0)))
        });
        self.create = Some(set);
        self
    }

    /// `GET /orgs` lists only the organizations where the caller holds `entitlement` (a role
    /// kept for billing, say, need not show the organization); by default every organization
    /// the caller is a member of.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, member] } entitlements { "organization:read" on organization => roles [owner, member] } tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().listed_with(model::Entitlement::OrganizationRead);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn listed_with(mut self, entitlement: impl Into<EntitlementId>) -> Self {
        self.list = Some(entitlement.into());
        self
    }

    /// Members who hold `entitlement` on the organization see its member list (403 with the
    /// reasons for other members); by default every member does.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, member] } entitlements { "members:read" on organization => roles [owner, member] } tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().members_seen_with(model::Entitlement::MembersRead);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn members_seen_with(mut self, entitlement: impl Into<EntitlementId>) -> Self {
        self.members = Some(entitlement.into());
        self
    }

    /// Members who hold `entitlement` on the organization manage its members and its pending
    /// invitations (its model's `organization:manage`, say), instead of its owners alone.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin] } entitlements { "organization:manage" on organization => roles [owner, admin] } tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().managed_by(model::Entitlement::OrganizationManage);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn managed_by(mut self, entitlement: impl Into<EntitlementId>) -> Self {
        self.manage = Some(entitlement.into());
        self
    }

    /// Members who hold `entitlement` on the organization invite (instead of those who manage
    /// it), and each invitation takes a unit of the limits on it (`can_and_consume`, in the
    /// organization's wallet): the model's `invites: "members:invite" per month max 5` counts
    /// invitations.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin] } entitlements { "members:invite" on organization => roles [owner, admin] } plans { free { group: main, features: ["members:invite"], limits: { invites: "members:invite" per month max 5 } } } default_plan: free, tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().invites_with(model::Entitlement::MembersInvite);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn invites_with(mut self, entitlement: impl Into<EntitlementId>) -> Self {
        self.invite = Some(entitlement.into());
        self
    }

    /// Members who hold `entitlement` on the organization may leave it (403 with the reasons
    /// for the others, who stay until a manager removes them: accounts an organization manages
    /// for its people, say); by default every member may. Deleting one's account
    /// (`DELETE /auth/me`) still ends every membership.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, member, managed] } entitlements { "organization:leave" on organization => roles [owner, member] } tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().leaves_with(model::Entitlement::OrganizationLeave);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn leaves_with(mut self, entitlement: impl Into<EntitlementId>) -> Self {
        self.leave = Some(entitlement.into());
        self
    }

    /// How long an invitation's token is accepted (7 days by default).
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// let cfg = OrgsConfig::default().invitations_expire_after(std::time::Duration::from_secs(86_400));
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn invitations_expire_after(mut self, ttl: Duration) -> Self {
        self.invitation_ttl = ttl;
        self
    }

    /// The first configured entitlement `model` does not declare on its tenant entity, or a
    /// global role it does not have: (what it configures, the sentence saying why).
    pub(crate) fn mismatch<M: AccessModel>(&self, model: &M) -> Option<(&'static str, String)> {
        let data = model.data();
        let tenant = data.tenant?;
        let tenant_name = &data.entities[usize::from(tenant.entity)].name;
        if let Some(roles) = self.create
            && let Some(r) = roles.iter().find(|r| *r >= data.global_roles.len())
        {
            return Some((
                "created_by",
                format!(
                    "global role {r} is not one of the model's {} global roles",
                    data.global_roles.len()
                ),
            ));
        }
        let each = [
            ("listed_with", self.list),
            ("members_seen_with", self.members),
            ("managed_by", self.manage),
            ("invites_with", self.invite),
            ("leaves_with", self.leave),
        ];
        each.into_iter().find_map(|(what, ent)| {
            let ent = ent?;
            let Some(e) = data.entitlements.get(usize::from(ent.0)) else {
                return Some((what, format!("entitlement {} is not in the model", ent.0)));
            };
            (e.entity != tenant.entity).then(|| {
                let on = &data.entities[usize::from(e.entity)].name;
                (
                    what,
                    format!(
                        "`{}` is declared on `{on}`, not on the tenant `{tenant_name}`",
                        e.name
                    ),
                )
            })
        })
    }
}
