package dev.imagegallery.devstack;

/**
 * The seeded identities, shared by the Keycloak realm files, access-service's seed migration and the tests. Keycloak
 * users are imported with these ids, so a token's {@code sub} is the principal id of the role assignments.
 */
public final class Realms {
    public static final String CONTOSO = "contoso";
    public static final String FABRIKAM = "fabrikam";

    public static final String ALICE = "a11ce000-0000-4000-8000-000000000001";
    public static final String BOB = "b0b00000-0000-4000-8000-000000000002";
    public static final String CAROL = "ca201000-0000-4000-8000-000000000003";

    public static final String CONTOSO_SUBSCRIPTION = "c0de0000-0000-4000-8000-00000000c001";
    public static final String FABRIKAM_SUBSCRIPTION = "fab00000-0000-4000-8000-00000000fab1";

    public static final String AUDIENCE = "gallery-api";
    public static final String CLI_CLIENT = "gallery-cli";
    /** The portal's public client (authorization code with PKCE) in each tenant's realm. */
    public static final String PORTAL_CLIENT = "gallery-portal";

    /** The realm of the services' own identities (their Kafka clients): never a tenant's id. */
    public static final String PLATFORM = "platform";
    /** The audience the Kafka broker requires in every client's token. */
    public static final String BUS_AUDIENCE = "kafka-broker";

    private Realms() {
    }
}
