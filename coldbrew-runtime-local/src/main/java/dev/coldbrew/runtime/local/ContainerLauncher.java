package dev.coldbrew.runtime.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.api.runtime.ContainerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InstanceLauncher} of containers: a run is an attached {@code podman run --rm --init}
 * child process, so its output is the container's log and its exit status the container's. The
 * container is named {@code coldbrew-<platform>-<instance>} (the platform id is kept in the data
 * directory) and labelled with the platform, this run of the platform, the revision and the
 * instance. Knative's runtime contract holds inside it: {@code PORT} is the container port in the
 * container's own network namespace, reached through a {@code 127.0.0.1} port mapping ({@link
 * ContainerNetwork#BRIDGE}), or a free port on the host's network ({@link ContainerNetwork#HOST});
 * {@code K_SERVICE}, {@code K_CONFIGURATION}, {@code K_REVISION} and the template's {@code env} are
 * set, and nothing of the platform's own environment; {@code command} and {@code args} override the
 * image's entrypoint and arguments; stdin is at EOF; {@code resources.limits} become {@code --cpus}
 * and {@code --memory}. Variables reach podman through its environment ({@code --env NAME}), not
 * its command line, unless their name is one podman itself reads.
 *
 * <p>Terminating a run sends SIGTERM to the podman client, which forwards it to the container's
 * init (catatonit), which forwards it to the app; killing it removes the container at once ({@code
 * podman rm -f -t 0}), since killing the client alone would leave the container running. Once a run
 * that was ended before it got ready exits, its container is removed again in case the client was
 * stopped before the container started; a run that got ready is removed by podman itself ({@code
 * --rm}: conmon's cleanup, which may finish just after the client exits), so ending it costs no
 * further podman call. A marker file ({@code runtime/containers.running}) says that containers may
 * be running; at start-up, if a platform that died left it, {@link #reapOrphans} removes every
 * container labelled with this platform's id. After either removal, the port forwards podman may
 * have left for containers that are gone are deleted ({@link StalePortForwards}).
 *
 * <p>Thread-safe. {@link #launch} blocks for a bind and a fork/exec; the work after a run exits
 * (podman and iptables calls, only when the run ended early) runs on this launcher's own threads,
 * never on the JDK's process reaper.
 */
final class ContainerLauncher implements InstanceLauncher {
  private static final Logger log = LoggerFactory.getLogger(ContainerLauncher.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String PLATFORM_LABEL = "dev.coldbrew.platform";
  static final String RUN_LABEL = "dev.coldbrew.run";
  static final String REVISION_LABEL = "dev.coldbrew.revision";
  static final String INSTANCE_LABEL = "dev.coldbrew.instance";

  /** Names podman reads from its own environment: such variables go on its command line. */
  private static final Pattern ENGINE_VARIABLE =
      Pattern.compile(
          "(?i)PATH|HOME|USER|LOGNAME|SHELL|TERM|TZ|LANG|TMPDIR|NOTIFY_SOCKET|GODEBUG|GOGC"
              + "|GOMAXPROCS|GOMEMLIMIT|GOTRACEBACK|[A-Z]*_PROXY|(LD_|XDG_|LC_|CONTAINERS?_"
              + "|DOCKER_|REGISTRY_|BUILDAH_|PODMAN_|STORAGE_|DBUS_|SSL_).*");

  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** A host port in podman's {@code {{.Ports}}} column ({@code 127.0.0.1:42905->8080/tcp}). */
  private static final Pattern PUBLISHED = Pattern.compile(":(\\d+)->");

  private final ContainerEngine engine;
  private final FreePorts ports;
  private final String host;
  private final Duration grace;
  private final Duration callTimeout;
  private final Path marker;
  private final String platformId;
  private final String runId = hex8();
  private final AtomicBoolean marked = new AtomicBoolean();
  private final Set<Run> live = ConcurrentHashMap.newKeySet();
  private final ExecutorService after;
  private final StalePortForwards forwards;

  ContainerLauncher(LocalRuntimeOptions options, ContainerEngine engine, FreePorts ports) {
    this.engine = engine;
    this.ports = ports;
    this.host = options.bindHost();
    this.grace = options.terminationGrace();
    this.callTimeout = options.engineCallTimeout();
    Path dir = options.dataDir().resolve("runtime");
    this.marker = dir.resolve("containers.running");
    this.platformId = platformId(dir.resolve("platform-id"));
    this.forwards = new StalePortForwards(engine, callTimeout);
    AtomicInteger n = new AtomicInteger();
    this.after =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "coldbrew-containers-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** This data directory's platform id, made on first use: part of every container's name. */
  private static String platformId(Path file) {
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file).strip();
        if (id.matches("[0-9a-f]{8}")) {
          return id;
        }
      }
      Files.createDirectories(file.getParent());
      String id = hex8();
      Files.writeString(file, id + "\n");
      return id;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot keep the platform id in " + file, e);
    }
  }

  /** Eight random lower-case hex digits. */
  private static String hex8() {
    return String.format("%08x", ThreadLocalRandom.current().nextInt());
  }

  /** The container of an instance: the same name for every run of it. */
  String containerName(String instanceId) {
    return "coldbrew-" + platformId + "-" + instanceId;
  }

  @Override
  public Launched launch(Spec spec) throws LaunchException {
    RevisionTemplate t = spec.template();
    RevisionTemplate.ContainerSpec c = t.container();
    ContainerEngine.Info info = engine.info();
    if (!info.available()) {
      throw new LaunchException(info.reason(), info.problem());
    }
    if (marked.compareAndSet(false, true)) {
      try {
        Files.writeString(marker, runId + "\n");
      } catch (IOException e) {
        marked.set(false);
        throw new LaunchException("StartError", "cannot write " + marker + ": " + e.getMessage());
      }
    }
    int hostPort;
    try {
      hostPort = ports.reserve();
    } catch (IOException e) {
      throw new LaunchException("StartError", "no free port: " + e.getMessage());
    }
    boolean hostNetwork = c.network() == ContainerNetwork.HOST;
    Map<String, String> env = t.environment(Map.of(), hostNetwork ? hostPort : c.containerPort());
    String name = containerName(spec.instanceId());
    List<String> args = new ArrayList<>(40);
    args.addAll(
        List.of(
            "--log-level=error",
            "run",
            "--rm",
            "--init",
            "--replace",
            "--pull=" + (c.pullIfMissing() ? "missing" : "never"),
            "--log-driver=none",
            "--http-proxy=false",
            "--name=" + name,
            "--label=" + PLATFORM_LABEL + "=" + platformId,
            "--label=" + RUN_LABEL + "=" + runId,
            "--label=" + REVISION_LABEL + "=" + t.revision(),
            "--label=" + INSTANCE_LABEL + "=" + spec.instanceId()));
    args.add(
        hostNetwork
            ? "--network=host"
            : "--publish=" + host + ":" + hostPort + ":" + c.containerPort() + "/tcp");
    if (c.workingDir() != null) {
      args.add("--workdir=" + c.workingDir());
    }
    if (c.cpus() != null) {
      args.add("--cpus=" + c.cpus().stripTrailingZeros().toPlainString());
    }
    if (c.memoryBytes() != null) {
      args.add("--memory=" + c.memoryBytes() + "b");
    }
    Map<String, String> viaEnvironment = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (PLAIN_NAME.matcher(e.getKey()).matches()
          && !ENGINE_VARIABLE.matcher(e.getKey()).matches()) {
        args.add("--env=" + e.getKey());
        viaEnvironment.put(e.getKey(), e.getValue());
      } else {
        args.add("--env=" + e.getKey() + "=" + e.getValue());
      }
    }
    if (!t.command().isEmpty()) {
      try {
        args.add(
            "--entrypoint="
                + JSON.writeValueAsString(RevisionTemplate.expandAll(t.command(), env)));
      } catch (JsonProcessingException e) {
        ports.release(hostPort);
        throw new LaunchException("StartError", "cannot encode the command: " + e.getMessage());
      }
    }
    args.add(c.image());
    args.addAll(RevisionTemplate.expandAll(t.args(), env));
    ProcessBuilder pb = engine.command(args);
    pb.environment().putAll(viaEnvironment);
    pb.redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException | RuntimeException e) {
      ports.release(hostPort);
      throw new LaunchException("StartError", "cannot start podman: " + e.getMessage());
    }
    try {
      try {
        p.getOutputStream().close(); // stdin at EOF (podman gives the container /dev/null)
      } catch (IOException e) {
        // already gone: its exit is seen like any other
      }
      Run run = new Run(p, name, host, hostPort);
      live.add(run);
      run.exited = p.onExit().thenApplyAsync(x -> ended(run), after);
      log.debug("instance {} started: container {}, port {}", spec.instanceId(), name, hostPort);
      return run;
    } catch (RuntimeException | Error e) {
      // started but not accounted for: never leave it running
      p.toHandle().destroyForcibly();
      CompletableFuture.runAsync(() -> remove(name), after);
      ports.release(hostPort);
      throw new LaunchException(
          "StartError", "started container " + name + ", then " + e + "; removed it");
    }
  }

  /**
   * The podman client exited; then its port is free. The container may outlive the client, so it is
   * removed, when podman itself failed (125–127), when the run was ended before it got ready (the
   * client may have been stopped before the container started), or when the run ended on its own
   * with a status of 128 and up (its client may have been killed by a signal). A run ended after it
   * got ready exits with its container's status, and podman's {@code --rm} removes the container.
   */
  private int ended(Run run) {
    int status = run.process.exitValue();
    boolean podmanFailed = status >= 125 && status <= 127;
    if (podmanFailed || (run.ending ? !run.started : status >= 128)) {
      remove(run.name);
      // a client stopped while its container was being created may have left its port forward:
      // gone before the port is released, so no later run is given a port a stale rule takes
      forwards.sweep(Set.of(run.port()));
    }
    ports.release(run.port());
    live.remove(run);
    return status;
  }

  /**
   * {@code podman rm -f -t 0 --ignore NAME}, then {@link #endLeftoverMonitors}; blocking, bounded;
   * failures are logged.
   */
  private void remove(String name) {
    try {
      ContainerEngine.Result r =
          engine.call(List.of("rm", "--force", "--ignore", "--time=0", name), callTimeout);
      if (r.exit() != 0) {
        log.warn("cannot remove container {}: {}", name, r.message());
      } else {
        endLeftoverMonitors(Set.of(name));
      }
    } catch (IOException e) {
      log.warn("cannot remove container {}: {}", name, e.getMessage());
    }
  }

  /**
   * Ends the {@code conmon} of each named container that was just removed, with what runs under it.
   * When a {@code podman run} client is killed while its container is half-created, {@code podman
   * rm} removes the container but leaves its {@code conmon} and a {@code runc init} waiting forever
   * (13 were left after some 30 such kills here). They are found by the name on {@code conmon}'s
   * command line ({@code -n NAME}); the names are this platform's own and no run of them is live
   * when this is called.
   */
  static int endLeftoverMonitors(Set<String> names) {
    List<ProcessHandle> monitors =
        ProcessTree.running(
            "conmon",
            a -> {
              int n = a.indexOf("-n");
              return n >= 0 && n + 1 < a.size() && names.contains(a.get(n + 1));
            });
    for (ProcessHandle p : monitors) {
      ProcessTree.kill(ProcessTree.of(p));
      log.info("ended podman's monitor (pid {}) of a removed container of {}", p.pid(), names);
    }
    return monitors.size();
  }

  /** Attempts at removing orphan containers, RM_RETRY_MILLIS × attempt apart. */
  private static final int RM_ATTEMPTS = 4;

  private static final long RM_RETRY_MILLIS = 250;

  /**
   * Removes, with the termination grace period, every container labelled with this platform that a
   * platform run which died left (found only when the marker says containers may be running).
   * Blocks until they are gone.
   */
  @Override
  public int reapOrphans() {
    if (!Files.exists(marker)) {
      return 0;
    }
    ContainerEngine.Info info = engine.info();
    if (!info.available()) {
      log.warn("cannot end the containers a platform that died may have left: {}", info.problem());
      return 0;
    }
    List<String> orphans = new ArrayList<>();
    try {
      ContainerEngine.Result r =
          engine.call(
              List.of(
                  "ps",
                  "--all",
                  "--filter=label=" + PLATFORM_LABEL + "=" + platformId,
                  "--format={{.Names}} {{index .Labels \"" + RUN_LABEL + "\"}} {{.Ports}}"),
              callTimeout);
      if (r.exit() != 0) {
        log.warn("cannot list the containers a platform that died left: {}", r.message());
        return 0;
      }
      Set<Integer> orphanPorts = new HashSet<>();
      for (String line : r.out().split("\n")) {
        String[] f = line.strip().split(" ");
        if (!f[0].isEmpty() && !(f.length > 1 && f[1].equals(runId))) {
          orphans.add(f[0]);
          Matcher published = PUBLISHED.matcher(line);
          while (published.find()) {
            orphanPorts.add(Integer.parseInt(published.group(1)));
          }
        }
      }
      if (!orphans.isEmpty()) {
        log.info("ending the containers a platform that died left: {}", orphans);
        List<String> rm = new ArrayList<>(List.of("rm", "--force", "--ignore"));
        rm.add("--time=" + Math.max(0, grace.toSeconds()));
        rm.addAll(orphans);
        r = engine.call(rm, grace.plus(callTimeout));
        // podman's own clean-up of a container whose client was killed may still hold it
        // ("…/userdata/shm: device or resource busy"): that passes, so try again a few times
        for (int attempt = 1; r.exit() != 0 && attempt < RM_ATTEMPTS; attempt++) {
          log.info("removing orphan containers {} again: {}", orphans, r.message());
          Thread.sleep(RM_RETRY_MILLIS * attempt);
          r = engine.call(rm, grace.plus(callTimeout));
        }
        if (r.exit() != 0) {
          log.warn("cannot remove orphan containers {}: {}", orphans, r.message());
          return 0;
        }
      }
      endLeftoverMonitors(Set.copyOf(orphans));
      forwards.sweep(orphanPorts); // what the dead platform's clients, stopped mid-start, left
      if (live.isEmpty() && !marked.get()) {
        Files.deleteIfExists(marker);
      }
    } catch (IOException e) {
      log.warn("cannot end the containers a platform that died left: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
    return orphans.size();
  }

  /** After every run ended: no container of this platform is left, so the marker goes. */
  @Override
  public void close() {
    if (live.isEmpty()) {
      try {
        Files.deleteIfExists(marker);
      } catch (IOException e) {
        log.warn("cannot delete {}", marker, e);
      }
    } else {
      log.warn("containers still running at close: {}; the next start removes them", live);
    }
    after.shutdown();
    ports.close();
  }

  /** One attached {@code podman run}: reached at host:port. */
  final class Run extends ProcessRun {
    private final String name;
    private volatile boolean ending;
    private volatile boolean started;

    Run(Process client, String name, String host, int port) {
      super(client, host, port);
      this.name = name;
    }

    @Override
    public String container() {
      return name;
    }

    @Override
    public ProcessBuilder probeCommand(List<String> command) {
      List<String> args = new ArrayList<>(List.of("exec", name));
      args.addAll(command);
      return engine.command(args);
    }

    /**
     * SIGTERM to the podman client, which forwards it into the container. Through the process
     * handle: {@link Process#destroy} would also close the output the app's last lines are on.
     */
    @Override
    public CompletableFuture<Void> terminate() {
      ending = true;
      process.toHandle().destroy();
      return exited.thenApply(s -> null);
    }

    @Override
    public void started() {
      started = true;
    }

    /** Removes the container at once; then the client, if it is still there. */
    @Override
    public void kill() {
      ending = true;
      CompletableFuture.runAsync(() -> remove(name), after)
          .whenComplete((v, e) -> process.toHandle().destroyForcibly());
    }

    long clientPid() {
      return process.pid();
    }

    @Override
    public String toString() {
      return "container " + name + " (podman pid " + process.pid() + ")";
    }
  }
}
