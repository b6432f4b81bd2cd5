package dev.imagegallery.devstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * The Quarkus test resource every service's tests use: real PostgreSQL (a database named by the {@code database} arg)
 * and real Kafka from {@link TestInfra}, and the {@link TestIssuer} as the OIDC provider of the contoso and fabrikam
 * tenants. The service signs in to Kafka as itself ({@code platform/<service>}, the {@code client} arg, by default the
 * service whose database it is), so its tests run under the ACLs production has. Dev Services are off: they need
 * Docker, and TestInfra has already chosen.
 */
public class InfraResource implements QuarkusTestResourceLifecycleManager {
    private String database = "gallery";
    private String client;

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        client = initArgs.get("client");
    }

    /** catalog -> catalog-service, and so on ({@link LocalStack#DATABASES}). */
    private String service() {
        if (client != null) {
            return client;
        }
        return LocalStack.DATABASES.entrySet().stream().filter(e -> database.startsWith(e.getValue()))
                .map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("which service is database " + database
                        + " of? name it with the test resource's 'client' arg"));
    }

    @Override
    public Map<String, String> start() {
        TestInfra infra = TestInfra.shared();
        infra.ensureDatabase(database);
        TestIssuer issuer = TestIssuer.shared();
        Map<String, String> cfg = new HashMap<>();
        cfg.put("quarkus.devservices.enabled", "false");
        cfg.put("quarkus.datasource.username", infra.pgUser());
        cfg.put("quarkus.datasource.password", infra.pgPassword());
        cfg.put("quarkus.datasource.jdbc.url", infra.jdbcUrl(database));
        cfg.put("quarkus.datasource.reactive.url", infra.reactiveUrl(database));
        cfg.put("kafka.bootstrap.servers", infra.kafkaBootstrap());
        if (infra.busSecured()) {
            String service = service();
            cfg.put("gallery.bus.token-url", infra.busTokenUrl());
            cfg.put("gallery.bus.client-id", service);
            cfg.put("gallery.bus.client-secret", infra.busSecret(service));
            BusLayout.allowTokenUrl(infra.busTokenUrl());
        } else {
            cfg.put("gallery.bus.security-protocol", "PLAINTEXT");
        }
        cfg.put("gallery.oidc.tenants", Realms.CONTOSO + "=" + issuer.issuer(Realms.CONTOSO) + ","
                + Realms.FABRIKAM + "=" + issuer.issuer(Realms.FABRIKAM));
        return cfg;
    }

    @Override
    public void stop() {
        // TestInfra and TestIssuer live until the JVM exits, shared by every test class of the module.
    }
}
