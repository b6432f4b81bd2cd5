package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.PublicEvents;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The forwarder's lag at a steady rate (bench/public-streams/run.sh): internal events produced at
 * {@code bench.rate} per second (half VersionPublished on gallery.catalog.v1, half ReplicaCompleted on
 * gallery.replication.v1, each giving one or two public events) and, per public event, the time from its source
 * event's creation (the public event's {@code time}) to a consumer of the tenant's stream receiving it. Baseline in the
 * same run: the same events produced directly to a topic and consumed (the direct path, no forwarder). Skipped unless
 * -Dgallery.bench=true.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "gallery.bench", matches = "true")
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ForwarderLagBenchmark {
    static final int RATE = Integer.getInteger("bench.rate", 5000);
    static final int SECONDS = Integer.getInteger("bench.seconds", 20);
    static final int WARMUP = Integer.getInteger("bench.warmup", 5);

    record Lags(List<Long> millis, long events) {
        String line(String name) {
            List<Long> l = new ArrayList<>(millis);
            Collections.sort(l);
            if (l.isEmpty()) {
                return name + " no events received";
            }
            return String.format("%s events=%d p50=%d ms p99=%d ms max=%d ms", name, events,
                    l.get(l.size() / 2), l.get((int) Math.min(l.size() - 1, Math.ceil(l.size() * 0.99) - 1)),
                    l.get(l.size() - 1));
        }
    }

    @Test
    void forwarderLagAtASteadyRate() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String direct = "bench.direct." + run;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                TestInfra.shared().superUserProps())) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(direct, 3, (short) 1))).all().get();
        }
        // warm-up (JIT, topic creation, consumer assignment): not measured
        produce(run + "w", WARMUP, null);
        Lags baseline = measure(direct, run + "d", true);
        Lags forwarded = measure(PublicEvents.topicOf(Realms.CONTOSO), run + "f", false);
        System.out.println("BENCH public-streams rate=" + RATE + "/s internal events for " + SECONDS + " s");
        System.out.println("BENCH " + baseline.line("direct   (produce -> consume, same events)"));
        System.out.println("BENCH " + forwarded.line("forwarded(internal topic -> forwarder -> tenant stream)"));
    }

    /** Produces for SECONDS at RATE (to {@code directTopic} when given) while a consumer measures the lag. */
    Lags measure(String topic, String tag, boolean isDirect) throws Exception {
        List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        long[] count = new long[1];
        Thread consumer = new Thread(() -> {
            Properties p = new Properties();
            p.putAll(TestInfra.shared().superUserProps());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + tag);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                c.subscribe(List.of(topic));
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        long now = System.currentTimeMillis();
                        CloudEvent e = CloudEvent.parse(r.value());
                        if (e.subject() != null && e.subject().contains(tag)) {
                            lags.add(now - e.time().toEpochMilli());
                            count[0]++;
                        }
                    }
                }
            }
        });
        consumer.start();
        Thread sampler = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Thread.sleep(2000);
                    System.out.println("BENCH-STAGE " + tag + " outbox=" + AccessTestSupport.query(
                            "SELECT count(*) FROM outbox WHERE topic <> ?", "x", rs -> rs.next() ? rs.getLong(1) : -1)
                            + " forwarded=" + AccessTestSupport.query("SELECT count(*) FROM forwarded_event "
                            + "WHERE event_id <> ?", "x", rs -> rs.next() ? rs.getLong(1) : -1)
                            + " received=" + count[0] + " db=" + AccessTestSupport.query("SELECT string_agg(state || "
                            + "'/' || coalesce(wait_event, '-') || '/' || extract(epoch from now() - xact_start)::int "
                            + "|| 's:' || left(query, 40), ' | ') FROM pg_stat_activity WHERE state <> 'idle' AND "
                            + "query <> ?", "x", rs -> rs.next() ? rs.getString(1) : "-"));
                } catch (Exception e) {
                    return;
                }
            }
        });
        if (Boolean.getBoolean("bench.stages")) {
            sampler.start();
        }
        Thread.sleep(3000); // the consumer joins its group and is assigned before the first event
        produce(tag, SECONDS, isDirect ? topic : null);
        // let the tail arrive: up to 30 s after the last event
        long expected = (long) RATE * SECONDS / 2 * (isDirect ? 2 : 3);
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline && count[0] < expected) {
            Thread.sleep(100);
        }
        stop.set(true);
        consumer.join();
        return new Lags(new ArrayList<>(lags), count[0]);
    }

    /** RATE events per second for {@code seconds}, in 10 ms ticks. */
    static void produce(String tag, int seconds, String directTopic) throws Exception {
        Properties p = new Properties();
        // the super user: it writes the internal topics as their producers would, and the direct path's topic
        p.putAll(TestInfra.shared().superUserProps());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        int perTick = Math.max(1, RATE / 100);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            long start = System.nanoTime();
            int n = 0;
            for (int tick = 0; tick < seconds * 100; tick++) {
                for (int i = 0; i < perTick; i++, n++) {
                    String v = "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/"
                            + tag + "/images/img" + (n / 2) + "/versions/1.0.0";
                    boolean published = n % 2 == 0;
                    CloudEvent e = published ? PublicStreamsTest.published(v, sub, Realms.CONTOSO)
                            : PublicStreamsTest.completed(v, sub, "westeurope", 1);
                    String topic = directTopic != null ? directTopic
                            : published ? EventTypes.CATALOG_TOPIC : EventTypes.REPLICATION_TOPIC;
                    producer.send(new ProducerRecord<>(topic, v, e.toJson()));
                }
                long due = start + (tick + 1) * 10_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            producer.flush();
            System.out.println("BENCH produced " + n + " events in " + Duration.ofNanos(System.nanoTime() - start)
                    .toMillis() + " ms (" + Instant.now() + ")");
        }
    }
}
