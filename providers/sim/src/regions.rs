//! [`SimRegions`]: the regions of one simulated AWS account.
//!
//! Each region is its own [`SimProvider`] (its own cloud, persisted in its
//! own file), as each AWS region is its own endpoint. Providers made through
//! one `SimRegions` see each other where AWS regions do: a read replica in
//! one region whose `replicate_source_db` is the ARN of a DB instance in
//! another finds its source there, and that source is not deleted while
//! the replica exists. Asking twice for a region gives the same cloud.
//!
//! ```
//! use strata_sim::{SimOptions, SimRegions};
//!
//! let regions = SimRegions::in_memory();
//! let east = regions.provider(SimOptions::default()).unwrap();
//! let west = regions
//!     .provider(SimOptions { region: "us-west-2".into(), ..SimOptions::default() })
//!     .unwrap();
//! assert_eq!(west.peer("us-east-1").map(|p| p.path().is_none()), Some(true));
//! # drop(east);
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use strata_core::kinds;
use strata_core::provider::{CreateRequest, ProviderError};

use crate::attrs::api_help;
use crate::clock::SimClock;
use crate::cloud::Record;
use crate::error::SimError;
use crate::ids::arn;
use crate::options::SimOptions;
use crate::provider::{SimProvider, WeakSim};

/// The regions of one simulated account: see the [module docs](self).
#[derive(Debug, Clone)]
pub struct SimRegions {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Where regions persist (`None`: in memory).
    dir: Option<PathBuf>,
    clock: SimClock,
    /// The providers made so far, by region. Weak: a provider keeps its
    /// regions alive, not the other way round.
    regions: Mutex<BTreeMap<String, WeakSim>>,
}

impl SimRegions {
    /// Regions persisted in `dir` (e.g. `.strata/sim/`, one file each), on
    /// the real clock.
    pub fn open(dir: &Path) -> Self {
        Self::build(Some(dir.to_path_buf()), SimClock::real())
    }

    /// Regions that live only in memory, on the real clock.
    pub fn in_memory() -> Self {
        Self::build(None, SimClock::real())
    }

    /// Regions that live only in memory, all on `clock`.
    pub fn in_memory_with_clock(clock: SimClock) -> Self {
        Self::build(None, clock)
    }

    fn build(dir: Option<PathBuf>, clock: SimClock) -> Self {
        Self {
            inner: Arc::new(Inner {
                dir,
                clock,
                regions: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    /// The provider of `options.region`: the one made before if it is
    /// still in use (its options kept), else a new one with `options`.
    pub fn provider(&self, options: SimOptions) -> Result<SimProvider, SimError> {
        let mut regions = self.inner.regions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sim) = regions.get(&options.region).and_then(WeakSim::upgrade) {
            return Ok(sim);
        }
        let region = options.region.clone();
        let clock = self.inner.clock.clone();
        let sim = match &self.inner.dir {
            Some(dir) => SimProvider::open_in(dir, options, clock, Some(self.clone()))?,
            None => SimProvider::in_memory_in(options, clock, Some(self.clone())),
        };
        regions.insert(region, sim.downgrade());
        Ok(sim)
    }

    /// The provider of `region`, if one was made and is still in use.
    pub(crate) fn get(&self, region: &str) -> Option<SimProvider> {
        let regions = self.inner.regions.lock().unwrap_or_else(|e| e.into_inner());
        regions.get(region).and_then(WeakSim::upgrade)
    }

    /// Every other live region's provider.
    fn others(&self, region: &str) -> Vec<SimProvider> {
        let regions = self.inner.regions.lock().unwrap_or_else(|e| e.into_inner());
        regions
            .iter()
            .filter(|(r, _)| r.as_str() != region)
            .filter_map(|(_, w)| w.upgrade())
            .collect()
    }
}

/// The region of an RDS ARN (`arn:aws:rds:REGION:ACCOUNT:db:ID`).
pub(crate) fn arn_region(source: &str) -> Option<&str> {
    source
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
}

impl SimProvider {
    /// The provider of another region of the same account, if this one was
    /// made through [`SimRegions`] and that region's is in use.
    pub fn peer(&self, region: &str) -> Option<SimProvider> {
        self.regions()?.get(region)
    }

    /// The source of a cross-region read replica about to be created in
    /// this region, read from its region (before this region's cloud is
    /// locked: no two clouds are ever locked at once). `None` when the
    /// create is not one.
    pub(crate) fn foreign_source(
        &self,
        req: &CreateRequest,
    ) -> Result<Option<Record>, ProviderError> {
        if req.kind != kinds::DB_INSTANCE {
            return Ok(None);
        }
        let Some(source) = req
            .attrs
            .get("replicate_source_db")
            .and_then(|v| v.as_str())
        else {
            return Ok(None);
        };
        let Some(region) = arn_region(source).filter(|r| *r != self.region_name()) else {
            return Ok(None);
        };
        let not_found = || {
            api_help(
                "DBInstanceNotFound",
                format!("DBInstance {source} not found."),
                format!(
                    "the source of a cross-region replica must exist in {region}; \
                     replicate_source_db names it by ARN"
                ),
            )
        };
        let Some(peer) = self.peer(region) else {
            return Err(not_found());
        };
        let id = kinds::db_identifier_of(source);
        let found = peer.with_cloud(false, |c, _| Ok(c.live(kinds::DB_INSTANCE, id).cloned()))?;
        found.map(Some).ok_or_else(not_found)
    }

    /// Refuses to delete DB instance `id` while a replica in another region
    /// replicates it (as AWS does).
    pub(crate) fn check_foreign_replicas(&self, kind: &str, id: &str) -> Result<(), ProviderError> {
        let Some(regions) = self.regions().filter(|_| kind == kinds::DB_INSTANCE) else {
            return Ok(());
        };
        let source = arn("rds", self.region_name(), &format!("db:{id}"));
        let mut replicas = Vec::new();
        for peer in regions.others(self.region_name()) {
            replicas.extend(peer.with_cloud(false, |c, _| {
                Ok(c.live_records(kinds::DB_INSTANCE)
                    .filter(|d| d.str("replicate_source_db") == Some(source.as_str()))
                    .map(|d| {
                        d.computed
                            .get("arn")
                            .and_then(|v| v.as_str())
                            .unwrap_or(&d.id)
                            .to_string()
                    })
                    .collect::<Vec<_>>())
            })?);
        }
        if replicas.is_empty() {
            return Ok(());
        }
        Err(api_help(
            "InvalidDBInstanceState",
            format!(
                "Cannot delete DB instance {id} while it has read replicas: {}",
                replicas.join(", ")
            ),
            "delete or promote its read replicas in the other regions first",
        ))
    }
}
