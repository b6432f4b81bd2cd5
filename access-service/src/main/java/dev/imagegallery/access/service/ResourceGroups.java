package dev.imagegallery.access.service;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.Regions;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ARM's resource groups ({@code Microsoft.Resources/resourceGroups}), which Azure's SDKs and quickstarts make before
 * anything else ({@code resource_groups.create_or_update}, {@code withNewResourceGroup}): a group made here (PUT) is
 * kept with its location and tags; a group that holds a gallery is there too, implicitly, as resource groups are
 * elsewhere in this system (a gallery may be made in any group name), located where its first gallery is.
 * <p>
 * Unlike Azure, deleting a group does not delete what it holds: a group with a gallery is 409
 * {@code ResourceGroupNotEmpty} (delete the galleries first); managed images, which access-service does not learn
 * of, stay reachable under the group's name.
 */
@ApplicationScoped
public class ResourceGroups {
    static final String READ = "Microsoft.Resources/subscriptions/resourceGroups/read";
    static final String WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write";
    static final String DELETE = "Microsoft.Resources/subscriptions/resourceGroups/delete";

    /** A group as ARM answers it. */
    public record Group(String subscriptionId, String name, String location, Map<String, String> tags) {
        public String id() {
            return "/subscriptions/" + subscriptionId + "/resourceGroups/" + name;
        }
    }

    private final AccessService access;
    private final Pool pool;

    public ResourceGroups(AccessService access, Pool pool) {
        this.access = access;
        this.pool = pool;
    }

    static String name(String rg) {
        return dev.imagegallery.common.arm.ArmNames.resourceGroup(rg);
    }

    static String subscription(String sub) {
        return dev.imagegallery.access.domain.Inputs.guid(sub, "InvalidSubscriptionId", "subscriptionId",
                "subscription id");
    }

    private static String scope(String sub, String rg) {
        return "/subscriptions/" + sub + "/resourceGroups/" + rg;
    }

    /** PUT: made (true) or updated; its location stays what it was (409 for another, as ARM answers). */
    @WithSession
    public Uni<AccessService.Upsert<Group>> put(Caller caller, String subscriptionId, String rg, String location,
                                               Map<String, String> tags) {
        String sub = subscription(subscriptionId);
        name(rg);
        if (location == null || location.isBlank()) {
            throw ArmException.invalid("LocationRequired", "The location property is required for this definition.",
                    "location");
        }
        String region = Regions.normalise(location);
        if (region == null) {
            throw ArmException.invalid("LocationNotAvailableForResourceGroup", "The provided location '" + location
                    + "' is not available for resource group. List of available regions is '"
                    + String.join(",", new java.util.TreeSet<>(Regions.names())) + "'.", "location");
        }
        String tagsJson = Tags.json(tags);
        return access.requireAt(caller, scope(sub, rg), WRITE)
                .chain(() -> stored(sub, rg))
                .chain(existing -> {
                    if (existing != null) {
                        sameLocation(existing, location, region);
                    }
                    if (existing != null) {
                        return pool.preparedQuery("UPDATE resource_group SET tags = $3 WHERE subscription_id = $1 "
                                        + "AND name_key = $2")
                                .execute(Tuple.of(sub, key(rg), tagsJson))
                                .map(r -> new AccessService.Upsert<>(new Group(sub, existing.name(), region,
                                        tags == null ? Map.of() : tags), false));
                    }
                    return pool.preparedQuery("INSERT INTO resource_group (subscription_id, name_key, name, location, "
                                    + "tags, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                            .execute(Tuple.tuple(java.util.Arrays.<Object>asList(sub, key(rg), rg, region, tagsJson,
                                    OffsetDateTime.ofInstant(StoredTime.now(), ZoneOffset.UTC))))
                            .chain(r -> r.rowCount() > 0
                                    ? Uni.createFrom().item(new AccessService.Upsert<>(new Group(sub, rg, region,
                                    tags == null ? Map.of() : tags), true))
                                    : stored(sub, rg).map(now -> { // made beside this PUT: as a second PUT would
                                        sameLocation(now, location, region);
                                        return new AccessService.Upsert<>(now, false);
                                    }));
                });
    }

    /** A group keeps its location: another is 409, as ARM answers. */
    private static void sameLocation(Group existing, String asked, String region) {
        if (!existing.location().equals(region)) {
            throw ArmException.conflict("InvalidResourceGroupLocation", "Invalid resource group location '" + asked
                    + "'. The Resource group already exists in location '" + existing.location() + "'.", "location");
        }
    }

    /** PATCH: its tags (the only thing ARM lets a group change). */
    @WithSession
    public Uni<Group> patchTags(Caller caller, String subscriptionId, String rg, Map<String, String> tags) {
        String sub = subscription(subscriptionId);
        name(rg);
        String tagsJson = Tags.json(tags);
        return access.requireAt(caller, scope(sub, rg), WRITE)
                .chain(() -> find(sub, rg))
                .chain(g -> tags == null ? Uni.createFrom().item(g) : pool.preparedQuery("INSERT INTO resource_group "
                                + "(subscription_id, name_key, name, location, tags, created_at) VALUES "
                                + "($1, $2, $3, $4, $5, $6) ON CONFLICT (subscription_id, name_key) DO UPDATE SET tags = $5")
                        .execute(Tuple.tuple(java.util.Arrays.<Object>asList(sub, key(rg), g.name(), g.location(),
                                tagsJson, OffsetDateTime.ofInstant(StoredTime.now(), ZoneOffset.UTC))))
                        .map(r -> new Group(sub, g.name(), g.location(), tags)));
    }

    @WithSession
    public Uni<Group> get(Caller caller, String subscriptionId, String rg) {
        String sub = subscription(subscriptionId);
        name(rg);
        return access.requireAt(caller, scope(sub, rg), READ).chain(() -> find(sub, rg));
    }

    private static final java.util.regex.Pattern TAG_FILTER = java.util.regex.Pattern.compile(
            "(?i)\\s*tagName\\s+eq\\s+'((?:[^']|'')*)'\\s*(?:and\\s+tagValue\\s+eq\\s+'((?:[^']|'')*)'\\s*)?");

    /**
     * ARM's {@code $filter} of a resource group list: {@code tagName eq '<name>'}, optionally {@code and tagValue eq
     * '<value>'} (a tag's name without regard to case, as ARM's; its value as written); blank is every group. Anything
     * else is 400 {@code InvalidFilter} naming {@code $filter}, never ignored.
     */
    public static java.util.function.Predicate<Group> tagFilter(String filter) {
        if (filter == null || filter.isBlank()) {
            return g -> true;
        }
        var m = TAG_FILTER.matcher(filter);
        if (filter.length() > 2048 || !m.matches()) {
            throw ArmException.invalid("InvalidFilter", "The $filter '" + (filter.length() > 200
                    ? filter.substring(0, 200) + "..." : filter) + "' is not supported: a resource group list is "
                    + "filtered by tag, as tagName eq 'name' or tagName eq 'name' and tagValue eq 'value'.", "$filter");
        }
        String name = m.group(1).replace("''", "'");
        String value = m.group(2) == null ? null : m.group(2).replace("''", "'");
        return g -> g.tags() != null && g.tags().entrySet().stream().anyMatch(t -> t.getKey().equalsIgnoreCase(name)
                && (value == null || value.equals(t.getValue())));
    }

    /** The groups of a subscription: those made here and those that hold a gallery, by name. */
    @WithSession
    public Uni<List<Group>> list(Caller caller, String subscriptionId) {
        String sub = subscription(subscriptionId);
        return access.requireAt(caller, "/subscriptions/" + sub, READ)
                .chain(() -> pool.preparedQuery("SELECT name, location, tags FROM resource_group WHERE "
                        + "subscription_id = $1").execute(Tuple.of(sub)))
                .chain(rows -> implicit(sub, null).map(galleries -> {
                    Map<String, Group> all = new java.util.TreeMap<>();
                    for (Row r : rows) {
                        all.put(key(r.getString("name")), of(sub, r));
                    }
                    galleries.forEach((k, g) -> all.putIfAbsent(k, g));
                    return new ArrayList<>(all.values());
                }));
    }

    /** DELETE: true if it was made here and is gone now; 409 while it holds a gallery; 404 if there is none. */
    @WithSession
    public Uni<Boolean> delete(Caller caller, String subscriptionId, String rg) {
        String sub = subscription(subscriptionId);
        name(rg);
        return access.requireAt(caller, scope(sub, rg), DELETE)
                .chain(() -> find(sub, rg))
                .chain(g -> implicit(sub, rg).map(galleries -> {
                    if (!galleries.isEmpty()) {
                        throw ArmException.conflict("ResourceGroupNotEmpty", "The resource group '" + g.name()
                                + "' holds galleries; delete them first (this system does not delete a group's "
                                + "resources with it).", "resourceGroupName");
                    }
                    return g;
                }))
                .chain(g -> pool.preparedQuery("DELETE FROM resource_group WHERE subscription_id = $1 AND "
                        + "name_key = $2").execute(Tuple.of(sub, key(rg))).map(r -> true));
    }

    /** The group, made here or holding a gallery; 404 {@code ResourceGroupNotFound} otherwise. */
    private Uni<Group> find(String sub, String rg) {
        return stored(sub, rg).chain(g -> g != null ? Uni.createFrom().item(g) : implicit(sub, rg).map(galleries -> {
            Group found = galleries.get(key(rg));
            if (found == null) {
                throw ArmException.notFound("ResourceGroupNotFound", "Resource group '" + rg + "' could not be "
                        + "found.", "resourceGroupName");
            }
            return found;
        }));
    }

    private Uni<Group> stored(String sub, String rg) {
        return pool.preparedQuery("SELECT name, location, tags FROM resource_group WHERE subscription_id = $1 AND "
                        + "name_key = $2").execute(Tuple.of(sub, key(rg)))
                .map(rows -> rows.size() == 0 ? null : of(sub, rows.iterator().next()));
    }

    /** The groups (one, or all when {@code rg} is null) that hold a gallery, by key: named as the gallery's id has it. */
    private Uni<Map<String, Group>> implicit(String sub, String rg) {
        String prefix = ("/subscriptions/" + sub + "/resourcegroups/" + (rg == null ? "" : rg + "/"))
                .toLowerCase(Locale.ROOT);
        return pool.preparedQuery("SELECT gallery_id, location FROM gallery_view WHERE gallery_key LIKE $1 "
                        + "ORDER BY gallery_key")
                .execute(Tuple.of(prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"))
                .map(rows -> {
                    Map<String, Group> groups = new LinkedHashMap<>();
                    for (Row r : rows) {
                        String[] parts = r.getString("gallery_id").split("/");
                        if (parts.length > 4) {
                            groups.putIfAbsent(key(parts[4]), new Group(sub, parts[4], r.getString("location"),
                                    Map.of()));
                        }
                    }
                    return groups;
                });
    }

    private static Group of(String sub, Row r) {
        return new Group(sub, r.getString("name"), r.getString("location"), Tags.of(r.getString("tags")));
    }

    private static String key(String rg) {
        return rg.toLowerCase(Locale.ROOT);
    }
}
