package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.SharedViewService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import dev.imagegallery.common.security.ShareView;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The consumer views: {@code sharedGalleries} (shared with the caller's tenant or subscriptions, once accepted) and
 * {@code communityGalleries} (every authenticated tenant), with their images and versions.
 */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class SharedGalleryResource {
    private final SharedViewService views;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public SharedGalleryResource(SharedViewService views, Authorizer authorizer, CurrentCaller caller) {
        this.views = views;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    /** The subscription in the path is the caller's own (as in Azure); the location must exist. */
    private Uni<Void> own(String sub, String location) {
        Validation.subscriptionId(sub);
        Validation.region(location, "location");
        return authorizer.requireSubscription(caller.get(), sub);
    }

    /**
     * A consumer view's resource, in Azure's shape (PirSharedGalleryResource / PirCommunityGalleryResource): name,
     * location, type and {@code identifier.uniqueId}; none of the owner's fields (its tenant, the sharing permissions,
     * provisioning state, description, release notes).
     */
    record SharedBody(String name, String location, String type, Identifier identifier, Object properties) {
    }

    record Identifier(String uniqueId) {
    }

    /** A shared gallery's properties ({@code artifactTags}); a community gallery's add {@code communityMetadata}. */
    record GalleryProps(Map<String, String> artifactTags, CommunityMetadata communityMetadata) {
    }

    record CommunityMetadata(String publisherUri, String publisherContact, String eula, List<String> publicNames) {
    }

    /** SharedGalleryImageProperties / CommunityGalleryImageProperties: what a consumer needs to create a VM. */
    record ImageProps(String osType, String osState, Instant endOfLifeDate, Bodies.ImageIdentifier identifier,
                      Bodies.Recommended recommended, Bodies.Disallowed disallowed, String hyperVGeneration,
                      List<Bodies.Feature> features, Bodies.PurchasePlan purchasePlan, String architecture,
                      String privacyStatementUri, String eula, Map<String, String> artifactTags) {
    }

    /**
     * SharedGalleryImageVersionProperties / CommunityGalleryImageVersionProperties, and this system's extensions (the
     * README lists them): {@code lifecycleState} (Active, Deprecated), {@code digest} and {@code sizeBytes} of the
     * content, {@code completedRegions} (where it can be used now).
     */
    record VersionProps(Instant publishedDate, Instant endOfLifeDate, boolean excludeFromLatest,
                        ConsumerStorageProfile storageProfile, Map<String, String> artifactTags,
                        String lifecycleState, String digest, Long sizeBytes, List<String> completedRegions) {
    }

    record ConsumerStorageProfile(ConsumerDiskImage osDiskImage) {
    }

    /** SharedGalleryDiskImage: {@code diskSizeGB} (whole GiB, rounded up) and {@code hostCaching}. */
    record ConsumerDiskImage(Long diskSizeGB, String hostCaching) {
    }

    /**
     * A page of a consumer view's list (held whole in memory), in name order so that every page follows one order:
     * $top and $skiptoken were ignored here ($top=0 and a garbage token answered 200) where every other list
     * refuses them (400 naming them).
     */
    private static ArmList<SharedBody> page(dev.imagegallery.common.arm.Paging paging, List<SharedBody> all) {
        return paging.slice(all.stream().sorted(java.util.Comparator.comparing(
                (SharedBody b) -> b.name().toLowerCase(java.util.Locale.ROOT))).toList());
    }

    static String prefix(boolean community) {
        return community ? "/CommunityGalleries/" : "/SharedGalleries/";
    }

    static String galleryName(ShareView g, boolean community) {
        return community ? g.communityName : g.uniqueName;
    }

    static SharedBody gallery(ShareView g, String location, boolean community) {
        var c = g.state().community();
        return new SharedBody(galleryName(g, community), location, community
                ? "Microsoft.Compute/locations/communityGalleries" : "Microsoft.Compute/locations/sharedGalleries",
                new Identifier(prefix(community) + galleryName(g, community)),
                new GalleryProps(Map.of(), community && c != null ? new CommunityMetadata(c.publisherUri(),
                        c.publisherContact(), c.eula(), List.of(c.publicGalleryName())) : null));
    }

    static SharedBody image(SharedViewService.SharedImage i, String location, boolean community) {
        var d = i.definition();
        String id = prefix(community) + galleryName(i.gallery(), community) + "/Images/" + d.name;
        var p = Mapper.image(id, d).properties();
        return new SharedBody(d.name, location, community ? "Microsoft.Compute/locations/communityGalleries/images"
                : "Microsoft.Compute/locations/sharedGalleries/images", new Identifier(id),
                new ImageProps(p.osType(), p.osState(), p.endOfLifeDate(), p.identifier(), p.recommended(),
                        p.disallowed(), p.hyperVGeneration(), p.features(), p.purchasePlan(), p.architecture(),
                        p.privacyStatementUri(), p.eula(), Map.of()));
    }

    static SharedBody version(SharedViewService.SharedVersion v, String location, boolean community) {
        var ver = v.version();
        String id = prefix(community) + galleryName(v.gallery(), community) + "/Images/" + v.definition().name
                + "/Versions/" + ver.name;
        return new SharedBody(ver.name, location, community
                ? "Microsoft.Compute/locations/communityGalleries/images/versions"
                : "Microsoft.Compute/locations/sharedGalleries/images/versions", new Identifier(id),
                new VersionProps(ver.publishedAt, ver.endOfLifeDate, ver.excludeFromLatest,
                        new ConsumerStorageProfile(new ConsumerDiskImage(Mapper.sizeGb(ver.sizeBytes),
                                ver.hostCaching)), Map.of(),
                        ver.lifecycleState, ver.digest, ver.sizeBytes, v.regions().stream()
                        .filter(r -> "Completed".equals(r.state)).map(r -> r.region).toList()));
    }

    /**
     * The galleries shared with the caller. {@code sharedTo=tenant} (Azure's one value, in any case) narrows the list to
     * those shared with the caller's tenant; without it the list holds those shared with a subscription the caller can
     * act in and, wider than Azure's (which lists the subscription's only), those shared with the tenant too. Any other
     * value is 400, not ignored.
     */
    @GET
    @Path("sharedGalleries")
    public Uni<ArmList<SharedBody>> sharedGalleries(@PathParam("subscriptionId") String sub,
                                                    @PathParam("location") String location,
                                                    @QueryParam("sharedTo") String sharedTo,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        boolean toTenant = sharedTo != null && !sharedTo.isEmpty();
        if (toTenant && !sharedTo.equalsIgnoreCase("tenant")) {
            throw ArmException.invalidParameter("sharedTo", "The value '"
                    + (sharedTo.length() > 40 ? sharedTo.substring(0, 40) + "..." : sharedTo) + "' of 'sharedTo' "
                    + "is not supported; use 'tenant' (the galleries shared with your tenant) or leave it out.");
        }
        return own(sub, location).flatMap(x -> views.sharedGalleries(caller.get()))
                .map(l -> page(paging, l.stream().filter(g -> !toTenant || SharedViewService.sharedWithTenant(g,
                        caller.get().tenantId())).map(g -> gallery(g, location, false)).toList()));
    }

    @GET
    @Path("sharedGalleries/{gallery}")
    public Uni<SharedBody> sharedGallery(@PathParam("subscriptionId") String sub, @PathParam("location") String location,
                                         @PathParam("gallery") String gallery) {
        return own(sub, location).flatMap(x -> views.shared(caller.get(), gallery)).map(g -> gallery(g, location, false));
    }

    @GET
    @Path("sharedGalleries/{gallery}/images")
    public Uni<ArmList<SharedBody>> sharedImages(@PathParam("subscriptionId") String sub,
                                                 @PathParam("location") String location,
                                                 @PathParam("gallery") String gallery,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        return own(sub, location).flatMap(x -> views.shared(caller.get(), gallery))
                .flatMap(g -> views.images(g).map(ds -> page(paging, ds.stream()
                        .map(d -> image(new SharedViewService.SharedImage(g, d), location, false)).toList())));
    }

    @GET
    @Path("sharedGalleries/{gallery}/images/{image}")
    public Uni<SharedBody> sharedImage(@PathParam("subscriptionId") String sub, @PathParam("location") String location,
                                       @PathParam("gallery") String gallery, @PathParam("image") String image) {
        return own(sub, location).flatMap(x -> views.shared(caller.get(), gallery))
                .flatMap(g -> views.image(g, image)).map(i -> image(i, location, false));
    }

    @GET
    @Path("sharedGalleries/{gallery}/images/{image}/versions")
    public Uni<ArmList<SharedBody>> sharedVersions(@PathParam("subscriptionId") String sub,
                                                   @PathParam("location") String location,
                                                   @PathParam("gallery") String gallery,
                                                   @PathParam("image") String image,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        return own(sub, location).flatMap(x -> views.shared(caller.get(), gallery))
                .flatMap(g -> views.versions(g, image))
                .map(vs -> page(paging, vs.stream().map(v -> version(v, location, false)).toList()));
    }

    @GET
    @Path("sharedGalleries/{gallery}/images/{image}/versions/{version}")
    public Uni<SharedBody> sharedVersion(@PathParam("subscriptionId") String sub, @PathParam("location") String location,
                                         @PathParam("gallery") String gallery, @PathParam("image") String image,
                                         @PathParam("version") String version) {
        return own(sub, location).flatMap(x -> views.shared(caller.get(), gallery))
                .flatMap(g -> views.version(g, image, version)).map(v -> version(v, location, false));
    }

    @GET
    @Path("communityGalleries")
    public Uni<ArmList<SharedBody>> communityGalleries(@PathParam("subscriptionId") String sub,
                                                       @PathParam("location") String location,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        return own(sub, location).flatMap(x -> views.communityGalleries())
                .map(l -> page(paging, l.stream().map(g -> gallery(g, location, true)).toList()));
    }

    @GET
    @Path("communityGalleries/{gallery}")
    public Uni<SharedBody> communityGallery(@PathParam("subscriptionId") String sub,
                                            @PathParam("location") String location,
                                            @PathParam("gallery") String gallery) {
        return own(sub, location).flatMap(x -> views.community(gallery)).map(g -> gallery(g, location, true));
    }

    @GET
    @Path("communityGalleries/{gallery}/images")
    public Uni<ArmList<SharedBody>> communityImages(@PathParam("subscriptionId") String sub,
                                                    @PathParam("location") String location,
                                                    @PathParam("gallery") String gallery,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        return own(sub, location).flatMap(x -> views.community(gallery))
                .flatMap(g -> views.images(g).map(ds -> page(paging, ds.stream()
                        .map(d -> image(new SharedViewService.SharedImage(g, d), location, true)).toList())));
    }

    @GET
    @Path("communityGalleries/{gallery}/images/{image}/versions")
    public Uni<ArmList<SharedBody>> communityVersions(@PathParam("subscriptionId") String sub,
                                                      @PathParam("location") String location,
                                                      @PathParam("gallery") String gallery,
                                                      @PathParam("image") String image,
            @QueryParam("$top") String top, @QueryParam("$skiptoken") String skipToken,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, Bodies.PAGES);
        return own(sub, location).flatMap(x -> views.community(gallery)).flatMap(g -> views.versions(g, image))
                .map(vs -> page(paging, vs.stream().map(v -> version(v, location, true)).toList()));
    }

    @GET
    @Path("communityGalleries/{gallery}/images/{image}")
    public Uni<SharedBody> communityImage(@PathParam("subscriptionId") String sub,
                                          @PathParam("location") String location,
                                          @PathParam("gallery") String gallery, @PathParam("image") String image) {
        return own(sub, location).flatMap(x -> views.community(gallery))
                .flatMap(g -> views.image(g, image)).map(i -> image(i, location, true));
    }

    @GET
    @Path("communityGalleries/{gallery}/images/{image}/versions/{version}")
    public Uni<SharedBody> communityVersion(@PathParam("subscriptionId") String sub,
                                            @PathParam("location") String location,
                                            @PathParam("gallery") String gallery, @PathParam("image") String image,
                                            @PathParam("version") String version) {
        return own(sub, location).flatMap(x -> views.community(gallery))
                .flatMap(g -> views.version(g, image, version)).map(v -> version(v, location, true));
    }
}
