package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CorruptChunkException;
import dev.imagegallery.replication.store.Manifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** Serves content out of a region's replica stores: whole or one HTTP byte range, every chunk verified. */
@ApplicationScoped
public class ContentService {
    static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    /** A byte range {@code [from, toExclusive)} of content of {@code size} bytes; {@code partial} for a 206. */
    public record Span(long from, long toExclusive, long size, boolean partial) {
        public long length() {
            return toExclusive - from;
        }

        public String contentRange() {
            return "bytes " + from + "-" + (toExclusive - 1) + "/" + size;
        }
    }

    private final TenantStores tenants;
    private final Counter corrupt;
    private final AtomicInteger spread = new AtomicInteger();

    public ContentService(TenantStores tenants, MeterRegistry registry) {
        this.tenants = tenants;
        this.corrupt = Counter.builder("gallery.replication.corrupt.reads")
                .description("Chunk copies a replica store holds but could not deliver intact while serving "
                        + "content (digest mismatch or unreadable; served from another copy)")
                .register(registry);
    }

    /** Parses one {@code Range: bytes=a-b | a- | -n}; a range beyond the end is 416; several ranges serve it all. */
    public static Span span(String header, long size) {
        if (header == null || header.isBlank() || header.contains(",")) {
            return new Span(0, size, size, false);
        }
        var m = RANGE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return new Span(0, size, size, false); // RFC 9110: an unparseable Range is ignored
        }
        long from;
        long to;
        if (m.group(1).isEmpty()) {
            long n = position(m.group(2));
            if (n == 0) {
                throw unsatisfiable(header, size);
            }
            from = Math.max(0, size - n);
            to = size;
        } else {
            from = position(m.group(1));
            if (m.group(2).isEmpty()) {
                to = size;
            } else {
                long last = position(m.group(2));
                if (last < from) {
                    return new Span(0, size, size, false); // RFC 9110: an invalid range is ignored
                }
                to = Math.min(size - 1, last) + 1;
            }
        }
        if (from >= size) {
            throw unsatisfiable(header, size);
        }
        return new Span(from, to, size, true);
    }

    /**
     * A position of a {@code Range} (digits only): one too large for a {@code long} is past any content, which RFC
     * 9110 reads as the end for a last position (it was 416 "not satisfiable").
     */
    private static long position(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static ArmException unsatisfiable(String header, long size) {
        return new ArmException(416, "InvalidRange", "The range '" + header + "' is not satisfiable: the content is "
                + size + " bytes.", "Range");
    }

    /**
     * The body of a download: chunks spread over the region's replicas of the tenant's stores, verified, corrupt
     * copies skipped; other regions of the same tenant as the fallback.
     */
    public StreamingOutput body(String tenant, String region, Manifest m, Span span) {
        RegionStores stores = tenants.of(tenant);
        int n = Math.max(1, stores.replicas(region));
        List<ChunkStore> local = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            local.add(stores.store(region, i));
        }
        List<ChunkStore> remote = stores.sourcesFor(region, -1).stream()
                .filter(s -> !s.region().equals(region)).toList();
        int start = Math.floorMod(spread.getAndIncrement(), n);
        return out -> {
            BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 20);
            try {
                ContentReader.write(m, span.from(), span.toExclusive(), local, remote, start, buffered, e -> {
                    corrupt.increment();
                    Log.warnf("serving sha256:%s: %s; trying another copy", m.contentHex, e.getMessage());
                });
            } catch (CorruptChunkException e) {
                Log.errorf("cannot serve sha256:%s from %s: %s", m.contentHex, region, e.getMessage());
                throw e;
            }
            buffered.flush();
        };
    }
}
