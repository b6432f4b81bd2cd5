package dev.imagegallery.devstack;

import dev.imagegallery.events.EventTypes;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The event bus's layout: its topics, and who may do what on them (docs/events.md, "Who may write and read"). Every
 * service is a confidential client of the {@value Realms#PLATFORM} realm and its principal is
 * {@code User:platform/<service>}; it writes its own topic and the audit topic, reads exactly the topics it consumes,
 * and uses consumer groups named {@code <service>-...}. Nothing else is allowed: the broker runs the standard
 * authorizer with {@code allow.everyone.if.no.acl.found=false}, and topics are never created on first use.
 */
public final class BusLayout {
    /** A topic the bus provisions. */
    public record Topic(String name, int partitions, Map<String, String> configs) {
    }

    /** What one service writes and reads. */
    public record Rights(String service, List<String> writes, List<String> reads) {
        public String principal() {
            return principalOf(Realms.PLATFORM, service);
        }

        public String groupPrefix() {
            return service + "-";
        }
    }

    public static final List<Topic> TOPICS = List.of(
            new Topic(EventTypes.CATALOG_TOPIC, 3, Map.of()),
            new Topic(EventTypes.REPLICATION_TOPIC, 3, Map.of()),
            // grants travel compacted: every event is keyed by what it describes (an assignment, a subscription, a
            // gallery's whole sharing state), so a new enforcing service rebuilds its read model from the topic alone
            new Topic(EventTypes.ACCESS_TOPIC, 3, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_COMPACT)),
            new Topic(EventTypes.AUDIT_TOPIC, 3, Map.of()),
            new Topic("gallery.billing.v1", 3, Map.of()),
            new Topic(EventTypes.BILLING_DLQ_TOPIC, 3, Map.of()));

    public static final List<Rights> RIGHTS = List.of(
            new Rights("catalog-service",
                    List.of(EventTypes.CATALOG_TOPIC, EventTypes.AUDIT_TOPIC),
                    List.of(EventTypes.REPLICATION_TOPIC, EventTypes.ACCESS_TOPIC)),
            new Rights("replication-service",
                    List.of(EventTypes.REPLICATION_TOPIC, EventTypes.AUDIT_TOPIC),
                    List.of(EventTypes.CATALOG_TOPIC, EventTypes.ACCESS_TOPIC)),
            new Rights("access-service",
                    List.of(EventTypes.ACCESS_TOPIC, EventTypes.AUDIT_TOPIC),
                    List.of(EventTypes.CATALOG_TOPIC, EventTypes.ACCESS_TOPIC, EventTypes.AUDIT_TOPIC,
                            EventTypes.REPLICATION_TOPIC)),
            new Rights("billing-service",
                    List.of("gallery.billing.v1", EventTypes.BILLING_DLQ_TOPIC, EventTypes.AUDIT_TOPIC),
                    List.of(EventTypes.CATALOG_TOPIC, EventTypes.REPLICATION_TOPIC, EventTypes.ACCESS_TOPIC)));

    /** The broker's own identity (inter-broker and controller listeners, SASL/PLAIN) and the only super user. */
    public static final String SUPER_USER = "kafka";

    private BusLayout() {
    }

    /** The principal the broker gives a client of {@code realm} ({@code MultiIssuerJwtValidator}). */
    public static String principalOf(String realm, String clientId) {
        return "User:" + realm + "/" + clientId;
    }

    /** The service that writes {@code topic} (its owner; the audit topic has several writers: none is returned). */
    public static String producerOf(String topic) {
        return RIGHTS.stream().filter(r -> r.writes().get(0).equals(topic)).map(Rights::service).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service owns " + topic));
    }

    public static List<AclBinding> acls() {
        List<AclBinding> acls = new ArrayList<>();
        for (Rights r : RIGHTS) {
            for (String t : r.writes()) {
                acls.add(allow(r.principal(), ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.WRITE));
            }
            for (String t : r.reads()) {
                acls.add(allow(r.principal(), ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.READ));
            }
            acls.add(allow(r.principal(), ResourceType.GROUP, r.groupPrefix(), PatternType.PREFIXED,
                    AclOperation.READ));
        }
        acls.addAll(publicStreamsAcls());
        return acls;
    }

    /** The prefix of the tenants' public streams ({@code gallery.public.<tenant>.v1}). */
    public static final String PUBLIC_STREAMS_PREFIX = "gallery.public.";

    /**
     * access-service runs the public streams (issue 13): it writes (and creates, on a tenant's first event) the tenants'
     * streams, and creates and deletes the ACLs of tenants' subscribers (ALTER on the cluster; DESCRIBE to see them).
     * access-service already decides every grant of the system through gallery.access.v1, so this adds no new holder
     * of trust; it grants a subscriber {@code User:<tenant>/<client>} READ and DESCRIBE on its tenant's stream and
     * READ on groups {@code <tenant>.<client>.} only.
     */
    static List<AclBinding> publicStreamsAcls() {
        String access = principalOf(Realms.PLATFORM, "access-service");
        return List.of(
                allow(access, ResourceType.TOPIC, PUBLIC_STREAMS_PREFIX, PatternType.PREFIXED, AclOperation.WRITE),
                allow(access, ResourceType.TOPIC, PUBLIC_STREAMS_PREFIX, PatternType.PREFIXED, AclOperation.CREATE),
                allow(access, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALTER),
                allow(access, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.DESCRIBE));
    }

    static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    /**
     * Creates the topics that are missing (and makes the grants topic compacted if it was created otherwise) and the
     * ACLs, and waits until the broker enforces them (an ACL is applied a moment after CreateAcls answers).
     */
    public static void provision(Properties superUser, boolean withAcls) {
        try (Admin admin = Admin.create(superUser)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic t : TOPICS) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
            Map<ConfigResource, java.util.Collection<AlterConfigOp>> configs = new LinkedHashMap<>();
            for (Topic t : TOPICS) {
                if (!t.configs().isEmpty() && existing.contains(t.name())) {
                    configs.put(new ConfigResource(ConfigResource.Type.TOPIC, t.name()), t.configs().entrySet()
                            .stream().map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                                    AlterConfigOp.OpType.SET)).toList());
                }
            }
            if (!configs.isEmpty()) {
                admin.incrementalAlterConfigs(configs).all().get(30, TimeUnit.SECONDS);
            }
            if (!withAcls) {
                return;
            }
            List<AclBinding> wanted = acls();
            admin.createAcls(wanted).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .containsAll(wanted)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not apply the bus's ACLs within 30 s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot provision the event bus: " + e.getMessage(), e);
        }
    }

    /**
     * The same layout as a shell script of Kafka's own tools ({@code kafka-topics.sh}, {@code kafka-acls.sh}), for
     * brokers the local stack does not start (compose, Kubernetes): deploy/kafka/provision.sh is this text, and a test
     * keeps it so.
     */
    public static String script() {
        StringBuilder b = new StringBuilder();
        b.append("#!/usr/bin/env bash\n")
                .append("# Generated from devstack BusLayout (a test compares): the event bus's topics and ACLs.\n")
                .append("# Run with Kafka's tools on the PATH (the apache/kafka image: /opt/kafka/bin), as the super user:\n")
                .append("#   BOOTSTRAP=kafka:9094 ADMIN_CONFIG=/etc/kafka/admin.properties REPLICATION_FACTOR=3 provision.sh\n")
                .append("# ADMIN_CONFIG holds the super user's client settings (SASL/PLAIN on the inter-broker listener).\n")
                .append("set -euo pipefail\n")
                .append("BIN=\"${KAFKA_BIN:-/opt/kafka/bin}\"\n")
                .append("RF=\"${REPLICATION_FACTOR:-1}\"\n")
                .append("topic() { \"$BIN/kafka-topics.sh\" --bootstrap-server \"$BOOTSTRAP\" --command-config \"$ADMIN_CONFIG\" ")
                .append("--create --if-not-exists --replication-factor \"$RF\" \"$@\"; }\n")
                .append("acl() { \"$BIN/kafka-acls.sh\" --bootstrap-server \"$BOOTSTRAP\" --command-config \"$ADMIN_CONFIG\" ")
                .append("--add \"$@\"; }\n");
        for (Topic t : TOPICS) {
            b.append("topic --topic ").append(t.name()).append(" --partitions ").append(t.partitions());
            t.configs().forEach((k, v) -> b.append(" --config ").append(k).append('=').append(v));
            b.append('\n');
        }
        for (AclBinding a : acls()) {
            ResourcePattern r = a.pattern();
            b.append("acl --allow-principal '").append(a.entry().principal()).append("' --operation ")
                    .append(toolName(a.entry().operation())).append(' ')
                    .append(r.resourceType() == ResourceType.TOPIC ? "--topic " : r.resourceType() == ResourceType.GROUP
                            ? "--group " : "--cluster").append(r.resourceType() == ResourceType.CLUSTER ? "" : r.name());
            if (r.patternType() == PatternType.PREFIXED) {
                b.append(" --resource-pattern-type prefixed");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String toolName(AclOperation op) {
        String n = op.name().toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (String part : n.split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }

    /** Client settings of a confidential client that signs in with its client credentials (OAUTHBEARER). */
    public static Properties clientProps(String bootstrap, String tokenUrl, String clientId, String secret) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
        p.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        p.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS,
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        p.put(SaslConfigs.SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL, tokenUrl);
        p.put("sasl.oauthbearer.client.credentials.client.id", clientId);
        p.put("sasl.oauthbearer.client.credentials.client.secret", secret);
        allowTokenUrl(tokenUrl);
        return p;
    }

    /** Kafka's clients refuse a token endpoint that this JVM property does not list. */
    public static synchronized void allowTokenUrl(String url) {
        String key = "org.apache.kafka.sasl.oauthbearer.allowed.urls";
        String now = System.getProperty(key, "");
        if (!List.of(now.split(",")).contains(url)) {
            System.setProperty(key, now.isEmpty() ? url : now + "," + url);
        }
    }

    /** The super user's settings (SASL/PLAIN on the broker's inter-broker listener): provisioning and tests only. */
    public static Properties superUserProps(String brokerListener, String password) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokerListener);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + SUPER_USER + "\" password=\"" + password + "\";");
        return p;
    }
}
