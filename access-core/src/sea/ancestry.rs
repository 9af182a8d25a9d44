//! The role store of [`SeaStore`]: a resource's ancestry (the closure rows joined with the parent
//! links and the user's assignments valid now) in one query, for one or many resources, and the
//! assignments and global roles.

use super::read_cache::AncestryKey;
use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::Value;

use super::store::SeaStore;
use super::tables::{backend, exec, get, query, s, storable};
use super::write::{begin_write, retry_writes};
use crate::model::{EntityTypeId, RoleSet};
use crate::store::{
    Ancestry, AncestryNode, Resource, ResourceRef, RoleStore, StoreError, StoreErrorKind,
    StoreResult,
};
use crate::time::{self, Timestamp};

/// Most nodes an ancestry may hold (as `MemoryStore`).
const MAX_ANCESTRY: usize = crate::memory::MAX_ANCESTRY;

/// One row of an ancestry query: node type, node id, one parent (type, id), one role.
type AncestryRow = (String, String, Option<(String, String)>, Option<String>);

impl SeaStore {
    /// The resources' ancestries in one query.
    async fn fetch(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        at: Option<Timestamp>,
    ) -> StoreResult<Vec<Vec<AncestryRow>>> {
        let now = at.unwrap_or_else(time::now);
        if !storable(user) {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                "a user id cannot contain NUL",
            ));
        }
        let all = resources;
        // Ids that cannot be stored name no resource: they get no rows.
        let resources: Vec<Resource<'_>> = all.iter().copied().filter(|r| storable(r.id)).collect();
        if resources.is_empty() {
            return Ok(vec![Vec::new(); all.len()]);
        }
        let resources = &resources[..];
        let mut sql = String::from(
            "SELECT c.desc_ty, c.desc_id, c.anc_ty, c.anc_id, p.parent_ty, p.parent_id, a.role \
             FROM access_closure c \
             LEFT JOIN access_parents p ON p.child_ty = c.anc_ty AND p.child_id = c.anc_id \
             LEFT JOIN access_assignments a ON a.res_ty = c.anc_ty AND a.res_id = c.anc_id \
               AND a.user_id = ? AND (a.starts_at IS NULL OR a.starts_at <= ?) \
               AND (a.expires_at IS NULL OR a.expires_at > ?) \
             WHERE ",
        );
        let mut vals = vec![s(user), Value::from(now), Value::from(now)];
        if let [r] = resources {
            sql.push_str("c.desc_ty = ? AND c.desc_id = ?");
            vals.push(s(self.names.entity(r.ty)?));
            vals.push(s(r.id));
        } else {
            // One `desc_ty = ? AND desc_id IN (..)` per type: SQLite searches the closure's key
            // for that, where a row-value `(desc_ty, desc_id) IN (..)` scans the whole table.
            let mut types: Vec<EntityTypeId> = Vec::new();
            for r in resources {
                if !types.contains(&r.ty) {
                    types.push(r.ty);
                }
            }
            sql.push('(');
            for (i, &ty) in types.iter().enumerate() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str("(c.desc_ty = ? AND c.desc_id IN (");
                vals.push(s(self.names.entity(ty)?));
                for (j, r) in resources.iter().filter(|r| r.ty == ty).enumerate() {
                    if j > 0 {
                        sql.push(',');
                    }
                    sql.push('?');
                    vals.push(s(r.id));
                }
                sql.push_str("))");
            }
            sql.push(')');
        }
        let rows = query(&self.db, &sql, vals).await?;
        let mut out = vec![Vec::new(); all.len()];
        let mut which: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, r) in all.iter().enumerate().filter(|(_, r)| storable(r.id)) {
            which
                .entry((self.names.entity(r.ty)?.to_owned(), r.id.to_owned()))
                .or_default()
                .push(i);
        }
        for r in rows {
            let key: (String, String) = (get(&r, "desc_ty")?, get(&r, "desc_id")?);
            let parent = match (
                get::<Option<String>>(&r, "parent_ty")?,
                get::<Option<String>>(&r, "parent_id")?,
            ) {
                (Some(t), Some(i)) => Some((t, i)),
                _ => None,
            };
            let row = (
                get::<String>(&r, "anc_ty")?,
                get::<String>(&r, "anc_id")?,
                parent,
                get::<Option<String>>(&r, "role")?,
            );
            if let Some(is) = which.get(&key) {
                for &i in is {
                    out[i].push(row.clone());
                }
            }
        }
        Ok(out)
    }

    /// Builds an ancestry from `(node type, node id, parent type, parent id, role)` rows.
    fn build(
        &self,
        start: Resource<'_>,
        rows: &[AncestryRow],
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        out.clear();
        if rows.is_empty() {
            out.nodes.push(AncestryNode {
                ty: start.ty,
                id: out.want_ids.then(|| Arc::from(start.id)),
                roles: RoleSet::EMPTY,
                parents: (0, 0),
            });
            return Ok(());
        }
        out.found = true;
        // Nodes by key, with their parent keys and roles.
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut nodes: Vec<(u16, &str, Vec<usize>, RoleSet)> = Vec::new();
        for (ty, id, _, _) in rows {
            if !index.contains_key(&(ty.as_str(), id.as_str())) {
                let Some(&t) = self.names.entity_index.get(ty) else {
                    continue;
                };
                index.insert((ty, id), nodes.len());
                nodes.push((t, id, Vec::new(), RoleSet::EMPTY));
            }
        }
        if nodes.len() > MAX_ANCESTRY {
            return Err(StoreError::new(
                StoreErrorKind::InvalidAncestry,
                format!("ancestry larger than {MAX_ANCESTRY} resources"),
            ));
        }
        for (ty, id, parent, role) in rows {
            let Some(&n) = index.get(&(ty.as_str(), id.as_str())) else {
                continue;
            };
            if let Some((pt, pi)) = parent
                && let Some(&p) = index.get(&(pt.as_str(), pi.as_str()))
                && !nodes[n].2.contains(&p)
            {
                nodes[n].2.push(p);
            }
            if let Some(r) = role
                && let Some(i) = self.names.role_of(nodes[n].0, r)
            {
                nodes[n].3.insert(i as usize);
            }
        }
        let Some(&root) = index.get(&(self.names.entity(start.ty)?, start.id)) else {
            return Err(StoreError::new(
                StoreErrorKind::InvalidAncestry,
                "the closure table has no row for the resource itself",
            ));
        };
        // Depth-first over parents from the resource; reversed post-order puts every parent
        // after its children.
        let mut order: Vec<usize> = Vec::with_capacity(nodes.len());
        let mut seen = vec![false; nodes.len()];
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        seen[root] = true;
        while let Some((n, next)) = stack.last_mut() {
            if let Some(&p) = nodes[*n].2.get(*next) {
                *next += 1;
                if !seen[p] {
                    seen[p] = true;
                    stack.push((p, 0));
                }
            } else {
                order.push(*n);
                stack.pop();
            }
        }
        order.reverse();
        let mut pos = vec![u32::MAX; nodes.len()];
        for (i, &n) in order.iter().enumerate() {
            pos[n] = i as u32;
        }
        for &n in &order {
            let (ty, id, parents, roles) = &nodes[n];
            let start = out.parents.len() as u32;
            for &p in parents {
                if pos[p] != u32::MAX {
                    out.parents.push(pos[p]);
                }
            }
            out.nodes.push(AncestryNode {
                ty: EntityTypeId(*ty),
                id: out.want_ids.then(|| Arc::from(*id)),
                roles: *roles,
                parents: (start, out.parents.len() as u32 - start),
            });
        }
        Ok(())
    }
}

impl RoleStore for SeaStore {
    async fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        // An ancestry as of a given time is read, not remembered.
        let Some(c) = self.read_cache.as_ref().filter(|_| out.at.is_none()) else {
            let rows = self.fetch(user, &[resource], out.at).await?;
            return self.build(resource, &rows[0], out);
        };
        let key: AncestryKey = (
            user.to_owned(),
            resource.ty.0,
            resource.id.to_owned(),
            out.want_ids,
        );
        if c.ancestry(&key, out) {
            return Ok(());
        }
        let generation = c.generation();
        let rows = self.fetch(user, &[resource], out.at).await?;
        self.build(resource, &rows[0], out)?;
        c.put_ancestry(key, generation, out);
        Ok(())
    }

    async fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> StoreResult<()> {
        out.resize_with(resources.len(), Ancestry::default);
        if resources.is_empty() {
            return Ok(());
        }
        let at = out.first().and_then(|a| a.at);
        let Some(c) = self.read_cache.as_ref().filter(|_| at.is_none()) else {
            let rows = self.fetch(user, resources, at).await?;
            for ((r, rows), a) in resources.iter().zip(&rows).zip(out.iter_mut()) {
                self.build(*r, rows, a)?;
            }
            return Ok(());
        };
        let key = |r: &Resource<'_>, a: &Ancestry| -> AncestryKey {
            (user.to_owned(), r.ty.0, r.id.to_owned(), a.want_ids)
        };
        let mut missing: Vec<usize> = Vec::new();
        for (i, (r, a)) in resources.iter().zip(out.iter_mut()).enumerate() {
            if !c.ancestry(&key(r, a), a) {
                missing.push(i);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let generation = c.generation();
        let ask: Vec<Resource<'_>> = missing.iter().map(|&i| resources[i]).collect();
        let rows = self.fetch(user, &ask, at).await?;
        for (&i, rows) in missing.iter().zip(&rows) {
            self.build(resources[i], rows, &mut out[i])?;
            c.put_ancestry(key(&resources[i], &out[i]), generation, &out[i]);
        }
        Ok(())
    }

    async fn assignments(&self, user: &str) -> StoreResult<Vec<(ResourceRef, RoleSet)>> {
        let now = time::now();
        let rows = query(
            &self.db,
            "SELECT res_ty, res_id, role FROM access_assignments WHERE user_id = ? \
             AND (starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?)",
            vec![s(user), Value::from(now), Value::from(now)],
        )
        .await?;
        let mut by: HashMap<(u16, String), RoleSet> = HashMap::new();
        for r in rows {
            let ty: String = get(&r, "res_ty")?;
            let Some(&t) = self.names.entity_index.get(&ty) else {
                continue;
            };
            if let Some(role) = self.names.role_of(t, &get::<String>(&r, "role")?) {
                by.entry((t, get(&r, "res_id")?))
                    .or_default()
                    .insert(role as usize);
            }
        }
        let mut v: Vec<(ResourceRef, RoleSet)> = by
            .into_iter()
            .map(|((t, id), roles)| (ResourceRef::new(EntityTypeId(t), id), roles))
            .collect();
        v.sort();
        Ok(v)
    }

    async fn holders(
        &self,
        resource: Resource<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, RoleSet)>> {
        let ty = self.names.entity(resource.ty)?;
        if !storable(resource.id) || limit == 0 {
            return Ok(Vec::new());
        }
        let now = time::now();
        let valid =
            "(starts_at IS NULL OR starts_at <= ?) AND (expires_at IS NULL OR expires_at > ?)";
        // The page's users first (keyset on the id), then their roles.
        let sql = format!(
            "SELECT user_id, role FROM access_assignments WHERE res_ty = ? AND res_id = ? AND {valid} \
             AND user_id IN (SELECT DISTINCT user_id FROM access_assignments \
             WHERE res_ty = ? AND res_id = ? AND {valid} AND user_id > ? ORDER BY user_id LIMIT ?) \
             ORDER BY user_id"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = query(
            &self.db,
            &sql,
            vec![
                s(ty),
                s(resource.id),
                Value::from(now),
                Value::from(now),
                s(ty),
                s(resource.id),
                Value::from(now),
                Value::from(now),
                s(after.unwrap_or("")),
                Value::from(limit),
            ],
        )
        .await?;
        let mut out: Vec<(String, RoleSet)> = Vec::new();
        for r in rows {
            let user: String = get(&r, "user_id")?;
            let Some(role) = self
                .names
                .role_of(resource.ty.0, &get::<String>(&r, "role")?)
            else {
                continue;
            };
            match out.last_mut() {
                Some((u, roles)) if *u == user => roles.insert(role as usize),
                _ => out.push((user, RoleSet::single(role as usize))),
            }
        }
        Ok(out)
    }

    async fn global_roles(&self, user: &str) -> StoreResult<RoleSet> {
        let rows = query(
            &self.db,
            "SELECT role FROM access_user_roles WHERE user_id = ?",
            vec![s(user)],
        )
        .await?;
        let mut set = RoleSet::EMPTY;
        for r in rows {
            let name: String = get(&r, "role")?;
            if let Some(i) = self.names.data.global_role_index(&name) {
                set.insert(i as usize);
            }
        }
        Ok(set)
    }

    async fn assign(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        self.assign_during(user, resource, role, None, None).await
    }

    async fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        self.assign_during_in(&self.db, user, resource, role, from, until)
            .await
    }

    async fn revoke(&self, user: &str, resource: Resource<'_>, role: u16) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        self.roles.check(resource, role)?;
        let ty = self.names.entity(resource.ty)?;
        let role = self.names.role_name(resource.ty.0, role);
        exec(
            &self.db,
            "DELETE FROM access_assignments WHERE user_id = ? AND res_ty = ? AND res_id = ? AND role = ?",
            vec![s(user), s(ty), s(resource.id), s(&role)],
        )
        .await?;
        Ok(())
    }

    async fn set_global_roles(&self, user: &str, roles: RoleSet) -> StoreResult<()> {
        let _invalidate = self.invalidates();
        let txn = retry_writes(|| begin_write(&self.db))
            .await
            .map_err(backend)?;
        exec(
            &txn,
            "DELETE FROM access_user_roles WHERE user_id = ?",
            vec![s(user)],
        )
        .await?;
        for r in roles.iter() {
            if let Some(name) = self.names.data.global_roles.get(r) {
                exec(
                    &txn,
                    "INSERT INTO access_user_roles (user_id, role) VALUES (?, ?)",
                    vec![s(user), s(name)],
                )
                .await?;
            }
        }
        txn.commit().await.map_err(backend)
    }
}
