package dev.coldbrew.runtime.local;

// Longer than ~500 lines on purpose: it is the one place that holds the runtime's lock, and every
// transition of an instance's life (launch, probe results, restart, stop, drain) is a short section
// under that lock. The work done outside it has its own classes: InstanceLauncher (processes and
// containers), StartupProbeSchedule, LogStore, RunStopper, SnapshotPublisher, InstanceLife.

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.runtime.ImageResolutionException;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local {@link InstanceRuntime}: every instance of a Revision runs on this machine, started by
 * an {@link InstanceLauncher} ({@link ProcessLauncher}: an OS process; {@link ContainerLauncher}: a
 * podman container; each with Knative's runtime contract), its output in a size-capped log read by
 * {@link LogStore}. This class drives each instance through its {@link InstanceLife}: launch,
 * startup probe ({@link StartupProbeSchedule}), readiness and liveness probes, restarts after a
 * backoff with the Revision's health failing meanwhile, and stops on scale-down (not-ready first,
 * then the newest) or {@link #remove}: out of the ready set, listeners told, drained if it was ever
 * ready, then ended ({@link RunStopper}). A new runtime first ends what a crashed one left running
 * ({@link #reapOrphans}).
 *
 * <p>Thread-safe. State changes happen under one lock, never held across a launch (port bind,
 * fork/exec, pid record), a probe, a log read, a drain or a wait: such work takes what it needs
 * under the lock, runs outside it, and applies its result under the lock only if the instance is
 * still in the same run and phase ({@code offLock}). {@link #scale} and {@link #remove} return at
 * once. Listeners are called in order on one notifier thread ({@link SnapshotPublisher}) and must
 * not block.
 */
public final class LocalRuntime implements InstanceRuntime {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
  private static final int HEALTH_LOG_LINES = 10;
  private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

  /** Threads that resolve images: each call blocks on podman, up to a pull's timeout. */
  private static final int IMAGE_THREADS = 2;

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

  private final LocalRuntimeOptions options;
  private final LogStore logStore;
  private final InstanceLauncher launcher;
  private final StartupProbeSchedule startupSchedule;
  private final RuntimeScheduler scheduler;
  private final RunStopper stopper;
  private final SnapshotPublisher publisher = new SnapshotPublisher();
  private final LogPump logPump = new LogPump();
  private final ContainerEngine containerEngine;
  private final ExecutorService images;

  private final Object lock = new Object();
  // guarded by lock
  private final Map<NamespacedName, RevisionState> revisions = new HashMap<>();
  private final Set<LocalInstance> live = new LinkedHashSet<>();
  private final Set<String> usedIds = new HashSet<>();
  private final InstanceLife.Census census = new InstanceLife.Census();
  private boolean closed;
  private boolean hurried; // stop without draining, kill without a grace period

  /**
   * Creates the runtime of OS processes and containers, ending the orphans an earlier runtime on
   * the same data directory left (which can take up to the termination grace period).
   */
  public LocalRuntime(LocalRuntimeOptions options) {
    this(options, new ContainerEngine(options));
  }

  private LocalRuntime(LocalRuntimeOptions options, ContainerEngine engine) {
    this(options, engine, launchers(options, engine));
  }

  private static InstanceLauncher launchers(LocalRuntimeOptions options, ContainerEngine engine) {
    FreePorts ports = new FreePorts(options.bindHost());
    return new EngineLaunchers(
        new ProcessLauncher(options, new OrphanRecord(options.dataDir()), ports),
        new ContainerLauncher(options, engine, ports));
  }

  /** Creates the runtime with the given launcher, ending the orphans it finds. */
  LocalRuntime(LocalRuntimeOptions options, InstanceLauncher launcher) {
    this(options, new ContainerEngine(options), launcher);
  }

  private LocalRuntime(
      LocalRuntimeOptions options, ContainerEngine engine, InstanceLauncher launcher) {
    this.options = options;
    this.containerEngine = engine;
    AtomicInteger imageThreads = new AtomicInteger();
    this.images =
        Executors.newFixedThreadPool(
            IMAGE_THREADS,
            r -> {
              Thread t = new Thread(r, "coldbrew-images-" + imageThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.logStore = new LogStore(options.dataDir());
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + options.dataDir(), e);
    }
    this.launcher = launcher;
    this.startupSchedule = StartupProbeSchedule.of(options);
    this.scheduler = new RuntimeScheduler(options.schedulerThreads());
    this.stopper = new RunStopper(scheduler, options.drainer(), options.terminationGrace());
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

  /**
   * The engine of a revision: its {@link Engine#ANNOTATION} annotation, else the options' {@code
   * defaultEngine}, else a process if it has a {@code command} and a container if it has only an
   * {@code image}.
   */
  @Override
  public Engine engine(Revision revision) {
    return Engine.of(revision, options.defaultEngine());
  }

  /**
   * Resolves the revision's image with podman (pulling as its {@code imagePullPolicy} says) on one
   * of this runtime's image threads; see {@link ContainerEngine#resolve}.
   */
  @Override
  public CompletableFuture<String> resolveImage(Revision revision) {
    var c = revision.spec == null ? null : revision.spec.container();
    if (c == null || c.image == null || c.image.isEmpty()) {
      return CompletableFuture.failedFuture(
          new ImageResolutionException("ContainerMissing", "the container has no image"));
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> containerEngine.resolve(c.image, c.imagePullPolicy), images);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("runtime is closed"));
    }
  }

  @Override
  public List<String> containers(NamespacedName revision) {
    List<String> out = new ArrayList<>();
    synchronized (lock) {
      RevisionState s = revisions.get(revision);
      if (s != null) {
        for (LocalInstance i : s.instances) {
          Launched run = i.run;
          if (run != null && run.container() != null && !run.exited().isDone()) {
            out.add(run.container());
          }
        }
      }
    }
    return out;
  }

  /**
   * Checks the container engine in the background (podman's version, cgroup layout, OCI runtime,
   * rootless or not) and writes the configuration Coldbrew runs it with; the result is logged.
   * Completes with one line describing the engine, or what keeps containers from running.
   */
  public CompletableFuture<String> checkContainerEngine() {
    return CompletableFuture.supplyAsync(
        () -> {
          ContainerEngine.Info i = containerEngine.info();
          return i.available() ? i.summary() : i.problem();
        },
        images);
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
    // a process's first new instance is spawned on this thread, which is what a cold start waits
    // for (a spawn takes ~1 ms; handing it to the runtime's thread adds a wake-up, ~0.2 ms here);
    // a container's start (podman) takes long, so it never blocks the caller
    LocalInstance first;
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("runtime is closed");
      }
      RevisionState s = revisions.computeIfAbsent(t.revision(), k -> new RevisionState(t));
      s.template = t;
      s.desired = count;
      first = reconcileLocked(s, t.container() == null);
    }
    if (first != null) {
      spawn(first);
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
      reconcileLocked(s);
      s.removed = true;
      publisher.forget(revision);
    }
  }

  @Override
  public RevisionInstances instances(NamespacedName revision) {
    return publisher.get(revision);
  }

  @Override
  public void subscribe(InstanceListener listener) {
    publisher.subscribe(listener);
  }

  /**
   * A listener told of every change at once, on the thread that made it and under the runtime's
   * lock, before the listeners of {@link #subscribe} (which are told on the notifier thread): the
   * data plane's, so that a request held for a cold start is released without waiting for another
   * thread to wake (~0.1–0.3 ms on a small VM). It must be quick, must not block and must not call
   * the runtime, except {@link #instances}.
   */
  public void subscribeInline(InstanceListener listener) {
    publisher.subscribeInline(listener);
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
        reconcileLocked(s);
      }
      for (LocalInstance i : live) {
        stopped.add(i.finished);
      }
    }
    CompletableFuture.allOf(stopped.toArray(CompletableFuture[]::new)).join();
    publisher.close();
    scheduler.shutdownNow();
    images.shutdownNow();
    logPump.close();
    launcher.close();
  }

  /** How many instances run now (starting, ready or stopping). */
  public int liveInstances() {
    synchronized (lock) {
      return live.size();
    }
  }

  /**
   * Stops every instance being stopped now, and every one stopped from now on, at once: no drain,
   * SIGKILL to its process tree (a container is removed). What a second Ctrl-C asks for while
   * {@link #close} drains; requests in flight on them are cut. Nothing is left running: each run
   * still goes through its usual end.
   *
   * @return how many runs were killed now
   */
  public int hurry() {
    List<Launched> runs = new ArrayList<>();
    synchronized (lock) {
      hurried = true;
      for (LocalInstance i : live) {
        if (i.life.stopping() && i.run != null && !i.run.exited().isDone()) {
          runs.add(i.run);
        }
      }
    }
    runs.forEach(Launched::kill); // outside the lock: a container's kill runs podman
    return runs.size();
  }

  /**
   * Ends what an earlier runtime on the same data directory left running and this one did not start
   * ({@link InstanceLauncher#reapOrphans}, with the grace period). Called by the constructor;
   * blocks until they are gone.
   *
   * @return how many were ended
   */
  public int reapOrphans() {
    return launcher.reapOrphans();
  }

  /**
   * Runs the launch path once, so that the first cold start after the platform starts does not pay
   * for loading and first running it: a process ({@code /bin/sh}) that writes a line and exits,
   * started as an instance's run is, its output through the log pump into a temporary log file in
   * the data directory (deleted again), then the startup probe against the closed port it had and
   * against an open one. Nothing is published to subscribers. Blocks for at most {@code budget}; a
   * warm-up that cannot run is skipped (logged at debug).
   *
   * @return whether the process ran, exited 0 and its output was copied
   */
  public boolean warmUp(Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    java.nio.file.Path file = null;
    Launched run = null;
    LogFile out = null;
    try {
      file = Files.createTempFile(options.dataDir(), "warmup-", ".log");
      Revision r = new Revision();
      r.metadata.namespace = "coldbrew-warmup";
      r.metadata.name = "warmup-00001";
      r.metadata.annotations().put(Engine.ANNOTATION, Engine.PROCESS.value());
      dev.coldbrew.api.model.Container c = new dev.coldbrew.api.model.Container();
      c.command = List.of("/bin/sh", "-c", "echo warm");
      r.spec.containers().add(c);
      RevisionTemplate t = RevisionTemplate.of(r, options);
      run = launcher.launch(new InstanceLauncher.Spec("warmup-00001-0", t));
      out = new LogFile(file, options.logMaxBytes());
      CompletableFuture<Void> eof = new CompletableFuture<>();
      logPump.start(run.output(), out, eof);
      long left = Math.max(1, deadline - System.nanoTime());
      CompletableFuture.allOf(run.exited(), eof).get(left, TimeUnit.NANOSECONDS);
      boolean ran = run.exited().join() == 0;
      Prober.check(t.readiness(), run); // refused: it has exited
      try (java.net.ServerSocket open =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        Prober.check(t.readiness(), "127.0.0.1", open.getLocalPort());
      }
      return ran;
    } catch (Exception e) {
      log.debug("launch path not warmed: {}", e.toString());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    } finally {
      if (run != null && !run.exited().isDone()) {
        run.kill(); // out of time
      }
      if (out != null) {
        out.close();
      }
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.debug("cannot remove the warm-up's {}: {}", file, e.toString());
        }
      }
    }
  }

  // ---- the instance lifecycle: "…Locked" methods run under the lock, the others take it ----

  private void reconcileLocked(RevisionState s) {
    reconcileLocked(s, false);
  }

  /**
   * Starts and stops instances until the revision has as many as it should. New ones are spawned on
   * the runtime's threads, except the first when {@code callerSpawnsFirst}: that one is returned,
   * for the caller to spawn once it let go of the lock (else null).
   */
  private LocalInstance reconcileLocked(RevisionState s, boolean callerSpawnsFirst) {
    LocalInstance first = null;
    while (s.instances.size() < s.desired) {
      String id = newIdLocked(s.key);
      LogFile logFile =
          new LogFile(
              logStore.instanceLog(s.key.namespace(), s.key.name(), id), options.logMaxBytes());
      LocalInstance i = new LocalInstance(s, id, logFile, new InstanceLife(census, options));
      s.instances.add(i);
      live.add(i);
      if (callerSpawnsFirst && first == null) {
        first = i;
      } else {
        scheduler.execute(() -> spawn(i));
      }
    }
    s.surplus().forEach(this::stopLocked);
    publishLocked(s);
    return first;
  }

  private String newIdLocked(NamespacedName rev) {
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

  /** Launches a run of the instance (outside the lock) and adopts it. */
  private void spawn(LocalInstance i) {
    int gen;
    InstanceLauncher.Spec spec;
    synchronized (lock) {
      if (i.life.stopping()) {
        return;
      }
      gen = i.life.nextRun();
      i.restartTask = null;
      i.launching = true;
      spec = new InstanceLauncher.Spec(i.id, i.rev.template);
    }
    Launched run;
    try {
      try {
        run = launcher.launch(spec);
      } finally {
        // after the spawn, off a cold start's path (opening a new log costs ~0.5 ms), and before
        // anything reads the run's output; generations count runs from 1
        i.log.runStarted(i.id, gen - 1);
      }
    } catch (InstanceLauncher.LaunchException e) {
      launchFailed(i, gen, e.reason(), e.getMessage());
      return;
    } catch (RuntimeException | Error e) { // a launcher's bug: still a failed start, not a lost one
      log.error("instance {}: launch failed", i.id, e);
      launchFailed(i, gen, "StartError", "cannot start: " + e);
      return;
    }
    boolean stoppedMeanwhile;
    synchronized (lock) {
      i.launching = false;
      i.run = run;
      stoppedMeanwhile = i.life.stopping();
      if (!stoppedMeanwhile) {
        adoptLocked(i, gen, run);
      }
    }
    if (stoppedMeanwhile) { // never ready, so nothing to drain
      try {
        CompletableFuture<Void> eof = new CompletableFuture<>();
        i.outputCopied = eof;
        logPump.start(run.output(), i.log, eof);
      } finally {
        endThenFinish(i, run);
      }
    }
  }

  private void launchFailed(LocalInstance i, int gen, String reason, String message) {
    i.log.writeLine("[coldbrew] " + message);
    log.info("instance {}: {}", i.id, message);
    synchronized (lock) {
      i.launching = false;
      if (i.life.stopping()) {
        finishLocked(i);
      } else if (i.life.current(gen)) {
        restartLocked(i, ContainerHealth.failing(reason, message));
      }
    }
  }

  /**
   * The launched run becomes the instance's: its output goes to the log, its exit restarts the
   * instance, probes start. If any of that fails, the run is killed, so it is never left running
   * unwatched.
   */
  private void adoptLocked(LocalInstance i, int gen, Launched run) {
    i.life.launched(System.nanoTime());
    i.otherPorts = null;
    CompletableFuture<Void> eof = new CompletableFuture<>();
    i.outputCopied = eof;
    boolean watched = false;
    try {
      run.exited()
          .thenCompose(s -> copiedWithinFlush(eof).thenApply(x -> s))
          .whenComplete((s, e) -> scheduler.execute(() -> exited(i, gen, s == null ? -1 : s)));
      watched = true;
      logPump.start(run.output(), i.log, eof);
      RevisionTemplate t = i.rev.template;
      i.readinessTask =
          scheduler.schedule(() -> startupProbe(i, gen, 0), t.readiness().initialDelay().toNanos());
      if (t.liveness() != null) {
        long period = t.liveness().period().toNanos();
        i.livenessTask =
            scheduler.every(
                () -> livenessProbe(i, gen),
                t.liveness().initialDelay().toNanos() + period,
                period);
      }
    } catch (RuntimeException | Error e) {
      log.error("instance {}: cannot watch its new run ({}); killing it", i.id, run, e);
      eof.complete(null);
      i.cancelTimers();
      i.log.writeLine("[coldbrew] cannot watch the new run: " + e);
      i.life.killedBecause("StartError");
      run.kill();
      if (!watched) {
        restartLocked(i, ContainerHealth.failing("StartError", e.toString()));
      }
    }
  }

  /**
   * The one way to do slow work on an instance: under the lock, check that it is still in run
   * {@code gen} and a phase that {@code wants} the work, and take what the work needs ({@code
   * prepare} returns the work); outside the lock, do the work; under the lock again, {@code apply}
   * the result if the instance still is where it was. The lock is never held across the work.
   */
  private <T> void offLock(
      LocalInstance i,
      int gen,
      Predicate<InstanceLife> wants,
      Function<LocalInstance, Supplier<T>> prepare,
      Consumer<T> apply) {
    Supplier<T> work;
    synchronized (lock) {
      if (!i.life.current(gen) || !wants.test(i.life)) {
        return;
      }
      work = prepare.apply(i);
    }
    T result = work.get();
    synchronized (lock) {
      if (i.life.current(gen) && wants.test(i.life)) {
        apply.accept(result);
      }
    }
  }

  private record Attempt(RevisionTemplate.ProbeSpec probe, boolean ok) {}

  /** A probe attempt against the instance's current run, with the probe read under the lock. */
  private static Function<LocalInstance, Supplier<Attempt>> attempt(boolean liveness) {
    return i -> {
      RevisionTemplate.ProbeSpec p =
          liveness ? i.rev.template.liveness() : i.rev.template.readiness();
      Launched run = i.run;
      return () -> new Attempt(p, Prober.check(p, run));
    };
  }

  /**
   * The least gap between two startup attempts of an exec probe: each starts a process (a
   * container's, a podman client), so it is not repeated at the socket probes' millisecond pace.
   */
  static final long EXEC_STARTUP_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** How long a run may start before the runtime looks for the ports it listens on. */
  static final long PORT_CHECK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** How often a run that is still starting is looked at again. */
  static final long PORT_CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * How long a run must listen on the same other ports, and not on PORT, before it is reported: an
   * app may open a port of its own (a debugger, JMX) a little before its server is up.
   */
  static final long PORT_MISMATCH_FOR_NANOS = TimeUnit.SECONDS.toNanos(3);

  /** The reason a revision's health fails with while its app listens on other ports. */
  static final String WRONG_PORT = "PortMismatch";

  /**
   * A startup probe attempt; when it fails and the run has been starting for a while, also the
   * ports its processes listen on (null when not looked at).
   */
  private record StartAttempt(Attempt attempt, Set<Integer> listening) {}

  private static Function<LocalInstance, Supplier<StartAttempt>> startAttempt() {
    Function<LocalInstance, Supplier<Attempt>> probe = attempt(false);
    return i -> {
      Supplier<Attempt> a = probe.apply(i);
      long now = System.nanoTime();
      boolean look =
          now - i.life.launchedNanos() >= PORT_CHECK_AFTER_NANOS && now >= i.nextPortCheckNanos;
      if (look) {
        i.nextPortCheckNanos = now + PORT_CHECK_EVERY_NANOS;
      }
      Launched run = i.run;
      return () -> {
        Attempt done = a.get();
        return new StartAttempt(done, look && !done.ok() ? run.listeningPorts() : null);
      };
    };
  }

  /**
   * The revision's health says so when a starting run listens, but not on its {@code PORT}: it will
   * never pass its probe, and without this the user learns nothing until the progress deadline.
   */
  private void checkPortLocked(LocalInstance i, Set<Integer> listening, long now) {
    if (listening == null) {
      return;
    }
    if (listening.isEmpty() || listening.contains(i.run.port())) {
      i.otherPorts = null;
      return;
    }
    if (!listening.equals(i.otherPorts)) {
      i.otherPorts = listening;
      i.otherPortsSinceNanos = now;
    }
    if (now - i.otherPortsSinceNanos < PORT_MISMATCH_FOR_NANOS) {
      return;
    }
    String ports = listening.stream().map(String::valueOf).collect(Collectors.joining(", "));
    String message =
        "the app listens on port "
            + ports
            + " but not on $PORT ("
            + i.run.port()
            + "), where the platform probes it and sends requests: listen on the port the PORT"
            + " environment variable gives (on Knative PORT is the containerPort; here each"
            + " instance gets a free port of its own)";
    if (!i.rev.health.healthy() && message.equals(i.rev.health.message())) {
      return;
    }
    log.info("instance {} listens on {}, not on its PORT {}", i.id, ports, i.run.port());
    i.log.writeLine("[coldbrew] " + message);
    i.rev.health = ContainerHealth.failing(WRONG_PORT, message);
    publishLocked(i.rev);
  }

  /** Probes a new run until it is ready, on the {@link StartupProbeSchedule}. */
  private void startupProbe(LocalInstance i, int gen, long base) {
    offLock(
        i,
        gen,
        life -> life.phase() == InstanceLife.Phase.STARTING,
        startAttempt(),
        sa -> {
          Attempt a = sa.attempt();
          long now = System.nanoTime();
          if (i.life.startupAttempt(a.ok(), a.probe().successThreshold(), now)) {
            i.rev.lastStartNanos = i.life.startNanos();
            i.run.started();
            i.rev.health = ContainerHealth.HEALTHY;
            publishLocked(i.rev);
            long period = a.probe().period().toNanos();
            i.readinessTask = scheduler.every(() -> readinessProbe(i, gen), period, period);
            return;
          }
          if (i.run.exited().isDone()) {
            return; // exited() takes it from here
          }
          checkPortLocked(i, sa.listening(), now);
          StartupProbeSchedule.Step next =
              startupSchedule.next(
                  base, i.rev.lastStartNanos, now - i.life.launchedNanos(), census.starting());
          long delay =
              a.probe().exec() == null
                  ? next.delayNanos()
                  : Math.max(next.delayNanos(), EXEC_STARTUP_GAP_NANOS);
          i.readinessTask = scheduler.schedule(() -> startupProbe(i, gen, next.base()), delay);
        });
  }

  /** The periodic readiness check of a run that was ready once. */
  private void readinessProbe(LocalInstance i, int gen) {
    offLock(
        i,
        gen,
        life ->
            life.phase() == InstanceLife.Phase.READY
                || life.phase() == InstanceLife.Phase.NOT_READY,
        attempt(false),
        a -> {
          RevisionTemplate.ProbeSpec p = a.probe();
          if (i.life.readinessAttempt(
              a.ok(), p.successThreshold(), p.failureThreshold(), System.nanoTime())) {
            if (i.life.phase() == InstanceLife.Phase.READY) {
              i.rev.health = ContainerHealth.HEALTHY;
            } else {
              log.info("instance {} failed its readiness probe: out of the ready set", i.id);
            }
            publishLocked(i.rev);
          }
        });
  }

  private void livenessProbe(LocalInstance i, int gen) {
    offLock(
        i,
        gen,
        life -> life.phase() != InstanceLife.Phase.RESTARTING,
        attempt(true),
        a -> {
          if (i.life.livenessAttempt(a.ok(), a.probe().failureThreshold())) {
            log.info("instance {} failed its liveness probe: restarting it", i.id);
            i.cancelTimers();
            publishLocked(i.rev);
            Launched run = i.run;
            scheduler.execute(() -> stopper.end(run)); // its exit restarts the instance
          }
        });
  }

  /** Run {@code gen} ended (after its output reached the log, or the flush timeout). */
  private void exited(LocalInstance i, int gen, int status) {
    offLock(
        i,
        gen,
        life -> true,
        x -> () -> ContainerHealth.logExcerpt(x.log.tail(4 * HEALTH_LOG_LINES), HEALTH_LOG_LINES),
        tail -> {
          String reason = i.life.exitReason(status);
          log.info("instance {} ended: {}", i.id, reason);
          restartLocked(i, ContainerHealth.failing(reason, tail));
        });
  }

  private void restartLocked(LocalInstance i, ContainerHealth health) {
    i.cancelTimers();
    i.rev.health = health;
    Duration wait = i.life.restart(System.nanoTime());
    i.restartTask = scheduler.schedule(() -> spawn(i), wait.toNanos());
    publishLocked(i.rev);
  }

  /**
   * Takes the instance out of the ready set and the count, tells listeners, then (on the notifier
   * thread, after they were told) drains it and ends its run.
   */
  private void stopLocked(LocalInstance i) {
    if (i.life.stopping()) {
      return;
    }
    boolean drain = i.life.stop();
    i.cancelTimers();
    i.rev.instances.remove(i);
    publishLocked(i.rev);
    if (i.launching) {
      return; // spawn() ends the run it is launching, then finishes the instance
    }
    Launched run = i.run;
    if (run == null || run.exited().isDone()) {
      finishLocked(i);
      return;
    }
    Duration timeout = i.rev.template.timeout();
    boolean now = hurried;
    publisher.afterListeners(
        () -> {
          if (now) {
            run.kill();
          }
          boolean drainFirst = drain && !now;
          CompletableFuture<Void> drained =
              drainFirst ? stopper.drain(i.id, timeout) : CompletableFuture.completedFuture(null);
          // the drainer may complete on an event loop: signal and scan /proc on our threads
          drained.whenComplete((v, e) -> scheduler.executeOrRun(() -> endThenFinish(i, run)));
        });
  }

  /**
   * Ends the run, then finishes the instance once the run's output is in its log (at most {@code
   * logFlushOnExit} after the run ended: a descendant may hold the pipe open), so the last lines an
   * app writes as it stops are kept.
   */
  private void endThenFinish(LocalInstance i, Launched run) {
    CompletableFuture<Void> copied = i.outputCopied;
    stopper
        .end(run)
        .handle((x, y) -> null)
        .thenCompose(x -> copiedWithinFlush(copied))
        .whenComplete(
            (x, y) -> {
              synchronized (lock) {
                finishLocked(i);
              }
            });
  }

  /**
   * Completes when a run's output is in its log ({@code copied}), or {@code logFlushOnExit} from
   * now (a descendant of the app may hold the pipe open); called once the run has ended.
   */
  private CompletableFuture<Void> copiedWithinFlush(CompletableFuture<Void> copied) {
    return copied.completeOnTimeout(null, options.logFlushOnExit().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void finishLocked(LocalInstance i) {
    live.remove(i);
    i.life.stopped();
    i.log.close();
    i.finished.complete(null);
  }

  /** Publishes the revision's snapshot to readers and listeners if it changed. */
  private void publishLocked(RevisionState s) {
    RevisionInstances snap = s.snapshot();
    if (snap.equals(s.published) || s.removed) {
      return;
    }
    s.published = snap;
    publisher.publish(snap);
  }
}
