package dev.imagegallery.access.publicstream;

import dev.imagegallery.access.config.PublicStreamsConfig;
import dev.imagegallery.events.PublicEvents;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * What access-service asks of the broker for the public streams: a tenant's topic (created on its first event or when
 * a subscriber registers, idempotently) and a subscriber's ACLs. One Admin client, configured from the service's
 * {@code kafka.*} settings (so it signs in as access-service wherever the bus is authenticated).
 */
@ApplicationScoped
public class BusAdmin {
    private final PublicStreamsConfig config;
    private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
    private volatile Admin admin;

    public BusAdmin(PublicStreamsConfig config) {
        this.config = config;
    }

    synchronized Admin admin() {
        if (admin == null) {
            Config c = ConfigProvider.getConfig();
            Map<String, Object> props = new HashMap<>();
            for (String name : c.getPropertyNames()) {
                if (name.startsWith("kafka.")) {
                    c.getOptionalValue(name, String.class).ifPresent(v -> props.put(name.substring(6), v));
                }
            }
            props.keySet().retainAll(AdminClientConfig.configNames());
            props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "access-service-public-streams");
            admin = Admin.create(props);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }

    /** Makes sure every tenant's stream exists (one CreateTopics for those not known yet). */
    public Uni<Void> ensureTopics(Collection<String> tenantIds) {
        List<NewTopic> missing = new ArrayList<>();
        for (String tenant : tenantIds) {
            String topic = PublicEvents.topicOf(tenant);
            if (!knownTopics.contains(topic)) {
                missing.add(new NewTopic(topic, config.partitions(), config.replicationFactor())
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.retentionMs()))));
            }
        }
        if (missing.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, KafkaFuture<Void>> results = admin().createTopics(missing).values();
        List<Uni<Void>> each = new ArrayList<>();
        results.forEach((topic, future) -> each.add(uni(future).onFailure(e -> cause(e) instanceof TopicExistsException)
                .recoverWithNull().invoke(() -> {
                    knownTopics.add(topic);
                    Log.debugf("public stream %s exists", topic);
                })));
        return Uni.join().all(each).andFailFast().replaceWithVoid();
    }

    /** The ACLs of a subscriber: read (and describe) its tenant's stream, read its consumer groups, nothing else. */
    static List<AclBinding> aclsOf(String tenantId, String clientId) {
        String principal = principalOf(tenantId, clientId);
        String topic = PublicEvents.topicOf(tenantId);
        return List.of(
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", AclOperation.READ, AclPermissionType.ALLOW)),
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)),
                new AclBinding(new ResourcePattern(ResourceType.GROUP, groupPrefixOf(tenantId, clientId),
                        PatternType.PREFIXED),
                        new AccessControlEntry(principal, "*", AclOperation.READ, AclPermissionType.ALLOW)));
    }

    /** The Kafka principal of a subscriber: the broker names a client {@code <realm>/<azp>}. */
    public static String principalOf(String tenantId, String clientId) {
        return "User:" + tenantId + "/" + clientId;
    }

    /**
     * A subscriber's consumer groups start with this; the trailing dot keeps subscriber {@code a} out of the groups
     * of subscriber {@code a-b} (a prefix ACL matches any longer name).
     */
    public static String groupPrefixOf(String tenantId, String clientId) {
        return tenantId + "." + clientId + ".";
    }

    public Uni<Void> createAcls(String tenantId, String clientId) {
        if (!config.aclsEnabled()) {
            Log.warnf("gallery.public-streams.acls-enabled=false: no ACLs for %s", principalOf(tenantId, clientId));
            return Uni.createFrom().voidItem();
        }
        return uni(admin().createAcls(aclsOf(tenantId, clientId)).all());
    }

    /** Removes every ACL of the subscriber's principal, whatever resource it names. */
    public Uni<Void> deleteAcls(String tenantId, String clientId) {
        if (!config.aclsEnabled()) {
            return Uni.createFrom().voidItem();
        }
        AclBindingFilter all = new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                principalOf(tenantId, clientId), null, AclOperation.ANY, AclPermissionType.ANY));
        return uni(admin().deleteAcls(List.of(all)).all()).replaceWithVoid();
    }

    /**
     * Takes a deleted subscriber off the bus: removes its ACLs and answers once the broker no longer holds them (the
     * controller commits the removal, each broker applies it a moment later) and a fetch the broker authorized just
     * before has ended ({@code gallery.public-streams.revoke-wait}: a waiting fetch is answered with what is written
     * while it waits, and its authorization is not looked at again). A reader that is refused from here on gets none of
     * the events written after the DELETE answered.
     */
    public Uni<Void> revoke(String tenantId, String clientId) {
        if (!config.aclsEnabled()) {
            return Uni.createFrom().voidItem();
        }
        AclBindingFilter all = new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                principalOf(tenantId, clientId), null, AclOperation.ANY, AclPermissionType.ANY));
        long deadline = System.nanoTime() + REVOKE_TIMEOUT.toNanos();
        return deleteAcls(tenantId, clientId)
                .chain(() -> untilGone(all, deadline))
                .onItem().delayIt().by(config.revokeWait());
    }

    static final Duration REVOKE_TIMEOUT = Duration.ofSeconds(10);

    private Uni<Void> untilGone(AclBindingFilter filter, long deadline) {
        return uni(admin().describeAcls(filter).values()).chain(left -> {
            if (left.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().failure(new IllegalStateException("the broker still holds " + left.size()
                        + " ACLs of a deleted subscriber after " + REVOKE_TIMEOUT));
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(50))
                    .chain(() -> untilGone(filter, deadline));
        });
    }

    /** The end offset of each partition of a tenant's stream (partition number to offset), in partition order. */
    public Uni<Map<Integer, Long>> endOffsets(String tenantId) {
        String topic = PublicEvents.topicOf(tenantId);
        return ensureTopics(List.of(tenantId))
                .chain(() -> uni(admin().describeTopics(List.of(topic)).allTopicNames()))
                .chain(d -> {
                    Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
                    d.get(topic).partitions().forEach(p -> spec.put(new TopicPartition(topic, p.partition()),
                            OffsetSpec.latest()));
                    ListOffsetsResult r = admin().listOffsets(spec);
                    return uni(r.all());
                })
                .map(m -> {
                    Map<Integer, Long> out = new TreeMap<>();
                    m.forEach((tp, info) -> out.put(tp.partition(), info.offset()));
                    return out;
                });
    }

    static <T> Uni<T> uni(KafkaFuture<T> future) {
        return Uni.createFrom().completionStage(future.toCompletionStage());
    }

    static Throwable cause(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
