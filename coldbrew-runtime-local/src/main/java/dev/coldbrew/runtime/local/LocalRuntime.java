package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local {@link InstanceRuntime}: every instance of a Revision is an OS process on this machine,
 * started from the container's {@code command} + {@code args} (no shell) with Knative's runtime
 * contract ({@code PORT} on {@code 127.0.0.1}, {@code K_SERVICE}, {@code K_CONFIGURATION}, {@code
 * K_REVISION}, the template's {@code env}, {@code workingDir}, stdin at EOF) and its output in a
 * size-capped file read by {@link LogStore}.
 *
 * <p>An instance's life: <b>starting</b> — the readiness probe (default: TCP connect to PORT) runs
 * at once after spawn, then after 0.2 ms, doubling up to 1 ms (times the number of instances
 * starting, at most 20 ms), until it passes or the process exits — but only every 20 ms until 3/4
 * of the revision's previous start time has passed, so the probes of a slow app cost little —
 * because the gap between "the app can answer" and "it is in the ready set" is cold-start latency
 * users feel; <b>ready</b> — listeners get the new ready set at once; readiness is then checked
 * every {@code periodSeconds} ({@code failureThreshold} failures take it out of the set, a success
 * puts it back) and the liveness probe, if any, likewise; <b>restarting</b> — a process exit or
 * {@code failureThreshold} liveness failures (the process tree is then terminated) restart the
 * instance after a backoff doubling from 100 ms to 30 s, reset once it stayed ready 10 s, while the
 * revision's health reads {@code ExitCode<N>} or {@code LivenessProbeFailed} with the last 10 log
 * lines, until an instance is ready again; <b>stopping</b> — on scale-down (not-ready instances
 * first, then the newest) or {@link #remove}: out of the ready set, listeners told, then {@link
 * dev.coldbrew.api.runtime.InstanceDrainer#awaitIdle} (bounded by the revision's timeout), then
 * SIGTERM to the process and its descendants, SIGKILL to what is left after the grace period.
 *
 * <p>Each process's pid and start instant are kept in {@code <dataDir>/runtime/instances.pids}; a
 * new runtime on the same data directory ends the recorded processes that are still alive with the
 * same start instant (so a reused pid is never hit) before it starts any. Descendants of an
 * instance are found when it is stopped; those of a process that exited on its own, or of an orphan
 * whose parent is gone, are not tracked.
 *
 * <p>Thread-safe. State changes happen under one lock, never held across a probe, a drain or a
 * wait; {@link #scale} and {@link #remove} return at once. Listeners are called in order on one
 * notifier thread with immutable snapshots and must not block; a stopping instance is drained only
 * after listeners have been told it left the ready set.
 */
public final class LocalRuntime implements InstanceRuntime {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
  private static final int HEALTH_LOG_LINES = 10;
  private static final int PORT_ATTEMPTS = 50;
  private static final long STARTUP_PROBE_CAP_MAX = TimeUnit.MILLISECONDS.toNanos(20);
  private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

  /**
   * Makes this JVM start processes with vfork. The JDK's default on Linux (posix_spawn of
   * jspawnhelper, which then execs the command) costs two execs, 5-10 ms here before the app runs;
   * vfork costs one, about a millisecond, and is supported without a warning up to JDK 21. Takes
   * effect only if called before the JVM's first process start (the JDK reads the property once;
   * sqlite-jdbc starts a process when it loads), so the platform calls it first thing. A value the
   * user set is kept.
   */
  public static void preferVfork() {
    if (System.getProperty(LAUNCH_MECHANISM) == null
        && Runtime.version().feature() <= 21
        && System.getProperty("os.name", "").startsWith("Linux")) {
      System.setProperty(LAUNCH_MECHANISM, "VFORK");
    }
  }

  private enum Phase {
    STARTING,
    READY,
    NOT_READY,
    RESTARTING,
    STOPPING
  }

  private final LocalRuntimeOptions options;
  private final LogStore logStore;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService notifier;
  private final ExecutorService logCopiers;
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<NamespacedName, RevisionInstances> snapshots = new ConcurrentHashMap<>();
  private final Map<String, String> platformEnv = System.getenv();

  private final Object lock = new Object();
  // guarded by lock
  private final OrphanRecord record;
  private final Map<NamespacedName, RevisionState> revisions = new HashMap<>();
  private final Set<InstanceProcess> live = new LinkedHashSet<>();
  private final Set<Integer> reservedPorts = new HashSet<>();
  private final Set<String> usedIds = new HashSet<>();
  private int starting; // instances in Phase.STARTING
  private boolean closed;

  /**
   * Creates the runtime, ending the orphans an earlier runtime on the same data directory left
   * (which can take up to the termination grace period).
   */
  public LocalRuntime(LocalRuntimeOptions options) {
    this.options = options;
    this.logStore = new LogStore(options.dataDir());
    this.record = new OrphanRecord(options.dataDir());
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + options.dataDir(), e);
    }
    this.scheduler =
        new ScheduledThreadPoolExecutor(options.schedulerThreads(), daemon("coldbrew-runtime"));
    scheduler.setRemoveOnCancelPolicy(true);
    this.notifier = Executors.newSingleThreadExecutor(daemon("coldbrew-runtime-notify"));
    this.logCopiers = Executors.newCachedThreadPool(daemon("coldbrew-runtime-log"));
    reapOrphans();
  }

  /** The reader of the logs this runtime writes. */
  public LogStore logs() {
    return logStore;
  }

  /** The options this runtime was built with. */
  public LocalRuntimeOptions options() {
    return options;
  }

  @Override
  public void scale(Revision revision, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 0)");
    }
    RevisionTemplate t = RevisionTemplate.of(revision, options);
    String service = t.service().isEmpty() ? t.configuration() : t.service();
    if (!service.isEmpty()) {
      logStore.markService(t.revision().namespace(), t.revision().name(), service);
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("runtime is closed");
      }
      RevisionState s = revisions.computeIfAbsent(t.revision(), k -> new RevisionState(t));
      s.template = t;
      s.desired = count;
      reconcile(s);
    }
  }

  @Override
  public void remove(NamespacedName revision) {
    synchronized (lock) {
      RevisionState s = revisions.remove(revision);
      if (s == null) {
        return;
      }
      s.desired = 0;
      reconcile(s);
      s.removed = true;
      snapshots.remove(revision);
    }
  }

  @Override
  public RevisionInstances instances(NamespacedName revision) {
    RevisionInstances s = snapshots.get(revision);
    return s != null ? s : RevisionInstances.none(revision);
  }

  @Override
  public void subscribe(InstanceListener listener) {
    listeners.add(listener);
  }

  /**
   * Drains and stops every instance, waits until their processes are gone, then releases the
   * threads and clears the record of processes. Blocks: up to the longest drain plus the
   * termination grace period.
   */
  @Override
  public void close() {
    List<CompletableFuture<Void>> stopped = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      for (RevisionState s : revisions.values()) {
        s.desired = 0;
        reconcile(s);
      }
      for (InstanceProcess i : live) {
        stopped.add(i.finished);
      }
    }
    CompletableFuture.allOf(stopped.toArray(CompletableFuture[]::new)).join();
    notifier.shutdown();
    try {
      notifier.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
    logCopiers.shutdownNow();
    synchronized (lock) {
      record.write();
    }
  }

  /**
   * Ends every process in the record that this runtime did not start and that is still alive with
   * the recorded start instant, with its descendants: SIGTERM, then SIGKILL after the grace period.
   * Called by the constructor; blocks until they are gone.
   *
   * @return how many recorded processes were ended
   */
  public int reapOrphans() {
    Set<String> own = new HashSet<>();
    synchronized (lock) {
      for (InstanceProcess i : live) {
        own.add(i.id);
      }
    }
    List<ProcessHandle> orphans = new ArrayList<>();
    for (OrphanRecord.Entry e : record.read()) {
      if (own.contains(e.instanceId())) {
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
      orphans.forEach(h -> tree.addAll(processTree(h)));
      tree.forEach(ProcessHandle::destroy);
      CompletableFuture<?> allGone = allExited(tree);
      try {
        allGone.get(options.terminationGrace().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        allGone.completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("waiting for orphans to end", e);
      }
    }
    synchronized (lock) {
      record.write();
    }
    return orphans.size();
  }

  // ---- state machine; every method below named without "Async" runs under lock ----

  private final class RevisionState {
    final NamespacedName key;
    RevisionTemplate template;
    int desired;
    boolean removed;

    /** Instances that are not stopping, in start order. */
    final List<InstanceProcess> instances = new ArrayList<>();

    ContainerHealth health = ContainerHealth.HEALTHY;
    RevisionInstances published;

    /** How long the last instance that passed its startup probe took from spawn; -1 before. */
    long lastStartNanos = -1;

    RevisionState(RevisionTemplate t) {
      this.key = t.revision();
      this.template = t;
    }
  }

  private final class InstanceProcess {
    final String id;
    final RevisionState rev;
    final LogFile log;
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    Phase phase = Phase.STARTING;
    Process process;
    int port;

    /** Incremented per spawned process: callbacks of an earlier process are ignored. */
    int generation;

    ScheduledFuture<?> readinessTask;
    ScheduledFuture<?> livenessTask;
    ScheduledFuture<?> restartTask;
    int readinessSuccesses;
    int readinessFailures;
    int livenessFailures;
    long readySinceNanos = -1;
    long spawnedNanos;
    boolean everReady;
    Duration nextBackoff = options.restartBackoffInitial();
    String killReason;

    InstanceProcess(RevisionState rev, String id) {
      this.rev = rev;
      this.id = id;
      starting++;
      this.log =
          new LogFile(
              logStore.instanceLog(rev.key.namespace(), rev.key.name(), id), options.logMaxBytes());
    }

    /** Moves to {@code next}, keeping the count of starting instances. */
    void phase(Phase next) {
      starting += (next == Phase.STARTING ? 1 : 0) - (phase == Phase.STARTING ? 1 : 0);
      phase = next;
    }

    boolean current(int gen) {
      return generation == gen && phase != Phase.STOPPING;
    }

    void cancelTimers() {
      for (ScheduledFuture<?> f : Arrays.asList(readinessTask, livenessTask, restartTask)) {
        if (f != null) {
          f.cancel(false);
        }
      }
      readinessTask = livenessTask = restartTask = null;
    }
  }

  private void reconcile(RevisionState s) {
    while (s.instances.size() < s.desired) {
      InstanceProcess i = new InstanceProcess(s, newId(s.key));
      s.instances.add(i);
      live.add(i);
      execute(() -> spawn(i));
    }
    int extra = s.instances.size() - s.desired;
    if (extra > 0) {
      List<InstanceProcess> victims = new ArrayList<>(s.instances);
      // not-ready first; within each group the newest first
      Comparator<InstanceProcess> order =
          Comparator.comparing((InstanceProcess i) -> i.phase == Phase.READY)
              .thenComparing(i -> -s.instances.indexOf(i));
      victims.sort(order);
      victims.subList(0, extra).forEach(this::stop);
    }
    publish(s);
  }

  private String newId(NamespacedName rev) {
    while (true) {
      String id =
          rev.name()
              + "-"
              + Integer.toHexString(0x10000 + ThreadLocalRandom.current().nextInt(0xf0000));
      if (usedIds.add(id) && !Files.exists(logStore.instanceLog(rev.namespace(), rev.name(), id))) {
        return id;
      }
    }
  }

  private void spawn(InstanceProcess i) {
    synchronized (lock) {
      if (i.phase == Phase.STOPPING || closed) {
        return;
      }
      int gen = ++i.generation;
      i.restartTask = null;
      RevisionTemplate t = i.rev.template;
      int port;
      try {
        port = pickPort();
      } catch (IOException e) {
        restartLater(i, ContainerHealth.failing("StartError", "no free port: " + e.getMessage()));
        return;
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
        String msg = "cannot start " + command + " in " + t.workingDir() + ": " + e.getMessage();
        i.log.writeLine("[coldbrew] " + msg);
        log.info("instance {}: {}", i.id, msg);
        restartLater(i, ContainerHealth.failing("StartError", msg));
        return;
      }
      i.process = p;
      i.spawnedNanos = System.nanoTime();
      i.port = port;
      reservedPorts.add(port);
      i.phase(Phase.STARTING);
      i.readinessSuccesses = i.readinessFailures = i.livenessFailures = 0;
      i.readySinceNanos = -1;
      try {
        p.getOutputStream().close(); // stdin at EOF
      } catch (IOException e) {
        // the process may already be gone: its exit is handled below
      }
      Optional<Instant> start = p.info().startInstant();
      if (start.isPresent()) {
        record.put(new OrphanRecord.Entry(p.pid(), start.get(), i.id));
      } else {
        log.warn("instance {}: no start time for pid {}; it cannot be reaped", i.id, p.pid());
      }
      log.debug("instance {} started: pid {}, port {}", i.id, p.pid(), port);
      CompletableFuture<Void> eof = copyLog(p.getInputStream(), i.log);
      p.onExit()
          .thenCompose(
              x ->
                  eof.completeOnTimeout(
                      null, options.logFlushOnExit().toNanos(), TimeUnit.NANOSECONDS))
          .whenComplete((x, e) -> execute(() -> exited(i, gen, p)));
      RevisionTemplate.ProbeSpec readiness = t.readiness();
      i.readinessTask =
          schedule(() -> startupProbeAsync(i, gen, 0), readiness.initialDelay().toNanos());
      RevisionTemplate.ProbeSpec liveness = t.liveness();
      if (liveness != null) {
        i.livenessTask =
            scheduler.scheduleWithFixedDelay(
                guarded(() -> livenessProbeAsync(i, gen)),
                liveness.initialDelay().plus(liveness.period()).toNanos(),
                liveness.period().toNanos(),
                TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * Probes a new process from its spawn until it is ready, backing off from 0.2 ms to {@link
   * #startupProbeCap}.
   */
  private void startupProbeAsync(InstanceProcess i, int gen, long delayNanos) {
    RevisionTemplate.ProbeSpec probe;
    int port;
    synchronized (lock) {
      if (!i.current(gen) || i.phase != Phase.STARTING) {
        return;
      }
      probe = i.rev.template.readiness();
      port = i.port;
    }
    boolean ok = Prober.check(probe, options.bindHost(), port);
    synchronized (lock) {
      if (!i.current(gen) || i.phase != Phase.STARTING) {
        return;
      }
      if (ok && ++i.readinessSuccesses >= probe.successThreshold()) {
        i.phase(Phase.READY);
        i.readySinceNanos = System.nanoTime();
        i.rev.lastStartNanos = i.readySinceNanos - i.spawnedNanos;
        i.everReady = true;
        i.rev.health = ContainerHealth.HEALTHY;
        publish(i.rev);
        i.readinessTask =
            scheduler.scheduleWithFixedDelay(
                guarded(() -> readinessProbeAsync(i, gen)),
                probe.period().toNanos(),
                probe.period().toNanos(),
                TimeUnit.NANOSECONDS);
        return;
      }
      if (!ok) {
        i.readinessSuccesses = 0;
      }
      if (!i.process.isAlive()) {
        return; // exited() takes it from here
      }
      // Until 3/4 of the revision's last start time has passed, probe every 20 ms at most (a
      // faster start is still seen within 20 ms); from there, back off from the initial interval.
      long quiet = i.rev.lastStartNanos * 3 / 4 - (System.nanoTime() - i.spawnedNanos);
      long next =
          quiet > 0
              ? Math.min(quiet, STARTUP_PROBE_CAP_MAX)
              : delayNanos == 0
                  ? options.startupProbeInitialInterval().toNanos()
                  : Math.min(delayNanos * 2, startupProbeCap());
      long base = quiet > 0 ? 0 : next;
      i.readinessTask = schedule(() -> startupProbeAsync(i, gen, base), next);
    }
  }

  /**
   * The longest wait between two startup attempts: {@code startupProbeMaxInterval} times the number
   * of instances starting, up to {@link #STARTUP_PROBE_CAP_MAX}, so a lone cold start is seen
   * within a millisecond of its app listening, while a burst of starts shares a budget of about a
   * thousand attempts a second instead of taking a core from the apps it waits for. Holding the
   * lock.
   */
  private long startupProbeCap() {
    long perInstance = options.startupProbeMaxInterval().toNanos();
    return Math.min(
        perInstance * Math.max(1, starting), Math.max(perInstance, STARTUP_PROBE_CAP_MAX));
  }

  /** The periodic readiness check of an instance that was ready once. */
  private void readinessProbeAsync(InstanceProcess i, int gen) {
    RevisionTemplate.ProbeSpec probe;
    int port;
    synchronized (lock) {
      if (!i.current(gen) || (i.phase != Phase.READY && i.phase != Phase.NOT_READY)) {
        return;
      }
      probe = i.rev.template.readiness();
      port = i.port;
    }
    boolean ok = Prober.check(probe, options.bindHost(), port);
    synchronized (lock) {
      if (!i.current(gen) || (i.phase != Phase.READY && i.phase != Phase.NOT_READY)) {
        return;
      }
      if (ok) {
        i.readinessFailures = 0;
        if (i.phase == Phase.NOT_READY && ++i.readinessSuccesses >= probe.successThreshold()) {
          i.phase(Phase.READY);
          i.readySinceNanos = System.nanoTime();
          i.rev.health = ContainerHealth.HEALTHY;
          publish(i.rev);
        }
      } else {
        i.readinessSuccesses = 0;
        if (++i.readinessFailures >= probe.failureThreshold() && i.phase == Phase.READY) {
          i.phase(Phase.NOT_READY);
          i.readySinceNanos = -1;
          log.info("instance {} failed its readiness probe: out of the ready set", i.id);
          publish(i.rev);
        }
      }
    }
  }

  private void livenessProbeAsync(InstanceProcess i, int gen) {
    RevisionTemplate.ProbeSpec probe;
    int port;
    synchronized (lock) {
      if (!i.current(gen) || i.phase == Phase.RESTARTING) {
        return;
      }
      probe = i.rev.template.liveness();
      port = i.port;
    }
    boolean ok = Prober.check(probe, options.bindHost(), port);
    synchronized (lock) {
      if (!i.current(gen) || i.phase == Phase.RESTARTING) {
        return;
      }
      if (ok) {
        i.livenessFailures = 0;
        return;
      }
      if (++i.livenessFailures < probe.failureThreshold()) {
        return;
      }
      log.info("instance {} failed its liveness probe: restarting it", i.id);
      i.killReason = "LivenessProbeFailed";
      i.phase(Phase.RESTARTING);
      i.cancelTimers();
      publish(i.rev);
      Process p = i.process;
      execute(() -> terminate(p));
    }
  }

  /** A process of the instance ended (after its output reached the log). */
  private void exited(InstanceProcess i, int gen, Process p) {
    synchronized (lock) {
      if (i.generation != gen) {
        return;
      }
      reservedPorts.remove(i.port);
      record.remove(i.id);
      if (i.phase == Phase.STOPPING) {
        return; // stop() finishes it when the whole process tree is gone
      }
      String reason = i.killReason != null ? i.killReason : "ExitCode" + p.exitValue();
      i.killReason = null;
      log.info("instance {} ended: {}", i.id, reason);
      restartLater(
          i, ContainerHealth.failing(reason, String.join("\n", i.log.tail(HEALTH_LOG_LINES))));
    }
  }

  private void restartLater(InstanceProcess i, ContainerHealth health) {
    i.cancelTimers();
    i.rev.health = health;
    if (i.readySinceNanos >= 0
        && System.nanoTime() - i.readySinceNanos >= options.restartBackoffResetAfter().toNanos()) {
      i.nextBackoff = options.restartBackoffInitial();
    }
    Duration wait = i.nextBackoff;
    Duration doubled = wait.multipliedBy(2);
    i.nextBackoff =
        doubled.compareTo(options.restartBackoffMax()) > 0 ? options.restartBackoffMax() : doubled;
    i.phase(Phase.RESTARTING);
    i.readySinceNanos = -1;
    i.restartTask = schedule(() -> spawn(i), wait.toNanos());
    publish(i.rev);
  }

  /**
   * Takes the instance out of the ready set and the count, tells listeners, then (on the notifier
   * thread, after they were told) drains it and terminates its process tree.
   */
  private void stop(InstanceProcess i) {
    if (i.phase == Phase.STOPPING) {
      return;
    }
    boolean drain = i.everReady;
    i.phase(Phase.STOPPING);
    i.cancelTimers();
    i.rev.instances.remove(i);
    publish(i.rev);
    Process p = i.process;
    if (p == null || !p.isAlive()) {
      finish(i);
      return;
    }
    Runnable drainThenTerminate =
        () -> {
          CompletableFuture<Void> drained =
              drain
                  ? drainBounded(i.id, i.rev.template.timeout())
                  : CompletableFuture.completedFuture(null);
          // the drainer may complete on an event loop: signal and scan /proc on our threads
          drained.whenComplete((v, e) -> runOrInline(() -> terminateThenFinish(i, p)));
        };
    try {
      notifier.execute(drainThenTerminate);
    } catch (RejectedExecutionException e) {
      drainThenTerminate.run();
    }
  }

  private void terminateThenFinish(InstanceProcess i, Process p) {
    CompletableFuture<Void> gone;
    try {
      gone = terminate(p);
    } catch (RuntimeException e) {
      log.error("terminating instance {} failed", i.id, e);
      gone = CompletableFuture.completedFuture(null);
    }
    gone.whenComplete(
        (x, y) -> {
          synchronized (lock) {
            finish(i);
          }
        });
  }

  private void runOrInline(Runnable r) {
    try {
      scheduler.execute(guarded(r));
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  private void finish(InstanceProcess i) {
    live.remove(i);
    record.remove(i.id);
    i.log.close();
    i.finished.complete(null);
  }

  private CompletableFuture<Void> drainBounded(String id, Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      options
          .drainer()
          .awaitIdle(id, timeout)
          .whenComplete(
              (v, e) -> {
                if (e != null) {
                  log.warn("draining instance {} failed; stopping it anyway", id, e);
                }
                done.complete(null);
              });
    } catch (RuntimeException e) {
      log.warn("draining instance {} failed; stopping it anyway", id, e);
      done.complete(null);
    }
    // the drainer promises to complete after the timeout; do not depend on it
    return done.completeOnTimeout(null, timeout.plusSeconds(1).toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * SIGTERM to the process and its descendants, SIGKILL to those still alive after the grace period
   * (and to descendants that appeared meanwhile). Completes when all are gone, or shortly after
   * SIGKILL (a zombie nobody reaps must not hold up a stop forever).
   */
  private CompletableFuture<Void> terminate(Process p) {
    ProcessHandle root = p.toHandle();
    List<ProcessHandle> tree = processTree(root);
    log.debug("terminating {}", tree);
    tree.forEach(ProcessHandle::destroy);
    CompletableFuture<Void> gone = allExited(tree);
    ScheduledFuture<?> kill =
        schedule(
            () -> {
              List<ProcessHandle> left = new ArrayList<>(tree);
              if (root.isAlive()) {
                root.descendants().forEach(left::add);
              }
              left.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
              gone.completeOnTimeout(null, 5, TimeUnit.SECONDS);
            },
            options.terminationGrace().toNanos());
    if (kill == null) { // shut down: kill now
      tree.forEach(ProcessHandle::destroyForcibly);
      gone.completeOnTimeout(null, 5, TimeUnit.SECONDS);
    }
    return gone.whenComplete(
        (v, e) -> {
          if (kill != null) {
            kill.cancel(false);
          }
        });
  }

  private static List<ProcessHandle> processTree(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    return tree;
  }

  private static CompletableFuture<Void> allExited(List<ProcessHandle> handles) {
    return CompletableFuture.allOf(
        handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
  }

  /** Publishes the revision's snapshot to readers and listeners if it changed. */
  private void publish(RevisionState s) {
    List<Instance> ready = new ArrayList<>();
    for (InstanceProcess i : s.instances) {
      if (i.phase == Phase.READY) {
        ready.add(new Instance(i.id, options.bindHost(), i.port));
      }
    }
    RevisionInstances snap = new RevisionInstances(s.key, ready, s.instances.size(), s.health);
    if (snap.equals(s.published) || s.removed) {
      return;
    }
    s.published = snap;
    snapshots.put(s.key, snap);
    try {
      notifier.execute(
          () -> {
            for (InstanceListener l : listeners) {
              try {
                l.onChange(snap);
              } catch (RuntimeException e) {
                log.warn("instance listener failed on {}", snap, e);
              }
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * A port free on the bind host now and not handed to another instance: bound with port 0 (so the
   * OS picks an unused one), then released for the app to bind.
   */
  private int pickPort() throws IOException {
    InetAddress host = InetAddress.getByName(options.bindHost());
    IOException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, host)) {
        int port = s.getLocalPort();
        if (!reservedPorts.contains(port)) {
          return port;
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw last != null ? last : new IOException("every port offered was taken by an instance");
  }

  private CompletableFuture<Void> copyLog(InputStream in, LogFile out) {
    CompletableFuture<Void> eof = new CompletableFuture<>();
    try {
      logCopiers.execute(
          () -> {
            byte[] buf = new byte[8192];
            try (in) {
              int n;
              while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
              }
            } catch (IOException e) {
              // pipe closed
            } finally {
              eof.complete(null);
            }
          });
    } catch (RejectedExecutionException e) {
      eof.complete(null);
    }
    return eof;
  }

  /** Runs on the scheduler; a bug in a task is logged, not lost in a future nobody reads. */
  private static Runnable guarded(Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (Throwable t) {
        log.error("runtime task failed", t);
        throw t;
      }
    };
  }

  private void execute(Runnable r) {
    try {
      scheduler.execute(guarded(r));
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private ScheduledFuture<?> schedule(Runnable r, long delayNanos) {
    try {
      return scheduler.schedule(guarded(r), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
