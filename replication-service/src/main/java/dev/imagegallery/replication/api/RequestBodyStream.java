package dev.imagegallery.replication.api;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * An upload's body as an {@link InputStream} for a worker thread, read ahead by up to {@link #HIGH} bytes.
 *
 * <p>RESTEasy's own body stream asks the event loop for one buffer at a time ({@code request.fetch(1)}) and waits for
 * it: two thread wake-ups for every 8 to 64 KiB that arrive. Profiled under {@code curl -T}, those wake-ups were half
 * of the service's CPU and an upload over HTTP took three times the CPU of the ingest behind it. Here the connection
 * flows into a queue until {@link #HIGH} bytes wait, is paused until the reader has drained it to {@link #LOW}, and the
 * reader waits only when the queue is empty. Memory stays bounded (a Netty buffer past {@code HIGH} at most).
 */
final class RequestBodyStream extends InputStream {
    static final long HIGH = 16 << 20;
    static final long LOW = 4 << 20;

    private final HttpServerRequest request;
    private final long timeoutMillis;
    private final Object lock = new Object();
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private boolean paused;
    private boolean ended;
    private boolean discarding;
    private boolean waiting;
    private Throwable failure;
    private ByteBuf current;
    /**
     * Time this reader spent waiting for bytes, and the bytes it got, since the last check: a body that brings fewer
     * than {@link #MIN_BYTES} in {@code timeoutMillis} of waiting is refused as too slow. The idle timeout alone let a
     * client hold an upload slot for ever with a byte every 10 s (a hostile probe; four such took every slot). Only
     * waiting counts, so a reader held up itself (a commit, a busy disk) is never the client's fault.
     */
    private long starvedNanos;
    private long gotSinceCheck;
    static final long MIN_BYTES = 64 << 10;

    /**
     * Starts reading the request's body (call it on the worker thread that will read it); a read that waits
     * {@code timeoutMillis} for a byte fails with an IOException.
     */
    RequestBodyStream(HttpServerRequest request, long timeoutMillis) {
        this.request = request;
        this.timeoutMillis = timeoutMillis;
        synchronized (lock) {
            if (request.isEnded()) {
                ended = true; // nothing (left) to read
                return;
            }
            request.handler(this::onData);
            request.endHandler(v -> {
                synchronized (lock) {
                    ended = true;
                    wake();
                }
            });
            request.exceptionHandler(e -> {
                synchronized (lock) {
                    failure = e;
                    wake();
                }
            });
        }
        resume();
    }

    /**
     * The upload is accepted (its names checked, its caller allowed): a client that asked to be told
     * ({@code Expect: 100-continue}: curl -T and the Azure SDKs, before a large body) is told to send it now. Told
     * before the checks, a refused upload was sent whole (a hostile probe: 20 MB sent for a 403).
     */
    void accept() {
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT)) && !request.isEnded()
                && !request.response().headWritten()) {
            request.response().writeContinue();
        }
    }

    /** Lets the body flow; over HTTP/2 a request whose body has all arrived refuses that, and nothing is left anyway. */
    private void resume() {
        try {
            request.resume();
        } catch (IllegalStateException ended) {
            // the whole body is in
        }
    }

    private void onData(Buffer b) {
        synchronized (lock) {
            if (discarding) {
                return;
            }
            queue.add(b);
            queued += b.length();
            if (!paused && queued >= HIGH) {
                paused = true;
                request.pause();
            }
            wake();
        }
    }

    private void wake() {
        if (waiting) {
            lock.notifyAll();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || !current.isReadable()) {
            current = null;
            boolean resume = false;
            synchronized (lock) {
                long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
                while (queue.isEmpty() && !ended && failure == null && !discarding) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        // not closed here: the caller answers UploadIncomplete, and discard() has the connection
                        // close after that answer
                        throw new IOException("no byte of the body arrived for " + timeoutMillis + " ms");
                    }
                    waiting = true;
                    long t0 = System.nanoTime();
                    try {
                        lock.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading the body");
                    } finally {
                        waiting = false;
                        starvedNanos += System.nanoTime() - t0;
                    }
                }
                if (failure != null) {
                    throw new IOException("the body broke off: " + failure.getMessage(), failure);
                }
                if (discarding) {
                    throw new IOException("the body was discarded");
                }
                if (queue.isEmpty()) {
                    return -1; // ended
                }
                Buffer next = queue.poll();
                queued -= next.length();
                current = next.getByteBuf();
                if (paused && queued <= LOW) {
                    paused = false;
                    resume = true;
                }
            }
            if (resume) {
                resume();
            }
        }
        int n = Math.min(len, current.readableBytes());
        current.readBytes(b, off, n);
        gotSinceCheck += n;
        if (starvedNanos >= timeoutMillis * 1_000_000) {
            if (gotSinceCheck < MIN_BYTES) {
                throw new IOException("the body arrives too slowly: " + gotSinceCheck + " bytes in " + timeoutMillis
                        + " ms of waiting for it, fewer than " + MIN_BYTES);
            }
            starvedNanos = 0;
            gotSinceCheck = 0;
        }
        return n;
    }

    /**
     * Drops what is left of the body. When some of it has not arrived (the call failed before reading it all), the
     * connection closes after the response rather than carry the rest of an upload of any size into the next request.
     */
    void discard() {
        synchronized (lock) {
            discarding = true;
            queue.clear();
            queued = 0;
            current = null;
            if (!ended && failure == null && request.version() != HttpVersion.HTTP_2) {
                request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE); // (HTTP/2 resets the stream)
            }
            wake();
        }
        resume(); // a paused connection would never read the response's end
    }
}
