package dev.imagegallery.replication.content;

import java.util.Random;

/**
 * Where content is cut into chunks. The stores use {@link #FIXED_4K} (4 KiB-aligned blocks: disk images change in
 * file-system blocks, and the measurements in the README show it moves the fewest bytes); {@link #fastCdc} is kept
 * for the measurement that chose it ({@code ChunkingBench}).
 */
public interface Chunking {
    /** The size of every chunk except the last of a blob. */
    int FIXED = 4096;

    /**
     * The length of the next chunk of {@code buf[off, off+len)}; {@code eof} says no byte follows. Answers 0 when more
     * bytes are needed to decide (never when {@code eof}).
     */
    int next(byte[] buf, int off, int len, boolean eof);

    /** The largest chunk this chunking cuts. */
    int maxChunk();

    Chunking FIXED_4K = new Chunking() {
        @Override
        public int next(byte[] buf, int off, int len, boolean eof) {
            return len >= FIXED ? FIXED : (eof ? len : 0);
        }

        @Override
        public int maxChunk() {
            return FIXED;
        }

        @Override
        public String toString() {
            return "fixed-4KiB";
        }
    };

    /** FastCDC (Xia et al. 2016) with normalised chunking: a gear rolling hash cuts where its masked bits are zero. */
    static Chunking fastCdc(int min, int avg, int max) {
        long[] gear = new long[256];
        Random r = new Random(0x6a09e667L);
        for (int i = 0; i < 256; i++) {
            gear[i] = r.nextLong();
        }
        int bits = 31 - Integer.numberOfLeadingZeros(avg);
        long maskS = (1L << (bits + 2)) - 1 << (64 - bits - 2);
        long maskL = (1L << (bits - 2)) - 1 << (64 - bits + 2);
        return new Chunking() {
            @Override
            public int next(byte[] buf, int off, int len, boolean eof) {
                if (len < max && !eof) {
                    return 0;
                }
                int n = Math.min(len, max);
                if (n <= min) {
                    return n;
                }
                long fp = 0;
                int i = min;
                int normal = Math.min(avg, n);
                for (; i < normal; i++) {
                    fp = (fp << 1) + gear[buf[off + i] & 0xff];
                    if ((fp & maskS) == 0) {
                        return i + 1;
                    }
                }
                for (; i < n; i++) {
                    fp = (fp << 1) + gear[buf[off + i] & 0xff];
                    if ((fp & maskL) == 0) {
                        return i + 1;
                    }
                }
                return n;
            }

            @Override
            public int maxChunk() {
                return max;
            }

            @Override
            public String toString() {
                return "fastcdc-" + (avg >> 10) + "KiB(" + (min >> 10) + ".." + (max >> 10) + ")";
            }
        };
    }
}
