package dev.imagegallery.replication.store.fs;


import dev.imagegallery.replication.store.Backend;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Namespaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Replica stores in folders on local disk: an {@link FsChunkStore} per {@code {root}/{region}/replica-{n}}. */
public final class FsBackend implements Backend {
    private final Path root;
    private final boolean durable;

    /** @param durable force packs, index and manifests to disk before they become visible */
    public FsBackend(Path root, boolean durable) {
        this.root = root;
        this.durable = durable;
    }

    /** One {@code FsBackend} per namespace, in the folders under {@code {root}/tenants/}. */
    public static Namespaces namespaces(Path root, boolean durable) {
        Path base = root.resolve(Namespaces.FOLDER);
        return new Namespaces() {
            @Override
            public Backend backend(String namespace) {
                return new FsBackend(base.resolve(namespace), durable);
            }

            @Override
            public Set<String> list() {
                Set<String> out = new TreeSet<>();
                if (Files.isDirectory(base)) {
                    try (Stream<Path> dirs = Files.list(base)) {
                        dirs.filter(Files::isDirectory).forEach(d -> out.add(d.getFileName().toString()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return out;
            }
        };
    }

    @Override
    public ChunkStore open(String region, int replica) throws IOException {
        return new FsChunkStore(region, replica, root.resolve(region).resolve("replica-" + replica), durable);
    }

    @Override
    public int replicas(String region) {
        int n = 0;
        while (Files.isDirectory(root.resolve(region).resolve("replica-" + n))) {
            n++;
        }
        return n;
    }
}
