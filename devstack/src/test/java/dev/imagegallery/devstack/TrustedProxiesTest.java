package dev.imagegallery.devstack;

import io.quarkus.runtime.configuration.InetSocketAddressConverter;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class TrustedProxiesTest {

    /**
     * Quarkus reads each part of {@code quarkus.http.proxy.trusted-proxies} that is not a CIDR with this converter; a
     * part that comes out unresolved is a host name, which the services would look up through DNS on every request
     * (ForwardedProxyHandler). The local stack named {@code ::1}, read as host {@code :} port 1: two DNS queries per
     * request, and a 500 where the lookup failed.
     */
    @Test
    void theLocalStackTrustsTheDoorByAddressSoNoRequestWaitsForADnsLookup() {
        for (String part : LocalStack.TRUSTED_PROXIES.split(",")) {
            InetSocketAddress address = new InetSocketAddressConverter().convert(part.trim());
            assertFalse(address.isUnresolved(), part + " is read as the host name " + address.getHostString());
            assertEquals(0, address.getPort(), part + " is read with a port");
        }
    }
}
