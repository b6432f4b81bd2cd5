package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The sharing rules without Quarkus: the same codes, messages and targets the share action answers. */
class SharingRulesTest {
    static final String SUB = "C0DE0000-0000-4000-8000-00000000C001";

    static Sharing.Update add(Sharing.Group... groups) {
        return new Sharing.Update("Add", List.of(groups), null);
    }

    static ArmException refused(Runnable r) {
        return assertThrows(ArmException.class, r::run);
    }

    @Test
    void anOperationIsOneOfAzuresFour() {
        assertEquals("Reset", Sharing.operation(new Sharing.Update("Reset", null, null)));
        assertEquals("operationType", refused(() -> Sharing.operation(null)).target());
        assertEquals("operationType '<bad>' is not one of Add, Remove, Reset, EnableCommunity.".replace("<bad>",
                "Share"), refused(() -> Sharing.operation(new Sharing.Update("Share", null, null))).getMessage());
    }

    @Test
    void recipientsAreNormalisedAndCountedOnce() {
        var r = Sharing.recipients(add(new Sharing.Group("Subscriptions", List.of(SUB, " " + SUB.toLowerCase())),
                new Sharing.Group("AADTenants", List.of("Fabrikam"))));
        assertEquals(List.of(new Sharing.Recipient("Subscriptions", SUB.toLowerCase(), "groups[0].ids[0]"),
                new Sharing.Recipient("AADTenants", "fabrikam", "groups[1].ids[0]")), r);
    }

    @Test
    void eachBadRecipientIsRefusedNamingItsField() {
        assertEquals("groups", refused(() -> Sharing.recipients(new Sharing.Update("Add", List.of(), null)))
                .target());
        assertEquals("groups[0].type", refused(() -> Sharing.recipients(add(new Sharing.Group("Users",
                List.of(SUB))))).target());
        assertEquals("groups[0].ids[1]", refused(() -> Sharing.recipients(add(new Sharing.Group("Subscriptions",
                List.of(SUB, "not-a-guid"))))).target());
        var tooMany = refused(() -> Sharing.recipients(add(new Sharing.Group("AADTenants",
                IntStream.range(0, 6).mapToObj(i -> "tenant" + i).toList()))));
        assertEquals("SharingLimitExceeded", tooMany.code());
        assertEquals("groups[0].ids", tooMany.target());
        assertEquals("groups", refused(() -> Sharing.recipients(new Sharing.Update("Add", Collections.nCopies(11,
                new Sharing.Group("AADTenants", List.of("t1"))), null))).target());
    }

    @Test
    void anAddMayNotTakeAGalleryOverItsLimitCountingWhatItHas() {
        var existing = IntStream.range(0, 5).mapToObj(i -> new Sharing.Share("AADTenants", "t" + i, "Pending"))
                .toList();
        Sharing.checkLimits(existing, List.of(new Sharing.Recipient("AADTenants", "t0", "groups[0].ids[0]")));
        var e = refused(() -> Sharing.checkLimits(existing,
                List.of(new Sharing.Recipient("AADTenants", "t9", "groups[0].ids[0]"))));
        assertEquals("A gallery can be shared with at most 5 tenants (this would make 6).", e.getMessage());
    }

    @Test
    void aCommunityPublicationNeedsAPrefixAContactAndAEula() {
        var ok = new Sharing.Community("https://contoso.example", "images@contoso.example", "eula", "contoso1");
        assertEquals(ok, Sharing.community(ok));
        assertEquals("communityGalleryInfo", refused(() -> Sharing.community(null)).target());
        assertEquals("communityGalleryInfo.publicNamePrefix", refused(() -> Sharing.community(
                new Sharing.Community(null, "a@b.example", "eula", "abc"))).target());
        assertEquals("communityGalleryInfo.eula", refused(() -> Sharing.community(
                new Sharing.Community(null, "a@b.example", " ", "contoso1"))).target());
    }

    @Test
    void aProfileIsCommunityWhenPublishedGroupsWhenSharedElsePrivate() {
        var share = new Sharing.Share("Subscriptions", SUB.toLowerCase(), "Accepted");
        assertEquals("Private", Sharing.profile(List.of(), null).permissions());
        var groups = Sharing.profile(List.of(share), null);
        assertEquals("Groups", groups.permissions());
        assertEquals(List.of(new Sharing.Group("Subscriptions", List.of(SUB.toLowerCase()))), groups.groups());
        var published = new Sharing.Publication(null, "a@b.example", "eula", "contoso1",
                Sharing.newPublicName("contoso1"), true);
        assertEquals("Community", Sharing.profile(List.of(share), published).permissions());
        // a public name says nothing of the gallery: random, not a hash of its id
        String name = Sharing.newPublicName("contoso1");
        org.junit.jupiter.api.Assertions.assertTrue(name.matches("contoso1-[0-9a-f]{12}"), name);
        org.junit.jupiter.api.Assertions.assertNotEquals(name, Sharing.newPublicName("contoso1"));
    }
}
