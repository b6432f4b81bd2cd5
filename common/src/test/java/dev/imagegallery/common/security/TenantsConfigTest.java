package dev.imagegallery.common.security;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The configured tenants are tenantId=issuer pairs: no tenant is named in code. */
class TenantsConfigTest {
    static TenantsConfig of(String... pairs) {
        return new TenantsConfig() {
            @Override
            public Optional<List<String>> tenants() {
                return pairs.length == 0 ? Optional.empty() : Optional.of(List.of(pairs));
            }

            @Override
            public String audience() {
                return "gallery-api";
            }

            @Override
            public java.time.Duration idpTimeout() {
                return java.time.Duration.ofSeconds(3);
            }
        };
    }

    @Test
    void pairsGiveTheTenantOfEachIssuer() {
        assertEquals(Map.of("https://login.example.com/realms/acme", "acme",
                        "https://login.example.com/realms/globex", "globex"),
                of("acme=https://login.example.com/realms/acme/", " globex = https://login.example.com/realms/globex")
                        .tenantsByIssuer());
        assertEquals(Map.of(), of().tenantsByIssuer(), "none configured: only registered tenants");
    }

    @Test
    void aPairThatIsNotOneIsRefused() {
        for (String bad : List.of("acme", "=https://x", "acme=")) {
            assertThrows(IllegalArgumentException.class, () -> of(bad).tenantsByIssuer(), bad);
        }
    }
}
