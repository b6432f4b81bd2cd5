package dev.imagegallery.door;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the door with Quarkus' own request-URI check off ({@value #URI_VALIDATION}): that check answers a URI
 * {@link java.net.URI} cannot parse (a malformed percent-escape such as {@code %zz}, a space) with an empty 400, before
 * any route runs: no ARM error and no request ids. The door makes the same check first thing, and answers it as every
 * other refusal ({@code FrontDoor}): 400 {@code InvalidRequestUri} with its ids. Nothing reaches a service unchecked.
 * An operator's explicit {@code -Dvertx.disableURIValidation=false} is kept.
 */
@QuarkusMain
public final class DoorMain {
    /** Read by Quarkus' HTTP root handler when its class is initialised, after this main has run. */
    public static final String URI_VALIDATION = "vertx.disableURIValidation";

    private DoorMain() {
    }

    public static void main(String... args) {
        if (System.getProperty(URI_VALIDATION) == null) {
            System.setProperty(URI_VALIDATION, "true");
        }
        Quarkus.run(args);
    }
}
