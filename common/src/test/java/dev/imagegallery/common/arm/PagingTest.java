package dev.imagegallery.common.arm;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PagingTest {
    static final Paging.Limits LIMITS = new Paging.Limits(2, 10);
    static final String LIST = "https://gallery.example:8443/subscriptions/s/providers/Microsoft.Compute/galleries";

    static Paging paging(String uri, String top, String token) {
        return Paging.of(URI.create(uri), top, token, LIMITS);
    }

    static String tokenOf(String nextLink) {
        return nextLink.substring(nextLink.indexOf("%24skiptoken=") + "%24skiptoken=".length());
    }

    @Test
    void theNextLinkKeepsEveryParameterTheClientSentAndReplacesOnlyTheSkipToken() {
        String first = LIST + "?api-version=2024-03-03&%24filter=name%20eq%20%27a%27&$top=2";
        String next = paging(first, "2", null).page(List.of(1, 2, 3)).nextLink();
        assertTrue(next.startsWith(first + "&%24skiptoken="), next);
        // following it replaces the token, nothing else, whichever way the client spelt the parameter
        String again = paging(next.replace("%24skiptoken", "$skiptoken"), "2", tokenOf(next))
                .page(List.of(3, 4, 5)).nextLink();
        assertTrue(again.startsWith(first + "&%24skiptoken="), again);
        assertEquals(1, again.split("skiptoken=", -1).length - 1, again);
    }

    @Test
    void theNextLinkIsAbsoluteOnTheHostAndSchemeOfTheRequest() {
        String next = paging(LIST + "?api-version=1", null, null).page(List.of(1, 2, 3)).nextLink();
        assertTrue(next.startsWith(LIST + "?api-version=1&%24skiptoken="), next);
    }

    @Test
    void theLastPageHasNoNextLink() {
        assertNull(paging(LIST, null, null).page(List.of(1, 2)).nextLink());
        assertNull(paging(LIST, null, null).slice(List.of(1, 2)).nextLink());
    }

    @Test
    void offsetKeyAndSlicePagesWalkTheWholeList() {
        List<Integer> all = IntStream.range(0, 7).boxed().toList();
        List<Integer> seen = new java.util.ArrayList<>();
        String token = null;
        do {
            var page = paging(LIST + "?api-version=1", null, token).slice(all);
            seen.addAll(page.value());
            token = page.nextLink() == null ? null : tokenOf(page.nextLink());
        } while (token != null);
        assertEquals(all, seen);

        seen.clear();
        do {
            Paging p = paging(LIST + "?api-version=1", "3", token);
            int after = p.after() == null ? -1 : Integer.parseInt(p.after());
            var page = p.pageByKey(all.stream().filter(i -> i > after).limit(p.fetch()).toList(), String::valueOf);
            seen.addAll(page.value());
            token = page.nextLink() == null ? null : tokenOf(page.nextLink());
        } while (token != null);
        assertEquals(all, seen);
    }

    @Test
    void aTamperedOrForeignSkipTokenIs400NamingSkipToken() {
        String next = paging(LIST + "?api-version=1", null, null).page(List.of(1, 2, 3)).nextLink();
        String token = tokenOf(next);
        assertEquals(2, paging(LIST, null, token).offset());
        // the same list in another case is the same list (ARM paths are case-insensitive)
        assertEquals(2, paging(LIST.toUpperCase(), null, token).offset());
        String otherList = LIST + "/g/images";
        // another place with the check of this one
        String altered = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("o:4".getBytes())
                + token.substring(token.indexOf('.'));
        for (String bad : new String[] {"", "bogus", "5", "bzo1", token + "x", altered,
                Paging.token("/elsewhere", "o:2"), Paging.token(URI.create(LIST).getRawPath().toLowerCase(), "o:-1"),
                Paging.token(URI.create(LIST).getRawPath().toLowerCase(), "k:")}) {
            var e = assertThrows(ArmException.class, () -> paging(LIST, null, bad), bad);
            assertEquals(400, e.status());
            assertEquals("$skiptoken", e.target());
        }
        var foreign = assertThrows(ArmException.class, () -> paging(otherList, null, token));
        assertEquals("$skiptoken", foreign.target());
    }

    /**
     * A token is bound to its query: a usageDetails token taken to another date range read on from its place there.
     * The same query re-encoded and reordered (Python's SDK re-quotes each value of a nextLink) is the same list.
     */
    @Test
    void aTokenOfOneQueryIsRefusedInAnotherAndTheSameQueryReencodedTakesIt() {
        String first = LIST + "?api-version=2023-05-01&startDate=2026-11-01&endDate=2026-11-30"
                + "&%24filter=properties%2FmeterId+eq+%27m%27";
        String token = tokenOf(paging(first, null, null).page(List.of(1, 2, 3)).nextLink());
        String same = LIST + "?%24filter=properties/meterId%20eq%20%27m%27&endDate=2026-11-30&startDate=2026-11-01"
                + "&api-version=2024-08-01&$top=5";
        assertEquals(2, paging(same, null, token).offset());
        for (String other : new String[] {LIST + "?startDate=2026-10-01&endDate=2026-11-30&$filter=properties/meterId"
                + "%20eq%20%27m%27", LIST + "?startDate=2026-11-01&endDate=2026-11-30", LIST}) {
            var e = assertThrows(ArmException.class, () -> paging(other, null, token), other);
            assertEquals("$skiptoken", e.target());
        }
    }

    @Test
    void aTopOutsideTheListsLimitsIs400NamingTop() {
        for (String bad : new String[] {"0", "11", "-1", "", "1.5", "x"}) {
            assertEquals("$top", assertThrows(ArmException.class, () -> paging(LIST, bad, null)).target(), bad);
        }
        assertEquals(10, paging(LIST, "10", null).top());
        assertEquals(2, paging(LIST, null, null).top());
    }
}
