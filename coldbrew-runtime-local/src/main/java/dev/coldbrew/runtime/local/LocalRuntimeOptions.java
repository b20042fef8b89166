package dev.coldbrew.runtime.local;

import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.runtime.InstanceDrainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Every limit, timeout, backoff and pool size of the {@link LocalRuntime}, each with its default
 * and the reason for it. Build with {@link #builder(Path)}; {@link #defaults(Path)} is what {@code
 * coldbrew serve} uses. Immutable and thread-safe.
 *
 * @param dataDir where logs ({@code logs/<namespace>/<revision>/<instance>.log}) and the record of
 *     running processes ({@code runtime/instances.pids}) live. Required.
 * @param defaultWorkingDir what a container's relative (or absent) {@code workingDir} resolves
 *     against. Default: the platform's current directory, so {@code command: [./app]} in a manifest
 *     next to the app works as it does in a shell.
 * @param bindHost the address instances listen on and are probed and reached at. Default {@code
 *     127.0.0.1}: instances are only reachable through the gateway.
 * @param logMaxBytes the size at which an instance's log file is rotated to {@code .log.1}
 *     (replacing the previous one), so an instance keeps at most twice this on disk. Default 10
 *     MiB: hours of a chatty app, bounded for a crash loop that prints a stack trace per start.
 * @param startupProbeInitialInterval the wait after the first failed readiness attempt of a new
 *     process; doubled after each failure. Default 200 µs: the time from "the app can answer" to
 *     "it is in the ready set" is what a user waits for on a cold start, and a refused connect on
 *     loopback costs a few microseconds.
 * @param startupProbeMaxInterval the cap of that doubling while one instance starts; with n
 *     starting at once the cap is n times this, at most 20 ms. Default 1 ms: at most a millisecond
 *     of added cold-start latency, at about a thousand attempts a second (a refused connect on
 *     loopback costs ~30 µs of CPU) shared by every starting instance.
 * @param restartBackoffInitial the wait before restarting a crashed instance the first time.
 *     Default 100 ms: a one-off crash is fixed fast.
 * @param restartBackoffMax the cap of the doubling restart wait. Default 30 s: a crash loop costs
 *     almost no CPU, yet a fixed app is picked up within half a minute.
 * @param restartBackoffResetAfter how long an instance must have stayed ready for its restart wait
 *     to start over from the initial value. Default 10 s (the kubelet uses a similar rule).
 * @param terminationGrace the time between SIGTERM and SIGKILL, when stopping an instance, killing
 *     it after a failed liveness probe, or ending an orphan. Default 30 s: Kubernetes' {@code
 *     terminationGracePeriodSeconds}; requests were already drained before SIGTERM.
 * @param logFlushOnExit how long to wait, after a process exited, for the last bytes of its output
 *     to reach its log (a descendant may hold the pipe open forever). Default 1 s.
 * @param defaultProbePeriod a probe's {@code periodSeconds} when unset. Default 10 s (Kubernetes).
 * @param defaultProbeTimeout a probe's {@code timeoutSeconds} when unset: the limit of one attempt.
 *     Default 1 s (Kubernetes).
 * @param defaultFailureThreshold a probe's {@code failureThreshold} when unset. Default 3
 *     (Kubernetes).
 * @param defaultRevisionTimeout the drain limit for a revision without {@code timeoutSeconds}.
 *     Default 300 s (Knative's {@code revision-timeout-seconds}).
 * @param schedulerThreads the threads that spawn processes, run probes (blocking connects bounded
 *     by the probe timeout) and fire restart and kill timers. Default 2: probes of a healthy app
 *     take microseconds; more threads only help when many apps hang on probes.
 * @param drainer waits, before SIGTERM, until the data plane has no request in flight on the
 *     instance. Default {@link InstanceDrainer#NONE} (nothing routes requests); the server passes
 *     the data plane's.
 * @param defaultEngine what runs a revision without the {@link Engine#ANNOTATION} annotation.
 *     Default null ({@code auto}): a container with a {@code command} runs as a process, one with
 *     only an {@code image} as a container.
 * @param defaultContainerNetwork how containers are reached without the {@link
 *     ContainerNetwork#ANNOTATION} annotation. Default {@link ContainerNetwork#BRIDGE}: Knative's
 *     contract (each instance in its own network namespace, {@code PORT} the container port).
 * @param podman the container engine's command: a name looked up on {@code PATH}, or a path.
 *     Default {@code podman}.
 * @param engineCallTimeout the limit of every call of the engine's command but a pull ({@code
 *     info}, {@code image inspect}, {@code rm}, {@code ps}). Default 60 s: these take 0.05–2 s on a
 *     busy small machine; a hung engine must not hang the platform.
 * @param imagePullTimeout the limit of one image pull. Default 5 min: a registry that does not
 *     answer fails the revision within it (one that refuses fails at once).
 */
public record LocalRuntimeOptions(
    Path dataDir,
    Path defaultWorkingDir,
    String bindHost,
    long logMaxBytes,
    Duration startupProbeInitialInterval,
    Duration startupProbeMaxInterval,
    Duration restartBackoffInitial,
    Duration restartBackoffMax,
    Duration restartBackoffResetAfter,
    Duration terminationGrace,
    Duration logFlushOnExit,
    Duration defaultProbePeriod,
    Duration defaultProbeTimeout,
    int defaultFailureThreshold,
    Duration defaultRevisionTimeout,
    int schedulerThreads,
    InstanceDrainer drainer,
    Engine defaultEngine,
    ContainerNetwork defaultContainerNetwork,
    String podman,
    Duration engineCallTimeout,
    Duration imagePullTimeout) {

  /** The smallest {@code logMaxBytes}: twice the chunk the log copier writes at once. */
  public static final long MIN_LOG_MAX_BYTES = 16 * 1024;

  public LocalRuntimeOptions {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(defaultWorkingDir, "defaultWorkingDir");
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(drainer, "drainer");
    Objects.requireNonNull(defaultContainerNetwork, "defaultContainerNetwork");
    if (podman == null || podman.isEmpty()) {
      throw new IllegalArgumentException("podman: empty (expected: a command name or path)");
    }
    positive("engineCallTimeout", engineCallTimeout);
    positive("imagePullTimeout", imagePullTimeout);
    if (logMaxBytes < MIN_LOG_MAX_BYTES) {
      throw new IllegalArgumentException(
          "logMaxBytes: " + logMaxBytes + " (expected: >= " + MIN_LOG_MAX_BYTES + ")");
    }
    positive("startupProbeInitialInterval", startupProbeInitialInterval);
    positive("startupProbeMaxInterval", startupProbeMaxInterval);
    positive("restartBackoffInitial", restartBackoffInitial);
    positive("restartBackoffMax", restartBackoffMax);
    positive("restartBackoffResetAfter", restartBackoffResetAfter);
    positive("terminationGrace", terminationGrace);
    positive("logFlushOnExit", logFlushOnExit);
    positive("defaultProbePeriod", defaultProbePeriod);
    positive("defaultProbeTimeout", defaultProbeTimeout);
    positive("defaultRevisionTimeout", defaultRevisionTimeout);
    if (startupProbeMaxInterval.compareTo(startupProbeInitialInterval) < 0) {
      throw new IllegalArgumentException(
          "startupProbeMaxInterval: "
              + startupProbeMaxInterval
              + " (expected: >= startupProbeInitialInterval "
              + startupProbeInitialInterval
              + ")");
    }
    if (restartBackoffMax.compareTo(restartBackoffInitial) < 0) {
      throw new IllegalArgumentException(
          "restartBackoffMax: "
              + restartBackoffMax
              + " (expected: >= restartBackoffInitial "
              + restartBackoffInitial
              + ")");
    }
    if (defaultFailureThreshold < 1) {
      throw new IllegalArgumentException(
          "defaultFailureThreshold: " + defaultFailureThreshold + " (expected: >= 1)");
    }
    if (schedulerThreads < 1) {
      throw new IllegalArgumentException(
          "schedulerThreads: " + schedulerThreads + " (expected: >= 1)");
    }
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }

  /** The defaults, with the given data directory. */
  public static LocalRuntimeOptions defaults(Path dataDir) {
    return builder(dataDir).build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder(dataDir);
    b.defaultWorkingDir = defaultWorkingDir;
    b.bindHost = bindHost;
    b.logMaxBytes = logMaxBytes;
    b.startupProbeInitialInterval = startupProbeInitialInterval;
    b.startupProbeMaxInterval = startupProbeMaxInterval;
    b.restartBackoffInitial = restartBackoffInitial;
    b.restartBackoffMax = restartBackoffMax;
    b.restartBackoffResetAfter = restartBackoffResetAfter;
    b.terminationGrace = terminationGrace;
    b.logFlushOnExit = logFlushOnExit;
    b.defaultProbePeriod = defaultProbePeriod;
    b.defaultProbeTimeout = defaultProbeTimeout;
    b.defaultFailureThreshold = defaultFailureThreshold;
    b.defaultRevisionTimeout = defaultRevisionTimeout;
    b.schedulerThreads = schedulerThreads;
    b.drainer = drainer;
    b.defaultEngine = defaultEngine;
    b.defaultContainerNetwork = defaultContainerNetwork;
    b.podman = podman;
    b.engineCallTimeout = engineCallTimeout;
    b.imagePullTimeout = imagePullTimeout;
    return b;
  }

  /** Builds {@link LocalRuntimeOptions}; every field starts at its documented default. */
  public static final class Builder {
    private final Path dataDir;
    private Path defaultWorkingDir = Path.of("").toAbsolutePath();
    private String bindHost = "127.0.0.1";
    private long logMaxBytes = 10L * 1024 * 1024;
    private Duration startupProbeInitialInterval = Duration.ofNanos(200_000);
    private Duration startupProbeMaxInterval = Duration.ofMillis(1);
    private Duration restartBackoffInitial = Duration.ofMillis(100);
    private Duration restartBackoffMax = Duration.ofSeconds(30);
    private Duration restartBackoffResetAfter = Duration.ofSeconds(10);
    private Duration terminationGrace = Duration.ofSeconds(30);
    private Duration logFlushOnExit = Duration.ofSeconds(1);
    private Duration defaultProbePeriod = Duration.ofSeconds(10);
    private Duration defaultProbeTimeout = Duration.ofSeconds(1);
    private int defaultFailureThreshold = 3;
    private Duration defaultRevisionTimeout = Duration.ofSeconds(300);
    private int schedulerThreads = 2;
    private InstanceDrainer drainer = InstanceDrainer.NONE;
    private Engine defaultEngine;
    private ContainerNetwork defaultContainerNetwork = ContainerNetwork.BRIDGE;
    private String podman = "podman";
    private Duration engineCallTimeout = Duration.ofSeconds(60);
    private Duration imagePullTimeout = Duration.ofMinutes(5);

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    public Builder defaultWorkingDir(Path v) {
      defaultWorkingDir = v;
      return this;
    }

    public Builder bindHost(String v) {
      bindHost = v;
      return this;
    }

    public Builder logMaxBytes(long v) {
      logMaxBytes = v;
      return this;
    }

    public Builder startupProbeInitialInterval(Duration v) {
      startupProbeInitialInterval = v;
      return this;
    }

    public Builder startupProbeMaxInterval(Duration v) {
      startupProbeMaxInterval = v;
      return this;
    }

    public Builder restartBackoffInitial(Duration v) {
      restartBackoffInitial = v;
      return this;
    }

    public Builder restartBackoffMax(Duration v) {
      restartBackoffMax = v;
      return this;
    }

    public Builder restartBackoffResetAfter(Duration v) {
      restartBackoffResetAfter = v;
      return this;
    }

    public Builder terminationGrace(Duration v) {
      terminationGrace = v;
      return this;
    }

    public Builder logFlushOnExit(Duration v) {
      logFlushOnExit = v;
      return this;
    }

    public Builder defaultProbePeriod(Duration v) {
      defaultProbePeriod = v;
      return this;
    }

    public Builder defaultProbeTimeout(Duration v) {
      defaultProbeTimeout = v;
      return this;
    }

    public Builder defaultFailureThreshold(int v) {
      defaultFailureThreshold = v;
      return this;
    }

    public Builder defaultRevisionTimeout(Duration v) {
      defaultRevisionTimeout = v;
      return this;
    }

    public Builder schedulerThreads(int v) {
      schedulerThreads = v;
      return this;
    }

    public Builder drainer(InstanceDrainer v) {
      drainer = v;
      return this;
    }

    /** Null: {@code auto}. */
    public Builder defaultEngine(Engine v) {
      defaultEngine = v;
      return this;
    }

    public Builder defaultContainerNetwork(ContainerNetwork v) {
      defaultContainerNetwork = v;
      return this;
    }

    public Builder podman(String v) {
      podman = v;
      return this;
    }

    public Builder engineCallTimeout(Duration v) {
      engineCallTimeout = v;
      return this;
    }

    public Builder imagePullTimeout(Duration v) {
      imagePullTimeout = v;
      return this;
    }

    public LocalRuntimeOptions build() {
      return new LocalRuntimeOptions(
          dataDir,
          defaultWorkingDir,
          bindHost,
          logMaxBytes,
          startupProbeInitialInterval,
          startupProbeMaxInterval,
          restartBackoffInitial,
          restartBackoffMax,
          restartBackoffResetAfter,
          terminationGrace,
          logFlushOnExit,
          defaultProbePeriod,
          defaultProbeTimeout,
          defaultFailureThreshold,
          defaultRevisionTimeout,
          schedulerThreads,
          drainer,
          defaultEngine,
          defaultContainerNetwork,
          podman,
          engineCallTimeout,
          imagePullTimeout);
    }
  }
}
