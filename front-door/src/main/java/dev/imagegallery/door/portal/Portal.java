package dev.imagegallery.door.portal;

import dev.imagegallery.door.config.DoorConfig;
import dev.imagegallery.door.proxy.ArmErrors;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The portal's files at {@code /portal/} (module portal: HTML, CSS and JavaScript modules from the class path, through
 * Vert.x Web's {@link StaticHandler}), and {@code /portal/config.json}: the tenants a user may sign in to and the
 * client the portal signs in as. The portal is a client of the public API like any other: it calls the ARM paths on
 * this same door with the user's bearer token, and has no path of its own into the services.
 * <p>
 * Every answer carries a Content-Security-Policy that lets the page run only its own scripts and styles, talk only to
 * this origin and the tenants' identity providers (the token endpoint), and be framed by nobody.
 */
@ApplicationScoped
public class Portal {
    /** Where the portal is served. */
    public static final String PATH = "/portal";
    static final String FILES = "META-INF/gallery-portal";

    private final boolean enabled;
    private final Router router;

    public Portal(Vertx vertx, DoorConfig config) {
        DoorConfig.PortalSettings settings = config.portal();
        this.enabled = settings.enabled();
        List<Tenant> tenants = settings.tenants().orElse(List.of()).stream().map(Tenant::parse).toList();
        Buffer clientConfig = clientConfig(settings.clientId(), tenants);
        String policy = contentSecurityPolicy(tenants);

        router = Router.router(vertx);
        router.route().handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", policy)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("X-Frame-Options", "DENY");
            if (ctx.request().method() != HttpMethod.GET && ctx.request().method() != HttpMethod.HEAD) {
                ctx.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
                error(ctx, 405, "MethodNotAllowed", "The portal's files are read with GET or HEAD.");
                return;
            }
            ctx.next();
        });
        // (a route's path matches with a trailing slash too: /portal/ is the index page, not this)
        router.routeWithRegex("^" + PATH + "$").handler(ctx -> ctx.response().setStatusCode(301)
                .putHeader(HttpHeaders.LOCATION, PATH + "/").end());
        router.route(PATH + "/config.json").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(clientConfig));
        // the portal's files are named with letters, digits, dots, hyphens and underscores, and it has no folders:
        // anything else is no file (index.html/ and index.html%2f were the file, served without a Content-Type)
        router.routeWithRegex("^" + PATH + "/(?![A-Za-z0-9._-]*$).*$").handler(ctx -> error(ctx, 404, "NotFound",
                "The portal has no file at '" + ctx.normalizedPath() + "'."));
        router.route(PATH + "/*").handler(StaticHandler.create(FILES)
                .setIndexPage("index.html")
                .setDirectoryListing(false)
                .setIncludeHidden(false)
                // a new build's files are seen at the next load: the browser asks again (an unchanged file is a 304)
                .setCachingEnabled(true)
                .setMaxAgeSeconds(0)
                .setDefaultContentEncoding("UTF-8"));
        router.route().last().handler(ctx -> error(ctx, 404, "NotFound", "The portal has no file at '"
                + ctx.normalizedPath() + "'."));
        router.errorHandler(500, ctx -> error(ctx, 500, "InternalServerError", "The portal's file could not be read."));
        router.errorHandler(416, ctx -> error(ctx, 416, "RangeNotSatisfiable", "The file does not hold the range "
                + "asked for; its size is in Content-Range."));
    }

    /** Whether the portal answers this path (the door's own, before any route to a service). */
    public boolean serves(String path) {
        return enabled && (path.equals(PATH) || path.startsWith(PATH + "/"));
    }

    public void handle(HttpServerRequest request) {
        router.handle(request);
    }

    /** A tenant the portal offers at sign-in: its name and its OpenID Connect issuer. */
    record Tenant(String name, URI issuer) {
        static Tenant parse(String pair) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("gallery.door.portal.tenants: '" + pair + "' is not name=issuer");
            }
            URI issuer = URI.create(pair.substring(eq + 1).trim());
            if (issuer.getScheme() == null || issuer.getHost() == null
                    || !(issuer.getScheme().equals("https") || issuer.getScheme().equals("http"))) {
                throw new IllegalArgumentException("gallery.door.portal.tenants: the issuer of '" + pair
                        + "' is not an http(s) URL");
            }
            return new Tenant(pair.substring(0, eq).trim(), issuer);
        }

        String origin() {
            return issuer.getScheme() + "://" + issuer.getRawAuthority();
        }
    }

    static Buffer clientConfig(String clientId, List<Tenant> tenants) {
        JsonArray list = new JsonArray();
        tenants.forEach(t -> list.add(new JsonObject().put("name", t.name()).put("issuer", t.issuer().toString())));
        return new JsonObject().put("clientId", clientId).put("tenants", list).toBuffer();
    }

    /**
     * Scripts, styles and images from this origin only; requests to this origin (the API) and to the tenants'
     * identity providers (the code's exchange for tokens at the token endpoint); no frames, no plugins, no other base.
     */
    static String contentSecurityPolicy(List<Tenant> tenants) {
        Set<String> connect = new LinkedHashSet<>();
        connect.add("'self'");
        tenants.forEach(t -> connect.add(t.origin()));
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src "
                + String.join(" ", connect) + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    private static void error(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().headWritten()) {
            ctx.request().connection().close();
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, ArmErrors.JSON)
                .end(ArmErrors.body(code, message, null));
    }
}
