import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * From the PUT of a version to its VersionPublished on Kafka (consumed by a plain consumer), N times; beside it the
 * floor measured in the same run: a bare produce-to-consume round trip through the same broker.
 * usage: java -cp 'kafka-dist/lib/*' PublishLatency.java BOOTSTRAP CATALOG_URL DEFINITION_ID SOURCE_ID TOKEN N
 */
public class PublishLatency {
    public static void main(String[] a) throws Exception {
        String bootstrap = a[0], catalog = a[1], def = a[2], source = a[3], token = a[4];
        int n = Integer.parseInt(a[5]);
        Map<String, Long> seen = new ConcurrentHashMap<>();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "bench-" + UUID.randomUUID());
        p.put("auto.offset.reset", "latest");
        p.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("linger.ms", "0");
        // the bus admits only signed-in clients: the bench reads as the broker's super user (its own listener, the
        // password from .local/bus/secrets.properties), and creates its ping topic (none is created on first use)
        String password = System.getenv("BENCH_KAFKA_PASSWORD");
        if (password != null) {
            p.put("security.protocol", "SASL_PLAINTEXT");
            p.put("sasl.mechanism", "PLAIN");
            p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"kafka\" password=\"" + password + "\";");
        }
        String pingTopic = "bench.ping";
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(pingTopic, 1, (short) 1))).all()
                    .get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                c.subscribe(List.of("gallery.catalog.v1", pingTopic));
                while (reading.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(20))) {
                        if (r.topic().equals(pingTopic) || r.value().contains("\"VersionPublished\"")) {
                            seen.putIfAbsent(r.key(), System.nanoTime());
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // done
            }
        });
        reader.setDaemon(true); // a failed PUT ends the run rather than leaving the reader polling forever
        reader.start();
        Thread.sleep(3000); // let the consumer join and seek to the end
        HttpClient http = HttpClient.newHttpClient();
        String run = Long.toString(System.currentTimeMillis() % 100000);
        List<Double> put = new ArrayList<>();
        List<Double> floor = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < n; i++) {
                String key = "ping-" + run + "-" + i;
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(pingTopic, key, "x")).get();
                floor.add(waitFor(seen, key, t0));
                String id = def + "/versions/9." + run + "." + i;
                String body = "{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":"
                        + "[{\"name\":\"westeurope\"}],\"excludeFromLatest\":true},\"storageProfile\":{\"source\":{\"id\":\""
                        + source + "\"}}}}";
                long t1 = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(catalog + id
                                + "?api-version=2024-03-03")).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("PUT " + id + " answered " + r.statusCode() + ": " + r.body());
                }
                put.add(waitFor(seen, id, t1));
            }
        }
        reading.set(false);
        reader.join(5000);
        System.out.printf("PUT version -> VersionPublished on Kafka (n=%d): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                n, pct(put, 50), pct(put, 99), Collections.max(put));
        System.out.printf("baseline, bare produce -> consume (same broker, n=%d): p50 %.1f ms, p99 %.1f ms%n",
                n, pct(floor, 50), pct(floor, 99));
        System.out.printf("ratio p99 (publish / bare): %.2f%n", pct(put, 99) / Math.max(0.001, pct(floor, 99)));
    }

    static double waitFor(Map<String, Long> seen, String key, long t0) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            Long t = seen.get(key);
            if (t != null) {
                return (t - t0) / 1e6;
            }
            Thread.sleep(0, 200_000);
        }
        throw new IllegalStateException("no event for " + key + " within 10 s");
    }

    static double pct(List<Double> xs, int p) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
