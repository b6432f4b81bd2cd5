package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.events.EventTypes;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The grants topic is compacted: the last event per key is the read model's source of truth. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class CompactedTopicTest {

    @Test
    void theAccessTopicIsCompacted() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestInfra.shared().kafkaBootstrap()))) {
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, EventTypes.ACCESS_TOPIC);
            var config = admin.describeConfigs(List.of(resource)).all().get(15, TimeUnit.SECONDS).get(resource);
            assertEquals("compact", config.get("cleanup.policy").value());
        }
    }
}
