package dev.imagegallery.replication.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/** Where the regional blob stores live and how the data plane names its blobs. */
@ConfigMapping(prefix = "gallery.store")
public interface StoreConfig {
    /**
     * Root folder of the filesystem stores (one folder per region and replica below it); with any backend, staged
     * upload blocks are kept here.
     */
    String root();

    /** Where replica stores live: {@code fs} (folders under {@link #root()}) or {@code azure-blob} ({@link #azure()}). */
    @WithDefault("fs")
    String backend();

    /** The Azure Blob Storage backend: one storage account per region, one container per replica. */
    Azure azure();

    /** The base URL clients reach the data plane at; blob URIs start with it. */
    @WithDefault("http://localhost:8082")
    String publicBaseUrl();

    /**
     * The fallback look for pending jobs (those planned before a restart, or by another instance): a job planned here
     * starts when its event has been consumed, a waiting one when a copy ends, a retry when it is due.
     */
    @WithDefault("1s")
    String pollInterval();

    /** Attempts before a region is reported Failed. */
    @WithDefault("5")
    int maxAttempts();

    /**
     * When a copy that found its target's disk full is tried again. Such an attempt is not counted against
     * {@link #maxAttempts()}: the job waits for space, however long that takes, rather than fail for good.
     */
    @WithDefault("30s")
    java.time.Duration storageFullRetry();

    /** First retry delay; doubled per attempt (up to 64 times). */
    @WithDefault("500")
    long retryBaseMillis();

    /**
     * Small copies (below a quarter of {@link #maxCopyBytesInFlightPerRegion()}) running into one region at the same
     * time: each takes a copier thread and database connections. Big copies are bounded by bytes alone.
     */
    @WithDefault("8")
    int maxConcurrentCopiesPerRegion();

    /**
     * Bytes copies into one region may have in flight together (a copy counts its content's non-zero bytes, at most
     * half of this): big copies share one half (one always runs), smaller ones the other, so a burst of small versions
     * never waits for a big one and a big one always progresses ({@code CopyBudget}).
     */
    @WithDefault("268435456")
    long maxCopyBytesInFlightPerRegion();

    /**
     * Bytes a second one copy may move (0: as fast as it can): keeps replication from filling an inter-region link
     * that other traffic needs. Each copy is held to it on average, one 1 MiB read at a time.
     */
    @WithDefault("0")
    long maxCopyBytesPerSecond();

    /**
     * What a copy moves at least between two checkpoints (besides one every 2 s or 64 MiB, and one at its end): a crash
     * or a restart copies at most this much again, or 2 s of copying. Each checkpoint is a transaction on the job row
     * and an fsync and index write in every replica: at 256 KiB a 1 MiB copy took four, at this default one.
     */
    @WithDefault("4194304")
    long copyCheckpointBytes();

    /**
     * Uploads (and block-list commits) ingesting at the same time; each holds up to 32 MiB of buffers, so this bounds
     * what uploads can take of the heap. Others wait for a free slot for {@link #uploadSlotWaitMillis()}.
     */
    @WithDefault("4")
    int maxConcurrentUploads();

    /**
     * How long an upload waits for a free slot before it is refused with 503 {@code ServerBusy}. Shorter than
     * {@code quarkus.http.idle-timeout} (30 s): the connection reads nothing while it waits, and Vert.x closes a
     * connection silent that long, which would cut the answer off.
     */
    @WithDefault("20000")
    long uploadSlotWaitMillis();

    /**
     * An upload (whole, a block, or a block list) whose body brings no byte for this long is broken off: 400
     * {@code UploadIncomplete}, nothing stored, the connection closed after the answer. Shorter than
     * {@code quarkus.http.idle-timeout} (30 s), which would otherwise close the connection first, without an answer.
     */
    @WithDefault("20s")
    Duration uploadIdleTimeout();

    /**
     * The largest blob an upload or a block list may make, in bytes (4 TiB, Azure's largest OS disk): a larger
     * {@code Content-Length} is 413 {@code RequestBodyTooLarge} before the body is asked for, a chunked body is cut off
     * with it once past, and a block list whose blocks add up to more is 400 {@code InvalidBlockList}, nothing
     * committed. A block list may name one staged block many times (Azure allows it): 50,000 times one 100 MiB block
     * was a 5 TB blob to hash and a manifest of 50 GB from one small request.
     */
    @WithDefault("4398046511104")
    long maxBlobSize();

    /**
     * Blocks staged (Put Block) and neither committed nor deleted are removed this long after the last one came, as
     * Azure discards uncommitted blocks after a week ({@link dev.imagegallery.replication.service.StagedBlockSweeper},
     * every {@code gallery.store.staged-sweep-interval}, 1h). They were kept for good, on no tenant's bill.
     */
    @WithDefault("7d")
    Duration stagedBlockRetention();

    /**
     * How often the scrubber runs: each run verifies what was committed since the last one and a slice of the rest
     * ({@link #scrubPeriod()}), and repairs what it finds from another copy.
     */
    @WithDefault("6h")
    String scrubInterval();

    /**
     * The time in which every chunk of a store is read once: each run reads about {@code interval / period} of it
     * (default 7 days: 1/28 of the store every 6 hours), continuing where the last run stopped.
     */
    @WithDefault("7d")
    Duration scrubPeriod();

    /**
     * How often every store gets an incremental collection besides those deletions run (it reclaims chunks of
     * sessions that ended without a manifest: an upload cut short, a failed copy). {@code service.Collector}.
     */
    @WithDefault("1h")
    String collectInterval();

    /**
     * How often every store gets the full mark and sweep (the audit: it reclaims what a crash leaked and counts every
     * reference again; it reads every live manifest and the whole index).
     */
    @WithDefault("7d")
    String fullCollectionInterval();

    /** Force packs, index and manifests to disk before they become visible (off only for throwaway stores). */
    @WithDefault("true")
    boolean durable();

    interface Azure {
        /** The connection string of each region's storage account, by region name ({@code westeurope=...}). */
        Map<String, String> connectionStrings();

        /** Replica n of a region lives in container {@code {prefix}n}. */
        @WithDefault("replica-")
        String containerPrefix();

        /** Bytes of a pack fetched (and cached, 16 windows a store) around a chunk read. */
        @WithDefault("524288")
        int readAheadBytes();

        /**
         * Tries of each storage request, the first included, before the store reports the account unavailable (the
         * Azure SDK's exponential retry: the delay doubles from {@link #retryDelay()} up to 2 minutes).
         */
        @WithDefault("4")
        int maxTries();

        /** The delay before the first retry of a failed storage request. */
        @WithDefault("4s")
        java.time.Duration retryDelay();

        /**
         * How long opening a store waits for its writer lease when another process holds it (one that crashed: its
         * lease expires within 60 s) before the open fails: a store has one writer.
         */
        @WithDefault("75s")
        java.time.Duration leaseWait();
    }
}
