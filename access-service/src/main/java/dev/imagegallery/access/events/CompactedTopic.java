package dev.imagegallery.access.events;

import dev.imagegallery.events.EventTypes;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Grants travel on a compacted topic: every event is keyed by the resource it describes (an assignment, a
 * subscription, a gallery's whole sharing state), so compaction keeps the last word on each and a new enforcing
 * service rebuilds its read model from the topic alone. Creates the topic compacted, or makes an existing one so.
 */
public class CompactedTopic {

    void onStart(@Observes StartupEvent start,
                 @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
                 @ConfigProperty(name = "gallery.access.topic-partitions", defaultValue = "3") int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15_000))) {
            Map<String, String> configs = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            try {
                admin.createTopics(List.of(new NewTopic(EventTypes.ACCESS_TOPIC, partitions, (short) 1)
                        .configs(configs))).all().get(15, TimeUnit.SECONDS);
                Log.infof("created %s as a compacted topic", EventTypes.ACCESS_TOPIC);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC,
                        EventTypes.ACCESS_TOPIC), List.of(new AlterConfigOp(new ConfigEntry(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT),
                        AlterConfigOp.OpType.SET)))).all().get(15, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // the broker may be down at start: the relay waits for it anyway; compaction is then set on a later start
            Log.warnf("could not make %s compacted: %s", EventTypes.ACCESS_TOPIC, e.getMessage());
        }
    }
}
