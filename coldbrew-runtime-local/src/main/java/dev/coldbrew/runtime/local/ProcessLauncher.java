package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InstanceLauncher} of OS processes. A run is the container's {@code command} + {@code
 * args} started directly (no shell) with Knative's runtime contract: {@code PORT} a free port on
 * the bind host ({@link FreePorts}), {@code K_SERVICE}, {@code K_CONFIGURATION}, {@code
 * K_REVISION}, the template's {@code env} over the platform's own environment, {@code workingDir},
 * stdin at EOF, stdout and stderr merged. The platform reaches it at {@code bindHost:PORT}. Each
 * process's pid and start instant go into the {@link OrphanRecord} before {@code launch} returns; a
 * process that cannot be recorded is killed and the launch fails, so no process can outlive a crash
 * of the platform unnoticed. Terminating a run signals the process and its descendants ({@link
 * ProcessTree}); killing it also reaches the descendants that appeared since.
 *
 * <p>Thread-safe; {@link #launch} blocks for a bind, a fork/exec and a one-line append, under no
 * lock but the port set's and the record's own.
 */
final class ProcessLauncher implements InstanceLauncher {
  private static final Logger log = LoggerFactory.getLogger(ProcessLauncher.class);

  private final String host;
  private final Duration grace;
  private final FreePorts ports;
  private final OrphanRecord record;
  private final Map<String, String> platformEnv = System.getenv();

  ProcessLauncher(LocalRuntimeOptions options) {
    this(options, new OrphanRecord(options.dataDir()), new FreePorts(options.bindHost()));
  }

  /** With {@code ports} shared with the other launchers of the runtime. */
  ProcessLauncher(LocalRuntimeOptions options, OrphanRecord record, FreePorts ports) {
    this.host = options.bindHost();
    this.grace = options.terminationGrace();
    this.ports = ports;
    this.record = record;
  }

  @Override
  public Launched launch(Spec spec) throws LaunchException {
    RevisionTemplate t = spec.template();
    int port;
    try {
      port = ports.reserve();
    } catch (IOException e) {
      throw new LaunchException("StartError", "no free port: " + e.getMessage());
    }
    Map<String, String> env = t.environment(platformEnv, port);
    List<String> command = t.commandLine(env);
    ProcessBuilder pb = new ProcessBuilder(command).directory(t.workingDir().toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException | RuntimeException e) {
      ports.release(port);
      boolean spaced = command.get(0).chars().anyMatch(Character::isWhitespace);
      throw new LaunchException(
          "StartError",
          "cannot start "
              + command
              + " in "
              + t.workingDir()
              + ": "
              + e.getMessage()
              + (spaced
                  ? "; the command's first word is the program, on its own: give its arguments as"
                      + " further words (command: [\"python3\", \"app.py\"]; the CLI: --cmd"
                      + " python3 --arg app.py)"
                  : ""));
    }
    try {
      try {
        p.getOutputStream().close(); // stdin at EOF
      } catch (IOException e) {
        // the process may already be gone: its exit is seen like any other
      }
      Optional<Instant> start = p.info().startInstant();
      if (start.isPresent()) {
        record.put(new OrphanRecord.Entry(p.pid(), start.get(), spec.instanceId()));
      } else {
        log.warn(
            "instance {}: no start time for pid {}; it cannot be reaped",
            spec.instanceId(),
            p.pid());
      }
      // registered after the put, so the removal follows it; the run's futures complete after it
      Map<String, String> inherited =
          Map.of("PORT", env.get("PORT"), "K_REVISION", env.get("K_REVISION"));
      CompletableFuture<Integer> exited = p.onExit().thenApply(x -> ended(p, port, inherited));
      log.debug("instance {} started: pid {}, port {}", spec.instanceId(), p.pid(), port);
      return new Run(p, host, port, exited, env, t.workingDir().toFile());
    } catch (RuntimeException | Error e) {
      // started but not accounted for: never leave it running
      ProcessTree.kill(ProcessTree.of(p.toHandle()));
      ports.release(port);
      String why = e.getMessage() + (e.getCause() != null ? ": " + e.getCause().getMessage() : "");
      throw new LaunchException(
          "StartError",
          "started " + command + " as pid " + p.pid() + ", then " + why + "; killed it");
    }
  }

  /**
   * The process exited: what it left running is ended, then its port and its record entry go;
   * returns its exit status.
   */
  private int ended(Process p, int port, Map<String, String> inherited) {
    endLeftovers(p.pid(), inherited);
    ports.release(port);
    try {
      record.remove(p.pid());
    } catch (UncheckedIOException e) {
      log.warn("cannot record the end of pid {}", p.pid(), e);
    }
    return p.exitValue();
  }

  /**
   * Processes that the exited one started and that outlived it (an app that exited on its own, a
   * shell whose background job went on): adopted by init, they are no longer its descendants, so
   * they are found by what they inherited, the instance's {@code PORT} and {@code K_REVISION}
   * (unique among live instances while the port is reserved). SIGTERM now, SIGKILL after the grace
   * period.
   */
  private void endLeftovers(long pid, Map<String, String> inherited) {
    List<ProcessHandle> left = ProcessTree.inheriting(inherited);
    if (left.isEmpty()) {
      return;
    }
    log.info(
        "pid {} of revision {} exited and left {}: ending them",
        pid,
        inherited.get("K_REVISION"),
        left.stream().map(h -> Long.toString(h.pid())).toList());
    ProcessTree.terminate(left);
    CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> ProcessTree.kill(left));
  }

  /**
   * Ends every process in the record that this launcher did not start and that is still alive with
   * the recorded start instant, with its descendants: SIGTERM, then SIGKILL after the grace period.
   * Then rewrites the record with this launcher's own entries. Blocks until they are gone.
   */
  @Override
  public int reapOrphans() {
    Set<Long> own = new HashSet<>();
    record.own().forEach(e -> own.add(e.pid()));
    List<ProcessHandle> orphans = new ArrayList<>();
    for (OrphanRecord.Entry e : record.read()) {
      if (own.contains(e.pid())) {
        continue;
      }
      Optional<ProcessHandle> h = ProcessHandle.of(e.pid());
      if (h.isPresent()
          && h.get().isAlive()
          && h.get().info().startInstant().map(e.start()::equals).orElse(false)) {
        log.info("ending orphan instance {} (pid {})", e.instanceId(), e.pid());
        orphans.add(h.get());
      }
    }
    if (!orphans.isEmpty()) {
      List<ProcessHandle> tree = new ArrayList<>();
      orphans.forEach(h -> tree.addAll(ProcessTree.of(h)));
      ProcessTree.terminate(tree);
      CompletableFuture<Void> allGone = ProcessTree.allExited(tree);
      try {
        allGone.get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        ProcessTree.kill(tree);
        allGone.completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("waiting for orphans to end", e);
      }
    }
    record.compact();
    return orphans.size();
  }

  /** Leaves the record with the processes still running (none after a clean stop). */
  @Override
  public void close() {
    record.compact();
    ports.close();
  }

  /**
   * One process: reached at host:port; terminated and killed with its descendants. Its futures
   * complete only after the launcher's bookkeeping for the exit (port, record) is done.
   */
  static final class Run extends ProcessRun {
    private volatile List<ProcessHandle> terminated = List.of(); // the tree SIGTERM went to
    private final Map<String, String> env;
    private final java.io.File workingDir;

    Run(
        Process process,
        String host,
        int port,
        CompletableFuture<Integer> exited,
        Map<String, String> env,
        java.io.File workingDir) {
      super(process, host, port);
      this.exited = exited;
      this.env = env;
      this.workingDir = workingDir;
    }

    @Override
    public ProcessBuilder probeCommand(List<String> command) {
      ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir);
      pb.environment().clear();
      pb.environment().putAll(env);
      return pb;
    }

    @Override
    public CompletableFuture<Void> terminate() {
      List<ProcessHandle> tree = ProcessTree.of(process.toHandle());
      terminated = tree;
      log.debug("terminating {}", tree);
      ProcessTree.terminate(tree);
      return CompletableFuture.allOf(ProcessTree.allExited(tree), exited);
    }

    @Override
    public void kill() {
      List<ProcessHandle> left = new ArrayList<>(terminated);
      ProcessHandle root = process.toHandle();
      if (root.isAlive()) {
        left.addAll(ProcessTree.of(root)); // with the descendants that appeared since
      }
      ProcessTree.kill(left);
    }

    @Override
    public Set<Integer> listeningPorts() {
      return ListeningPorts.of(ProcessTree.of(process.toHandle()));
    }

    long pid() {
      return process.pid();
    }

    @Override
    public String toString() {
      return "pid " + process.pid();
    }
  }
}
