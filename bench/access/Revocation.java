import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Revocation propagation: grant carol Reader on the subscription, wait until catalog-service and replication-service
 * both let her read, DELETE the assignment at access-service, and time until both refuse her (404: with no role left
 * in the subscription, it does not exist for her, in every service). N rounds. Beside it, in the same run, the floor:
 * how long access-service itself takes to refuse after the DELETE.
 * usage: java Revocation.java ALICE_TOKEN CAROL_TOKEN SUBSCRIPTION GALLERY_ID BLOB_PATH CAROL_ID N
 */
public class Revocation {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] a) throws Exception {
        String alice = a[0], carol = a[1], sub = a[2], gallery = a[3], blob = a[4], carolId = a[5];
        int n = Integer.parseInt(a[6]);
        String scope = "/subscriptions/" + sub;
        String catalogRead = "http://localhost:8081" + gallery + "?api-version=2024-03-03";
        String replicationRead = "http://localhost:8082" + blob;
        String accessRead = "http://localhost:8083" + scope + "/providers/Microsoft.Authorization/roleAssignments"
                + "?api-version=2022-04-01";
        List<Double> both = new ArrayList<>();
        List<Double> floor = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            String assignment = "http://localhost:8083" + scope + "/providers/Microsoft.Authorization/roleAssignments/"
                    + id + "?api-version=2022-04-01";
            int put = send("PUT", assignment, alice, "{\"properties\":{\"roleDefinitionId\":\"" + scope
                    + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7\","
                    + "\"principalId\":\"" + carolId + "\",\"principalType\":\"User\"}}");
            if (put != 201) {
                throw new IllegalStateException("grant answered " + put);
            }
            waitUntil(catalogRead, carol, 200, 20_000);
            waitUntil(replicationRead, carol, 200, 20_000);
            long t0 = System.nanoTime();
            int del = send("DELETE", assignment, alice, null);
            if (del != 200) {
                throw new IllegalStateException("revoke answered " + del);
            }
            // carol holds no role in the subscription any more: access-service answers as if it did not exist
            floor.add(waitUntil(accessRead, carol, 404, 20_000, t0));
            double c = waitUntil(catalogRead, carol, 404, 20_000, t0);
            double r = waitUntil(replicationRead, carol, 404, 20_000, t0);
            both.add(Math.max(c, r));
        }
        System.out.printf("revocation -> 404 at catalog-service and replication-service (n=%d): p50 %.0f ms, "
                + "p99 %.0f ms, max %.0f ms%n", n, pct(both, 50), pct(both, 99), Collections.max(both));
        System.out.printf("baseline, access-service itself refusing after the DELETE (n=%d): p50 %.0f ms, p99 %.0f ms%n",
                n, pct(floor, 50), pct(floor, 99));
    }

    static int send(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static double waitUntil(String url, String token, int status, long timeoutMs) throws Exception {
        return waitUntil(url, token, status, timeoutMs, System.nanoTime());
    }

    static double waitUntil(String url, String token, int status, long timeoutMs, long t0) throws Exception {
        while (true) {
            int s = send("GET", url, token, null);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (s == status) {
                return ms;
            }
            if (ms > timeoutMs) {
                throw new IllegalStateException(url + " still answers " + s + " after " + timeoutMs + " ms");
            }
            Thread.sleep(5);
        }
    }

    static double pct(List<Double> xs, int p) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
