package dev.imagegallery.access.publicstream;

import dev.imagegallery.access.config.PublicStreamsConfig;
import dev.imagegallery.access.publicstream.Translation.Forward;
import dev.imagegallery.access.publicstream.Translation.LifecycleChange;
import dev.imagegallery.access.publicstream.Translation.ReplicaRemoval;
import dev.imagegallery.access.publicstream.Translation.ReplicaUpsert;
import dev.imagegallery.access.publicstream.Translation.StateChange;
import dev.imagegallery.access.publicstream.Translation.VersionRemoval;
import dev.imagegallery.access.publicstream.Translation.VersionUpsert;
import dev.imagegallery.common.db.Unavailable;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.outbox.OutboxRelay;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.PublicEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The forwarder: turns a polled batch of internal events (catalog, replication, access) into public events of each
 * tenant's stream, exactly once in effect. In one transaction per batch it records the batch's event ids in
 * {@code forwarded_event} ({@code ON CONFLICT DO NOTHING RETURNING}: only ids never seen are forwarded) and updates
 * the state the resync snapshot answers from, then sends their public events, under ids derived from the source
 * event's (the same source event always yields the same public event id), straight to the tenants' topics
 * ({@link OutboxRelay#sendNow}) and commits once Kafka has acknowledged them all. A redelivered batch or a replay from
 * offset zero finds its ids recorded and sends nothing; a failed send rolls the batch back and it is sent again; a crash
 * between the acknowledgement and the commit sends identical events (same ids) again, which a subscriber recognises by
 * its id. A refused send is retried until the broker accepts it (the consumer holds its offset meanwhile; counted by
 * the metric {@code gallery.public.forward.refused}). (Until 2026-12-05 the public events went through the outbox: its
 * insert and delete per event were what kept the forwarder from 7,500 public events/s on this machine.)
 */
@ApplicationScoped
public class Forwarder {
    private final Pool pool;
    private final BusAdmin bus;
    private final OutboxRelay relay;
    /** Subscriptions never change tenant: a found tenant is kept. */
    private final Map<String, String> tenants = new ConcurrentHashMap<>();
    private final Counter refused;
    private final Duration maxBackoff;

    public Forwarder(Pool pool, BusAdmin bus, OutboxRelay relay, MeterRegistry registry, PublicStreamsConfig config) {
        this.pool = pool;
        this.maxBackoff = config.retryMaxBackoff();
        this.bus = bus;
        this.relay = relay;
        this.refused = Counter.builder("gallery.public.forward.refused")
                .description("Sends of a batch of public events that Kafka refused or did not acknowledge (the batch "
                        + "was rolled back and is sent again)")
                .register(registry);
    }

    /** How many sends of a batch Kafka has refused (or not acknowledged in time) since the start. */
    public double refusedSends() {
        return refused.count();
    }

    /**
     * Forwards a polled batch; retried as a whole on a failure (it is idempotent): until Kafka takes it when Kafka
     * refused the send, otherwise 8 times, then logged and skipped.
     */
    public Uni<Void> forward(List<String> batch) {
        List<CloudEvent> events = new ArrayList<>(batch.size());
        for (String json : batch) {
            try {
                CloudEvent e = CloudEvent.parse(json);
                if (e.id() != null && (Translation.VERSION_TYPES.contains(e.type())
                        || EventTypes.GALLERY_SHARING_CHANGED.equals(e.type()))) {
                    events.add(e);
                }
            } catch (IllegalArgumentException ex) {
                Log.warnf("public streams: skipping a malformed event: %s", ex.getMessage());
            }
        }
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return resolveTenants(events)
                .chain(() -> bus.ensureTopics(tenantsOf(events)))
                // sent before the transaction commits: a send that fails rolls the batch back (the inbox with it)
                .chain(() -> pool.withTransaction(c -> apply(c, events).chain(entries -> relay.sendNow(entries)
                        .onFailure().transform(SendRefused::new))))
                // a refused send is the broker's state (an ACL, a topic's limits, no leader), not the batch's: the
                // batch is sent again until the broker takes it, and the consumer's offset does not move meanwhile
                // (giving it up would lose its events for every subscriber: their ids are not recorded)
                .onFailure(SendRefused.class).invoke(e -> {
                    refused.increment();
                    Log.warnf("public streams: Kafka refused a batch of %d events, sending it again: %s",
                            events.size(), e.getCause());
                })
                .onFailure(SendRefused.class).retry().withBackOff(Duration.ofMillis(200), maxBackoff)
                .atMost(Long.MAX_VALUE)
                // so is an unavailable database's (given up after the attempts below, a batch that arrived during a
                // restart of PostgreSQL was lost for every subscriber)
                .onFailure(Unavailable::is).invoke(e -> Log.warnf("public streams: the database is unavailable (%s); "
                        + "applying the batch again", e.getMessage()))
                .onFailure(Unavailable::is).retry().withBackOff(Duration.ofMillis(200), maxBackoff)
                .atMost(Long.MAX_VALUE)
                .onFailure().retry().withBackOff(Duration.ofMillis(200), maxBackoff).atMost(8)
                .onFailure().recoverWithUni(e -> {
                    Log.errorf(e, "public streams: giving up on a batch of %d events", events.size());
                    return Uni.createFrom().voidItem();
                });
    }

    /** Kafka refused (or did not acknowledge) a batch's public events. */
    static final class SendRefused extends RuntimeException {
        SendRefused(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private Set<String> tenantsOf(List<CloudEvent> events) {
        Set<String> out = new HashSet<>();
        for (CloudEvent e : events) {
            String sub = Translation.subscriptionOf(e);
            if (sub != null && Translation.VERSION_TYPES.contains(e.type())) {
                String t = tenants.get(sub);
                if (t != null) {
                    out.add(t);
                }
            } else if (EventTypes.GALLERY_SHARING_CHANGED.equals(e.type())) {
                try {
                    var p = e.dataAs(Payloads.GallerySharingChanged.class);
                    if (p.ownerTenantId() != null) {
                        out.add(p.ownerTenantId());
                    }
                    if (p.shares() != null) {
                        p.shares().stream().filter(s -> s.tenantId() != null).forEach(s -> out.add(s.tenantId()));
                    }
                } catch (IllegalArgumentException ex) {
                    // malformed: not forwarded (apply() logs it)
                }
            }
        }
        return out;
    }

    /** Looks up the tenants of the batch's subscriptions not known yet (one query). */
    private Uni<Void> resolveTenants(List<CloudEvent> events) {
        Set<String> unknown = new LinkedHashSet<>();
        for (CloudEvent e : events) {
            String sub = Translation.subscriptionOf(e);
            if (sub != null && !tenants.containsKey(sub)) {
                unknown.add(sub);
            }
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("SELECT lower(id), tenant_id FROM subscription WHERE lower(id) = ANY($1)")
                .execute(Tuple.of(unknown.toArray(new String[0])))
                .invoke(rows -> rows.forEach(r -> tenants.put(r.getString(0), r.getString(1))))
                .replaceWithVoid();
    }

    /** Records the batch and applies its state changes; answers the public events to send, in order. */
    private Uni<List<Outbox.Entry>> apply(SqlConnection c, List<CloudEvent> events) {
        String[] ids = events.stream().map(CloudEvent::id).distinct().toArray(String[]::new);
        return c.preparedQuery("INSERT INTO forwarded_event (event_id) SELECT unnest($1::text[]) "
                        + "ON CONFLICT DO NOTHING RETURNING event_id")
                .execute(Tuple.of(ids))
                .chain(rows -> {
                    Set<String> fresh = new HashSet<>();
                    rows.forEach(r -> fresh.add(r.getString(0)));
                    List<Forward> forwards = new ArrayList<>();
                    List<StateChange> changes = new ArrayList<>();
                    List<CloudEvent> sharing = new ArrayList<>();
                    for (CloudEvent e : events) {
                        if (!fresh.remove(e.id())) {
                            continue; // forwarded before (or twice in this batch)
                        }
                        if (EventTypes.GALLERY_SHARING_CHANGED.equals(e.type())) {
                            sharing.add(e);
                            continue;
                        }
                        try {
                            var o = Translation.translate(e, tenants::get);
                            forwards.addAll(o.forwards());
                            changes.addAll(o.changes());
                        } catch (IllegalArgumentException ex) {
                            Log.warnf("public streams: not forwarding %s: %s", e.id(), ex.getMessage());
                        }
                    }
                    // sharing states (rare) one at a time: each is compared with the one forwarded before it
                    Uni<Void> shares = Uni.createFrom().voidItem();
                    for (CloudEvent e : sharing) {
                        shares = shares.chain(() -> share(c, e, forwards));
                    }
                    return shares.chain(() -> writeState(c, changes)).map(x -> entries(forwards));
                });
    }

    private Uni<Void> share(SqlConnection c, CloudEvent e, List<Forward> forwards) {
        Payloads.GallerySharingChanged p;
        try {
            p = e.dataAs(Payloads.GallerySharingChanged.class);
        } catch (IllegalArgumentException ex) {
            Log.warnf("public streams: not forwarding %s: %s", e.id(), ex.getMessage());
            return Uni.createFrom().voidItem();
        }
        if (p.galleryId() == null) {
            return Uni.createFrom().voidItem();
        }
        String key = p.galleryId().toLowerCase(java.util.Locale.ROOT);
        long sequence = p.sequence() == null ? 0 : p.sequence();
        return c.preparedQuery("SELECT sequence FROM public_share_state WHERE gallery_key = $1 FOR UPDATE")
                .execute(Tuple.of(key))
                .chain(rows -> {
                    Long last = rows.size() == 0 ? null : rows.iterator().next().getLong(0);
                    if (last != null && sequence <= last) {
                        return Uni.createFrom().voidItem(); // an older state than one forwarded: stale
                    }
                    return c.preparedQuery("SELECT shared_with_type, shared_with, recipient_tenant_id, "
                                    + "owner_tenant_id, gallery_unique_name, location, state FROM public_share "
                                    + "WHERE gallery_key = $1")
                            .execute(Tuple.of(key))
                            .chain(before -> {
                                List<ShareForwarding.Recipient> old = new ArrayList<>();
                                for (Row r : before) {
                                    old.add(new ShareForwarding.Recipient(r.getString(0), r.getString(1),
                                            r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                                            r.getString(6)));
                                }
                                var o = ShareForwarding.of(e, p, old);
                                forwards.addAll(o.forwards());
                                List<Tuple> rowsNow = o.recipients().stream().map(r -> Tuple.tuple(Arrays.<Object>asList(key,
                                        r.sharedWithType(), r.sharedWith(), r.recipientTenantId(), r.ownerTenantId(),
                                        r.galleryUniqueName() == null ? "" : r.galleryUniqueName(),
                                        r.location() == null ? "" : r.location(), r.state()))).toList();
                                Uni<?> replace = c.preparedQuery("DELETE FROM public_share WHERE gallery_key = $1")
                                        .execute(Tuple.of(key));
                                if (!rowsNow.isEmpty()) {
                                    replace = replace.chain(() -> c.preparedQuery("INSERT INTO public_share "
                                            + "(gallery_key, shared_with_type, shared_with, recipient_tenant_id, "
                                            + "owner_tenant_id, gallery_unique_name, location, state) "
                                            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)").executeBatch(rowsNow));
                                }
                                return replace.chain(() -> c.preparedQuery("INSERT INTO public_share_state "
                                                + "(gallery_key, sequence) VALUES ($1, $2) ON CONFLICT (gallery_key) "
                                                + "DO UPDATE SET sequence = EXCLUDED.sequence")
                                        .execute(Tuple.of(key, sequence))).replaceWithVoid();
                            });
                });
    }

    /**
     * The snapshot state, one statement per kind of change, in an order that makes a batch's outcome the outcome of
     * its events in order for every sequence that occurs (a version is published before its replicas complete and
     * they before it is deleted; a replica completed after its version's deletion is not kept). The frequent kinds
     * (versions, replicas) are one {@code unnest} statement each, with the batch's last change per row kept: the
     * statement may touch a row once, and applying changes to one row in turn leaves the last one's values.
     */
    private static Uni<Void> writeState(SqlConnection c, List<StateChange> changes) {
        Map<String, VersionUpsert> versions = new LinkedHashMap<>();
        List<Tuple> lifecycles = new ArrayList<>();
        Map<String, ReplicaUpsert> replicas = new LinkedHashMap<>();
        List<Tuple> replicaRemovals = new ArrayList<>();
        List<Tuple> removals = new ArrayList<>();
        for (StateChange ch : changes) {
            if (ch instanceof VersionUpsert v) {
                versions.put(v.key(), v);
            } else if (ch instanceof LifecycleChange l) {
                lifecycles.add(Tuple.of(l.key(), l.state(), l.replacementVersion(), utc(l.at())));
            } else if (ch instanceof ReplicaUpsert r) {
                replicas.put(r.key() + "\n" + r.region(), r);
            } else if (ch instanceof ReplicaRemoval r) {
                replicaRemovals.add(Tuple.of(r.key(), r.region()));
            } else if (ch instanceof VersionRemoval v) {
                removals.add(Tuple.of(v.key(), utc(v.at())));
            }
        }
        Uni<Void> u = Uni.createFrom().voidItem();
        if (!versions.isEmpty()) {
            List<VersionUpsert> vs = new ArrayList<>(versions.values());
            Tuple columns = Tuple.tuple(Arrays.<Object>asList(
                    vs.stream().map(VersionUpsert::key).toArray(String[]::new),
                    vs.stream().map(VersionUpsert::versionId).toArray(String[]::new),
                    vs.stream().map(VersionUpsert::tenantId).toArray(String[]::new),
                    vs.stream().map(VersionUpsert::subscriptionId).toArray(String[]::new),
                    vs.stream().map(VersionUpsert::sizeBytes).toArray(Long[]::new),
                    vs.stream().map(VersionUpsert::targetRegionsJson).toArray(String[]::new),
                    vs.stream().map(v -> utc(v.at())).toArray(OffsetDateTime[]::new)));
            u = u.chain(() -> c.preparedQuery("INSERT INTO public_version (version_key, version_id, tenant_id, "
                    + "subscription_id, size_bytes, target_regions, updated_at) SELECT * FROM unnest($1::text[], "
                    + "$2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[]) "
                    + "ON CONFLICT (version_key) DO UPDATE SET version_id = EXCLUDED.version_id, "
                    + "tenant_id = EXCLUDED.tenant_id, subscription_id = EXCLUDED.subscription_id, "
                    + "size_bytes = EXCLUDED.size_bytes, target_regions = EXCLUDED.target_regions, deleted = false, "
                    + "updated_at = EXCLUDED.updated_at").execute(columns)).replaceWithVoid();
        }
        if (!lifecycles.isEmpty()) {
            u = u.chain(() -> c.preparedQuery("UPDATE public_version SET lifecycle_state = $2, "
                    + "replacement_version = $3, updated_at = $4 WHERE version_key = $1").executeBatch(lifecycles))
                    .replaceWithVoid();
        }
        if (!replicas.isEmpty()) {
            List<ReplicaUpsert> rs = new ArrayList<>(replicas.values());
            Tuple columns = Tuple.tuple(Arrays.<Object>asList(
                    rs.stream().map(ReplicaUpsert::key).toArray(String[]::new),
                    rs.stream().map(ReplicaUpsert::region).toArray(String[]::new),
                    rs.stream().map(ReplicaUpsert::replicaCount).toArray(Integer[]::new),
                    rs.stream().map(r -> nz(r.storageAccountType())).toArray(String[]::new),
                    rs.stream().map(r -> nz(r.digest())).toArray(String[]::new),
                    rs.stream().map(r -> utc(r.completedAt())).toArray(OffsetDateTime[]::new)));
            u = u.chain(() -> c.preparedQuery("INSERT INTO public_replica (version_key, region, replica_count, "
                    + "storage_account_type, digest, completed_at) SELECT n.k, n.r, n.c, nullif(n.s, ''), "
                    + "nullif(n.d, ''), n.t FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], "
                    + "$6::timestamptz[]) AS n(k, r, c, s, d, t) WHERE NOT EXISTS (SELECT 1 FROM public_version v "
                    + "WHERE v.version_key = n.k AND v.deleted) ON CONFLICT (version_key, region) DO UPDATE SET "
                    + "replica_count = EXCLUDED.replica_count, storage_account_type = EXCLUDED.storage_account_type, "
                    + "digest = EXCLUDED.digest, completed_at = EXCLUDED.completed_at").execute(columns))
                    .replaceWithVoid();
        }
        if (!replicaRemovals.isEmpty()) {
            u = u.chain(() -> c.preparedQuery("DELETE FROM public_replica WHERE version_key = $1 AND region = $2")
                    .executeBatch(replicaRemovals)).replaceWithVoid();
        }
        if (!removals.isEmpty()) {
            u = u.chain(() -> c.preparedQuery("UPDATE public_version SET deleted = true, updated_at = $2 "
                            + "WHERE version_key = $1").executeBatch(removals))
                    .chain(() -> c.preparedQuery("DELETE FROM public_replica WHERE version_key = ANY($1)")
                            .execute(Tuple.of(removals.stream().map(t -> t.getString(0)).toArray(String[]::new))))
                    .replaceWithVoid();
        }
        return u;
    }

    /** The public events as the relay sends them, in the order they were forwarded (events of one resource keep it). */
    private static List<Outbox.Entry> entries(List<Forward> forwards) {
        Instant now = Instant.now();
        List<Outbox.Entry> rows = new ArrayList<>(forwards.size());
        for (Forward f : forwards) {
            CloudEvent e = f.event();
            rows.add(new Outbox.Entry(java.util.UUID.fromString(e.id()), PublicEvents.topicOf(f.tenantId()),
                    e.subject(), e.toJson(), now, e.traceparent(), e.tracestate()));
        }
        return rows;
    }

    private static OffsetDateTime utc(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
