package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.HTTPGetAction;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceDrainer;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real processes (the {@link TestApp} JVM) and real sockets on 127.0.0.1. */
@Timeout(90)
class LocalRuntimeIT {
  private static final String NS = "default";

  @TempDir Path tmp;
  private final List<LocalRuntime> runtimes = new ArrayList<>();
  private final List<RevisionInstances> seen = new CopyOnWriteArrayList<>();
  private final List<ProcessHandle> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    runtimes.forEach(LocalRuntime::close);
    started.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void scalesUpAndDownWithReadyNotificationsAndProcessesReallyGone() {
    LocalRuntime rt = runtime(b -> {});
    Revision rev = revision("hello-00001", Map.of());
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 2);
    await().until(() -> last(key).ready().size() == 2);
    assertThat(last(key).total()).isEqualTo(2);
    assertThat(rt.instances(key)).isEqualTo(last(key));
    List<Instance> two = last(key).ready();
    long pid0 = pidOf(rt, two.get(0).id());
    long pid1 = pidOf(rt, two.get(1).id());
    assertThat(seen).anyMatch(s -> s.ready().size() == 1); // notified as each became ready

    rt.scale(rev, 2); // idempotent
    rt.scale(rev, 1);
    await().until(() -> !alive(pid0) || !alive(pid1));
    RevisionInstances one = last(key);
    assertThat(one.total()).isEqualTo(1);
    assertThat(one.ready()).hasSize(1);
    // both were ready: the newest (the second started) is the one stopped
    assertThat(alive(pid1)).isFalse();
    assertThat(alive(pid0)).isTrue();
    assertThat(one.ready().get(0).id()).isEqualTo(two.get(0).id());

    rt.scale(rev, 0);
    await().until(() -> !alive(pid0));
    assertThat(last(key)).isEqualTo(RevisionInstances.none(key));
    assertThat(rt.instances(key).total()).isZero();
  }

  @Test
  void readinessWaitsUntilTheAppListens() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    Path gate = tmp.resolve("gate");
    Revision rev = revision("slow-00001", Map.of("LISTEN_GATE", gate.toString()));
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> logText(rt, key).contains("waiting for gate"));
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> rt.instances(key).ready().isEmpty() && rt.instances(key).total() == 1);
    Files.createFile(gate);
    await().until(() -> rt.instances(key).ready().size() == 1);
    assertThat(get(rt.instances(key).ready().get(0), "/ready")).isEqualTo("ready");
  }

  @Test
  void anAppListeningOnAnotherPortThanPortFailsTheHealthNamingBoth() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    int other;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      other = s.getLocalPort();
    }
    Revision rev = revision("elsewhere-00001", Map.of("LISTEN_PORT", String.valueOf(other)));
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !rt.instances(key).health().healthy());
    RevisionInstances s = rt.instances(key);
    assertThat(s.health().reason()).isEqualTo(LocalRuntime.WRONG_PORT);
    assertThat(s.health().message())
        .startsWith("the app listens on port " + other + " but not on $PORT (")
        .contains("listen on the port the PORT environment variable gives");
    assertThat(logText(rt, key)).contains("[coldbrew] the app listens on port " + other);
    assertThat(s.total()).as("still running: it may yet listen on PORT").isEqualTo(1);
    assertThat(s.ready()).isEmpty();
  }

  @Test
  void httpGetReadinessProbeNeedsA2xx() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    Path gate = tmp.resolve("gate");
    Revision rev = revision("probed-00001", Map.of("READY_GATE", gate.toString()));
    rev.spec.container().readinessProbe = httpProbe("/ready", null, null);
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> logText(rt, key).contains("listening on"));
    await() // the port is open, but /ready answers 503
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> rt.instances(key).ready().isEmpty());
    Files.createFile(gate);
    await().until(() -> rt.instances(key).ready().size() == 1);
  }

  @Test
  void anExecReadinessProbeRunsItsCommandInTheInstancesEnvironment() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    Path gate = tmp.resolve("exec-gate");
    Revision rev = revision("execprobe-00001", Map.of("EXEC_GATE", gate.toString()));
    Probe p = new Probe();
    var exec = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    p.exec = exec;
    // $EXEC_GATE and $PORT come from the instance's environment, as in Kubernetes' container
    exec.putArray("command").add("sh").add("-c").add("test -f \"$EXEC_GATE\" && test -n \"$PORT\"");
    p.periodSeconds = 1;
    rev.spec.container().readinessProbe = p;
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> logText(rt, key).contains("listening on"));
    // the app answers, but the command fails until the gate exists
    assertReadyOnlyWhileTheGateExists(rt, key, gate);
  }

  /**
   * An instance whose app is up and whose readiness probe passes only while {@code gate} exists
   * (probed every second): not ready, ready once the gate exists, out of the ready set three
   * failures after it is gone, and not restarted for it.
   */
  private static void assertReadyOnlyWhileTheGateExists(
      LocalRuntime rt, NamespacedName key, Path gate) throws IOException {
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> rt.instances(key).ready().isEmpty());
    Files.createFile(gate);
    await().until(() -> rt.instances(key).ready().size() == 1);
    Files.delete(gate);
    await() // three failures a second apart take it out of the ready set
        .atMost(Duration.ofSeconds(30))
        .until(() -> rt.instances(key).ready().isEmpty());
    assertThat(rt.instances(key).total()).as("readiness does not restart it").isEqualTo(1);
  }

  /**
   * A {@code grpc} readiness probe asks a real gRPC server's health service on the instance's PORT:
   * ready only while it answers SERVING.
   */
  @Test
  void aGrpcReadinessProbeAsksTheHealthServiceOnThePort() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    Path gate = tmp.resolve("grpc-gate");
    Revision rev = revision("grpcprobe-00001", Map.of("GRPC_GATE", gate.toString()));
    rev.spec.container().command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            GrpcHealthApp.class.getName());
    Probe p = new Probe();
    p.grpc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    p.periodSeconds = 1;
    rev.spec.container().readinessProbe = p;
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> logText(rt, key).contains("listening on"));
    // the server answers NOT_SERVING until the gate exists
    assertReadyOnlyWhileTheGateExists(rt, key, gate);
  }

  @Test
  void crashingAppIsUnhealthyWithItsLogTailAndRestartsWithGrowingBackoff() {
    LocalRuntime rt = runtime(b -> b.restartBackoffInitial(Duration.ofMillis(200)));
    Revision rev = revision("crash-00001", Map.of("MODE", "exit", "EXIT_CODE", "3"));
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> !rt.instances(key).health().healthy());
    RevisionInstances s = rt.instances(key);
    assertThat(s.health().reason()).isEqualTo("ExitCode3");
    assertThat(s.health().message().split("\n"))
        .containsExactly(
            "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10",
            "line 11", "line 12");
    assertThat(s.total()).isEqualTo(1);
    assertThat(s.ready()).isEmpty();

    // waits 0.2, 0.4, 0.8, 1.6, 3.2 s: within 5 s of the first start at most 5 starts, even if
    // starting a JVM took no time; a restart without backoff would start one every JVM start-up
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(7))
        .until(() -> starts(rt, key) <= 5);
    await().until(() -> starts(rt, key) >= 3); // it does keep restarting
    assertThat(rt.instances(key).health().reason()).isEqualTo("ExitCode3");
  }

  @Test
  void failingLivenessProbeRestartsTheInstance() {
    LocalRuntime rt = runtime(b -> {});
    Revision rev = revision("sick-00001", Map.of("LIVE_FAIL", "1"));
    rev.spec.container().livenessProbe = httpProbe("/live", 1, 2);
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    String id = rt.instances(key).ready().get(0).id();
    long firstPid = pidOf(rt, id);
    await().until(() -> !rt.instances(key).health().healthy());
    assertThat(rt.instances(key).health().reason()).isEqualTo("LivenessProbeFailed");
    await().until(() -> starts(rt, key) >= 2);
    assertThat(alive(firstPid)).isFalse();
    await().until(() -> rt.instances(key).ready().size() == 1); // ready again: healthy
    assertThat(rt.instances(key).ready().get(0).id()).isEqualTo(id);
  }

  @Test
  void appGetsTheRuntimeContract() throws IOException {
    Path workDir = Files.createDirectories(tmp.resolve("cwd/work"));
    LocalRuntime rt = runtime(b -> b.defaultWorkingDir(tmp.resolve("cwd")));
    Revision rev = revision("env-00001", Map.of());
    // in order: a value may refer to the variables before it
    rev.spec.container().env = List.of(new EnvVar("FOO", "bar"), new EnvVar("BAR", "$(FOO)-x"));
    rev.spec.container().workingDir = "work";
    rev.spec.container().args = List.of("--port=$(PORT)", "$$(PORT)");
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    Instance i = rt.instances(key).ready().get(0);
    assertThat(i.host()).isEqualTo("127.0.0.1");
    assertThat(get(i, "/env"))
        .isEqualTo(
            "PORT="
                + i.port()
                + "\nK_SERVICE=svc\nK_CONFIGURATION=cfg\nK_REVISION=env-00001\nFOO=bar\nBAR=bar-x"
                + "\ncwd="
                + workDir.toRealPath()
                + "\nstdin=eof\nargs=[--port="
                + i.port()
                + ", $(PORT)]\n");
  }

  @Test
  void stopRemovesFromReadySetThenDrainsThenTerminates() {
    FakeDrainer drainer = new FakeDrainer();
    LocalRuntime rt = runtime(b -> b.drainer(drainer));
    Revision rev = revision("drain-00001", Map.of());
    rev.spec.timeoutSeconds = 42L;
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    String id = rt.instances(key).ready().get(0).id();
    long pid = pidOf(rt, id);

    rt.scale(rev, 0);
    await().until(() -> drainer.calls.size() == 1);
    assertThat(drainer.calls.get(0).id).isEqualTo(id);
    assertThat(drainer.calls.get(0).timeout).isEqualTo(Duration.ofSeconds(42));
    assertThat(drainer.calls.get(0).readyWhenCalled).isEmpty(); // listeners told first
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> alive(pid));
    drainer.calls.get(0).done.complete(null);
    await().until(() -> !alive(pid));
  }

  @Test
  void appIgnoringSigtermIsKilledAfterTheGracePeriod() {
    LocalRuntime rt = runtime(b -> b.terminationGrace(Duration.ofSeconds(1)));
    Revision rev = revision("stubborn-00001", Map.of("IGNORE_TERM", "1"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    long pid = pidOf(rt, rt.instances(key).ready().get(0).id());

    rt.scale(rev, 0);
    await().until(() -> logText(rt, key).contains("got SIGTERM, ignoring"));
    await().until(() -> !alive(pid));
  }

  @Test
  void stopEndsTheDescendantsToo() {
    LocalRuntime rt = runtime(b -> {});
    Revision rev = revision("parent-00001", Map.of("SPAWN_CHILD", "1"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    long pid = pidOf(rt, rt.instances(key).ready().get(0).id());
    long childPid =
        Long.parseLong(
            logLines(rt, key).stream()
                .filter(l -> l.startsWith("child-pid="))
                .findFirst()
                .orElseThrow()
                .substring("child-pid=".length()));
    assertThat(alive(childPid)).isTrue();

    rt.remove(key);
    assertThat(rt.instances(key)).isEqualTo(RevisionInstances.none(key));
    await().until(() -> !alive(pid) && !alive(childPid));
  }

  @Test
  void whatAProcessThatExitedOnItsOwnLeftRunningIsEnded() {
    LocalRuntime rt = runtime(b -> b.restartBackoffInitial(Duration.ofSeconds(30)));
    Revision rev = revision("leaver-00001", Map.of("MODE", "exit", "SPAWN_CHILD", "1"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> logLines(rt, key).stream().anyMatch(l -> l.startsWith("child-pid=")));
    long childPid =
        Long.parseLong(
            logLines(rt, key).stream()
                .filter(l -> l.startsWith("child-pid="))
                .findFirst()
                .orElseThrow()
                .substring("child-pid=".length()));
    await().until(() -> !rt.instances(key).health().healthy()); // the app exited (code 3)
    // its child, adopted by init, is no longer its descendant, and is ended all the same
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(childPid));
  }

  @Test
  void theLaunchPathWarmUpRunsAProcessAndLeavesNothingBehind() throws IOException {
    LocalRuntime rt = runtime(b -> {});
    List<RevisionInstances> events = new CopyOnWriteArrayList<>();
    rt.subscribe(events::add);
    assertThat(rt.warmUp(Duration.ofSeconds(30))).isTrue();
    assertThat(events).isEmpty();
    assertThat(new OrphanRecord(rt.options().dataDir()).read()).isEmpty();
    try (var files = Files.list(rt.options().dataDir())) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("warmup"));
    }
    assertThat(rt.logs().instanceLog("coldbrew-warmup", "warmup-00001", "x").getParent())
        .doesNotExist();
  }

  @Test
  void closeStopsEveryInstanceAndClearsTheRecord() {
    LocalRuntime rt = runtime(b -> {});
    Revision rev = revision("closing-00001", Map.of());
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    long pid = pidOf(rt, rt.instances(key).ready().get(0).id());

    rt.close();
    assertThat(alive(pid)).isFalse();
    assertThat(new OrphanRecord(rt.options().dataDir()).read()).isEmpty();
    assertThat(last(key).total()).isZero();
  }

  @Test
  void orphansOfAnAbandonedRuntimeAreEndedButNotARecycledPid() throws Exception {
    Path data = tmp.resolve("data");
    // a platform that crashes: a child JVM runs a LocalRuntime, waits for 2 ready, then halts
    Process harness =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                OrphanHarness.class.getName(),
                data.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("harness.out").toFile())
            .start();
    started.add(harness.toHandle());
    assertThat(harness.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.exitValue())
        .as(Files.readString(tmp.resolve("harness.out")))
        .isEqualTo(OrphanHarness.HALTED);
    List<OrphanRecord.Entry> orphans = new OrphanRecord(data).read();
    assertThat(orphans).hasSize(2);
    orphans.forEach(e -> ProcessHandle.of(e.pid()).ifPresent(started::add));
    assertThat(orphans).allMatch(e -> alive(e.pid()));

    // a live process whose pid is recorded with another start time: the pid was reused
    ProcessBuilder sleeper = new ProcessBuilder(TestApp.javaCommand());
    sleeper.environment().put("MODE", "sleep");
    Process stranger = sleeper.start();
    started.add(stranger.toHandle());
    stranger.getOutputStream().close();
    Instant strangerStart = stranger.info().startInstant().orElseThrow();
    OrphanRecord rec = new OrphanRecord(data);
    orphans.forEach(rec::put);
    rec.put(new OrphanRecord.Entry(stranger.pid(), strangerStart.minusSeconds(3600), "x-00001-1"));

    LocalRuntime rt = runtime(b -> {}, data);
    assertThat(orphans).noneMatch(e -> alive(e.pid()));
    assertThat(stranger.isAlive()).isTrue();
    assertThat(new OrphanRecord(data).read()).isEmpty();
    assertThat(rt.reapOrphans()).isZero();
  }

  @Test
  void logIsCappedByRotation() throws IOException {
    LocalRuntime rt = runtime(b -> b.logMaxBytes(64 * 1024));
    Revision rev = revision("chatty-00001", Map.of("SPAM_BYTES", "400000"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    await().until(() -> logText(rt, key).contains("listening on"));
    String id = rt.instances(key).ready().get(0).id();
    Path log = rt.logs().instanceLog(NS, key.name(), id);
    assertThat(Files.size(log)).isLessThanOrEqualTo(64 * 1024);
    assertThat(Files.size(LogStore.rotatedOf(log))).isBetween(32L * 1024, 64L * 1024);
    List<LogLineView> tail = tailOf(rt, key, 3);
    assertThat(tail)
        .extracting(LogLineView::text)
        .containsExactly(tail.get(0).text(), "spam done", tail.get(2).text());
    assertThat(tail.get(2).text()).startsWith("listening on");
    assertThat(tail).allMatch(l -> l.prefixed().startsWith("[" + id + "] "));
  }

  @Test
  void followSeesLinesOfNewInstances() {
    LocalRuntime rt = runtime(b -> {});
    Revision rev = revision("follow-00001", Map.of());
    NamespacedName key = NamespacedName.of(rev);
    LogCursor cursor = rt.logs().follow(NS, "svc", null, 10);
    assertThat(cursor.poll()).isEmpty();
    rt.scale(rev, 1);
    List<LogLine> got = new CopyOnWriteArrayList<>();
    await()
        .until(
            () -> {
              got.addAll(cursor.poll());
              return got.stream().anyMatch(l -> l.text().startsWith("listening on"));
            });
    assertThat(got.get(0).text()).startsWith("--- instance follow-00001-").endsWith(" ---");
    assertThat(got.get(0).runtime()).isTrue();
    assertThat(got.get(1).text()).startsWith("start pid=");
    assertThat(got).allMatch(l -> l.revision().equals("follow-00001"));
  }

  // ---- helpers ----

  private record LogLineView(String text, String prefixed) {}

  private List<LogLineView> tailOf(LocalRuntime rt, NamespacedName key, int n) {
    return rt.logs().tail(NS, "svc", key.name(), n).stream()
        .map(l -> new LogLineView(l.text(), l.prefixed()))
        .toList();
  }

  private static ConditionFactory await() {
    return org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20));
  }

  private LocalRuntime runtime(Consumer<LocalRuntimeOptions.Builder> options) {
    return runtime(options, tmp.resolve("data"));
  }

  private LocalRuntime runtime(Consumer<LocalRuntimeOptions.Builder> options, Path data) {
    LocalRuntimeOptions.Builder b =
        LocalRuntimeOptions.builder(data).terminationGrace(Duration.ofSeconds(5));
    options.accept(b);
    LocalRuntime rt = new LocalRuntime(b.build());
    rt.subscribe(seen::add);
    runtimes.add(rt);
    return rt;
  }

  static Revision revision(String name, Map<String, String> env) {
    Revision r = new Revision();
    r.metadata.name = name;
    r.metadata.namespace = NS;
    r.metadata.labels().put("serving.knative.dev/service", "svc");
    r.metadata.labels().put("serving.knative.dev/configuration", "cfg");
    Container c = new Container();
    List<String> cmd = TestApp.javaCommand();
    c.command = cmd;
    c.env = new ArrayList<>();
    new java.util.TreeMap<>(env).forEach((k, v) -> c.env.add(new EnvVar(k, v)));
    r.spec.containers().add(c);
    r.spec.timeoutSeconds = 300L;
    return r;
  }

  private static Probe httpProbe(String path, Integer periodSeconds, Integer failureThreshold) {
    Probe p = new Probe();
    p.httpGet = new HTTPGetAction();
    p.httpGet.path = path;
    p.httpGet.port = IntNode.valueOf(8080);
    p.periodSeconds = periodSeconds;
    p.failureThreshold = failureThreshold;
    return p;
  }

  private RevisionInstances last(NamespacedName key) {
    for (int i = seen.size() - 1; i >= 0; i--) {
      if (seen.get(i).revision().equals(key)) {
        return seen.get(i);
      }
    }
    return RevisionInstances.none(key);
  }

  private static long pidOf(LocalRuntime rt, String instanceId) {
    return new OrphanRecord(rt.options().dataDir())
        .read().stream()
            .filter(e -> e.instanceId().equals(instanceId))
            .findFirst()
            .orElseThrow()
            .pid();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static List<String> logLines(LocalRuntime rt, NamespacedName key) {
    return rt.logs().tail(NS, "svc", key.name(), 1000).stream().map(LogLine::text).toList();
  }

  private static String logText(LocalRuntime rt, NamespacedName key) {
    return String.join("\n", logLines(rt, key));
  }

  private static long starts(LocalRuntime rt, NamespacedName key) {
    return logLines(rt, key).stream().filter(l -> l.startsWith("start pid=")).count();
  }

  private static String get(Instance i, String path) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + i.address() + path))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A drainer whose futures the test completes; notes what listeners had seen when called. */
  private final class FakeDrainer implements InstanceDrainer {
    record Call(
        String id,
        Duration timeout,
        List<Instance> readyWhenCalled,
        CompletableFuture<Void> done) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> awaitIdle(String instanceId, Duration timeout) {
      NamespacedName key = new NamespacedName(NS, "drain-00001");
      Call c = new Call(instanceId, timeout, last(key).ready(), new CompletableFuture<>());
      calls.add(c);
      return c.done;
    }
  }
}
