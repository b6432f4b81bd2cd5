package dev.imagegallery.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A child process with its output in a log file, stopped with SIGTERM and then SIGKILL together with its descendants. */
public final class ManagedProcess {
    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static ManagedProcess start(String name, List<String> command, Path workDir, Map<String, String> env, Path log) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            return new ManagedProcess(name, p, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed or closed. Waits until it is gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, and waits until it is gone (20 s, then SIGKILL). */
    public void stop() {
        signalStop();
        awaitStop();
    }

    private List<ProcessHandle> stopping = List.of();

    /**
     * SIGTERM to the process and its descendants, without waiting: to stop several at once ({@link #awaitStop} each
     * after). A service takes 8 to 11 s to stop (its consumers leave their groups); one after the other, a stack of
     * ten processes took over a minute to close.
     */
    public void signalStop() {
        if (!process.isAlive()) {
            return;
        }
        stopping = process.descendants().toList();
        process.destroy();
        stopping.forEach(ProcessHandle::destroy);
    }

    /** Waits until a process {@link #signalStop} signalled is gone: 20 s, then SIGKILL. */
    public void awaitStop() {
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                stopping.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
