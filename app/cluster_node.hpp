// What `psm serve` adds on a cluster's store (PostgreSQL): the node's role and place in the
// change feed as metrics, and the session changes of other nodes applied to this node's cache.
#pragma once

#include "api/blocking_pool.hpp"
#include "auth/session_cache.hpp"
#include "http/metrics.hpp"
#include "store/changes.hpp"
#include "writer/writer.hpp"

namespace psm::app {

// psm_node_role{role}, psm_feed_applied_seq, psm_feed_lag_seq and psm_store_up, read from the
// writer at scrape time.
void AddClusterMetrics(http::Metrics& metrics, const Writer& writer);

// Applies the feed's session changes to `cache`: officers' sessions at once (on the calling
// writer thread), control-room users' on the pool, which looks up the user's stations and
// skips a disabled one.
void ApplySessionChanges(const ChangeBatch& changes, auth::SessionCache& cache,
                         api::BlockingPool& pool);

// The Principal a stored session stands for (without a control-room user's stations).
auth::Principal PrincipalOf(const SessionRecord& s);

}  // namespace psm::app
