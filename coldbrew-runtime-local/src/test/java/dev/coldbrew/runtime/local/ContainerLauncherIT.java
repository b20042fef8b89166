package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.ContainerStatus;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.ResourceRequirements;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.runtime.ImageResolutionException;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container instances through the runtime, with real podman and an image built offline ({@link
 * TestImage}), on 127.0.0.1. Skipped (by assumption) where podman or busybox-static is missing; the
 * test that podman is missing runs everywhere.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerLauncherIT {
  private static final String NS = "default";

  @TempDir Path tmp;
  private Path work;
  private TestImage image;
  private final List<LocalRuntime> runtimes = new ArrayList<>();

  @BeforeAll
  void buildImage(@TempDir Path dir) throws Exception {
    work = dir;
    if (TestImage.available()) {
      image = TestImage.build(work, "runtime", "hello from the image\n");
    }
  }

  @AfterAll
  void removeImage() {
    if (image != null) {
      image.close();
    }
  }

  @AfterEach
  void tearDown() {
    runtimes.forEach(LocalRuntime::close);
    runtimes.clear();
  }

  private void needPodman() {
    assumeTrue(image != null, "podman and busybox-static are needed for container tests");
  }

  @Test
  void theRuntimeContractHoldsInsideTheContainer() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> {}, Map.of("COLDBREW_PLATFORM_SECRET", "leak"));
    Revision rev = revision(rt, "contract-00001", Map.of());
    rev.metadata.annotations().put(Engine.ANNOTATION, "container"); // a command alone: a process
    Container c = rev.spec.container();
    c.command = List.of("/start.sh");
    c.args = List.of("first", "--port=$(PORT)", "$(GREETING)");
    c.workingDir = "/www";
    c.env =
        List.of(
            new EnvVar("GREETING", "hello-$(K_REVISION)"),
            new EnvVar("HOME_PAGE", "http://localhost:$(PORT)/"),
            new EnvVar("LD_PRELOAD", ""));
    ResourceRequirements limits = new ResourceRequirements();
    limits.limits = new LinkedHashMap<>();
    limits.limits.put("memory", com.fasterxml.jackson.databind.node.TextNode.valueOf("64Mi"));
    limits.limits.put("cpu", com.fasterxml.jackson.databind.node.TextNode.valueOf("500m"));
    c.resources = limits;
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    Instance i = awaitReady(rt, key, 1).get(0);
    assertThat(i.host()).isEqualTo("127.0.0.1");
    assertThat(i.port()).isNotEqualTo(8080); // the mapped host port
    String env = get(i, "/env");
    assertThat(env.lines())
        .contains(
            "PORT=8080",
            "K_SERVICE=svc",
            "K_CONFIGURATION=cfg",
            "K_REVISION=contract-00001",
            "GREETING=hello-contract-00001",
            "HOME_PAGE=http://localhost:8080/",
            "LD_PRELOAD=",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assertThat(env).doesNotContain("COLDBREW_PLATFORM_SECRET").doesNotContain("JAVA_HOME");
    assertThat(get(i, "/args").strip()).isEqualTo("first --port=8080 hello-contract-00001");
    assertThat(get(i, "/cwd").strip()).isEqualTo("/www");
    assertThat(get(i, "/")).isEqualTo("hello from the image\n");
    assertThat(rt.containers(key)).hasSize(1);
    String name = rt.containers(key).get(0);
    assertThat(name).endsWith("-" + i.id());
    assertThat(TestImage.output("inspect", "--format", "{{json .Config.Labels}}", name))
        .contains("\"dev.coldbrew.revision\":\"default/contract-00001\"")
        .contains("\"dev.coldbrew.instance\":\"" + i.id() + "\"")
        .contains("\"dev.coldbrew.platform\":\"")
        .contains("\"dev.coldbrew.run\":\"");
    // resources.limits became the engine's limits
    assertThat(
            TestImage.output(
                    "inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", name)
                .strip())
        .isEqualTo((64L << 20) + " 500000000");

    rt.scale(rev, 0);
    await().until(() -> rt.instances(key).total() == 0 && rt.containers(key).isEmpty());
    await().until(() -> !exists(name));
  }

  @Test
  void twoInstancesOfAnImageOnAFixedPortBothServeAndAreProbedInside() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> {}, Map.of());
    Revision rev = revision(rt, "fixed-00001", Map.of("MODE", "fixed", "PORT_IGNORED", "yes"));
    // an exec readiness probe runs inside the container: its PORT is set there, and this test's
    // temporary directory, which exists on the host, does not
    var probe = new dev.coldbrew.api.model.Probe();
    var exec = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    exec.putArray("command")
        .add("sh")
        .add("-c")
        .add("test \"$PORT\" = 8080 && test ! -e " + tmp.toAbsolutePath());
    probe.exec = exec;
    rev.spec.container().readinessProbe = probe;
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 2);
    List<Instance> two = awaitReady(rt, key, 2);
    assertThat(two.get(0).port()).isNotEqualTo(two.get(1).port());
    for (Instance i : two) {
      assertThat(get(i, "/")).isEqualTo("hello from the image\n");
      assertThat(get(i, "/env")).contains("PORT=8080");
    }
    assertThat(rt.containers(key)).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void hostNetworkGivesAFreePort() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> b.defaultContainerNetwork(ContainerNetwork.HOST), Map.of());
    Revision rev = revision(rt, "host-00001", Map.of("HOST", "127.0.0.1"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    Instance i = awaitReady(rt, key, 1).get(0);
    assertThat(get(i, "/env")).contains("PORT=" + i.port() + "\n");
    assertThat(i.port()).isNotEqualTo(8080);
  }

  @Test
  void anAppThatExitsFailsWithItsExitCodeAndLastLogLines() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> b.restartBackoffInitial(Duration.ofSeconds(2)), Map.of());
    Revision rev = revision(rt, "crash-00001", Map.of("MODE", "exit", "EXIT_CODE", "3"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> !rt.instances(key).health().healthy());
    RevisionInstances s = rt.instances(key);
    assertThat(s.health().reason()).isEqualTo("ExitCode3");
    assertThat(s.health().message().split("\n"))
        .containsExactly(
            "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10",
            "line 11", "line 12");
  }

  @Test
  void sigtermReachesTheAppThroughTheInit() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> b.terminationGrace(Duration.ofSeconds(30)), Map.of());
    Revision rev = revision(rt, "term-00001", Map.of("MODE", "term"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    Instance i = awaitReady(rt, key, 1).get(0);
    String name = rt.containers(key).get(0);
    long t0 = System.nanoTime();
    rt.scale(rev, 0);
    await().until(() -> !exists(name) && rt.containers(key).isEmpty());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    await()
        .until(
            () ->
                rt.logs().tail(NS, "svc", key.name(), 20).stream()
                    .anyMatch(l -> l.text().equals("got SIGTERM")));
    assertThat(ms).as("stopped by SIGTERM, not at the end of the 30 s grace").isLessThan(20_000);
    assertThat(i.id()).isNotEmpty();
  }

  /**
   * A run that got ready is removed by podman itself ({@code --rm}) once the forwarded SIGTERM
   * ended it, so its stop makes no further podman call; a run ended before it got ready is removed
   * again, since its client may have been stopped before the container started.
   */
  @Test
  void onlyARunEndedBeforeItGotReadyIsRemovedAgain() throws Exception {
    needPodman();
    Path calls = tmp.resolve("podman-calls");
    Path wrapper = tmp.resolve("podman");
    java.nio.file.Files.writeString(
        wrapper, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\nexec podman \"$@\"\n");
    assertThat(wrapper.toFile().setExecutable(true)).isTrue();
    LocalRuntime rt = runtime(b -> b.podman(wrapper.toString()), Map.of());

    Revision ready = revision(rt, "ready-00001", Map.of());
    NamespacedName readyKey = NamespacedName.of(ready);
    rt.scale(ready, 1);
    awaitReady(rt, readyKey, 1);
    String readyName = rt.containers(readyKey).get(0);
    rt.scale(ready, 0);
    await().until(() -> rt.containers(readyKey).isEmpty()); // after the exit was handled
    await().until(() -> !exists(readyName)); // podman's own cleanup removes it
    assertThat(rmCalls(calls)).as("podman rm calls after a ready run ended").isEmpty();

    Revision never = revision(rt, "never-00001", Map.of("MODE", "sleep"));
    NamespacedName neverKey = NamespacedName.of(never);
    rt.scale(never, 1);
    await().until(() -> !rt.containers(neverKey).isEmpty());
    String neverName = rt.containers(neverKey).get(0);
    rt.scale(never, 0);
    await().until(() -> rt.containers(neverKey).isEmpty());
    assertThat(exists(neverName)).isFalse();
    assertThat(rmCalls(calls)).anyMatch(c -> c.endsWith(" " + neverName));
  }

  private static List<String> rmCalls(Path calls) throws IOException {
    return java.nio.file.Files.readAllLines(calls).stream()
        .filter(l -> l.startsWith("rm "))
        .toList();
  }

  @Test
  void anAppThatIgnoresSigtermIsRemovedAfterTheGracePeriod() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> b.terminationGrace(Duration.ofSeconds(2)), Map.of());
    Revision rev = revision(rt, "deaf-00001", Map.of("MODE", "ignore"));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    awaitReady(rt, key, 1);
    String name = rt.containers(key).get(0);
    long t0 = System.nanoTime();
    rt.scale(rev, 0);
    await().until(() -> !exists(name));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(ms).as("alive until the grace period ended").isGreaterThanOrEqualTo(2_000);
  }

  @Test
  void theDigestIsPinnedWhenTheTagMoves() throws Exception {
    needPodman();
    String ref = "localhost/coldbrew-it-pinned:" + Long.toHexString(System.nanoTime());
    try (TestImage v1 = TestImage.buildAs(work, ref, "version 1\n")) {
      LocalRuntime rt = runtime(b -> {}, Map.of());
      Revision rev = revision(rt, "pinned-00001", Map.of(), ref);
      TestImage.buildAs(work, ref, "version 2\n"); // the tag now names another image
      NamespacedName key = NamespacedName.of(rev);
      rt.scale(rev, 1);
      Instance i = awaitReady(rt, key, 1).get(0);
      assertThat(get(i, "/")).isEqualTo("version 1\n");
      assertThat(rt.resolveImage(rev).get(60, TimeUnit.SECONDS))
          .isNotEqualTo(rev.status.imageDigest());
      rt.scale(rev, 0);
      await().until(() -> rt.containers(key).isEmpty());
      TestImage.run(List.of("podman", "rmi", "--force", rev.status.imageDigest()));
      assertThat(v1.reference()).isEqualTo(ref);
    }
  }

  @Test
  void anUnknownImageFailsToResolveWithTheEnginesMessage() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> {}, Map.of());
    Revision rev = LocalRuntimeIT.revision("missing-00001", Map.of());
    rev.spec.container().command = null;
    rev.spec.container().image = "localhost/coldbrew-it-never-built:1";
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> rt.resolveImage(rev).get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ImageResolutionException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("ContainerMissing");
              assertThat(e.getMessage())
                  .contains("localhost/coldbrew-it-never-built:1")
                  .contains("image not known")
                  .contains("podman build -t");
            });
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
  }

  @Test
  void anUnreachableRegistryFailsFastWithTheReason() throws Exception {
    needPodman();
    LocalRuntime rt = runtime(b -> {}, Map.of());
    Revision rev = LocalRuntimeIT.revision("unreachable-00001", Map.of());
    rev.spec.container().command = null;
    rev.spec.container().image = "127.0.0.1:1/coldbrew/nope:1"; // IfNotPresent: pulled
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> rt.resolveImage(rev).get(60, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            ImageResolutionException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("ContainerMissing");
              assertThat(e.getMessage())
                  .startsWith("cannot pull image 127.0.0.1:1/coldbrew/nope:1: ")
                  .contains("connection refused");
            });
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
  }

  @Test
  void containersOfAPlatformThatDiedAreRemovedAtTheNextStart() throws Exception {
    needPodman();
    Path data = tmp.resolve("orphans");
    LocalRuntimeOptions o =
        LocalRuntimeOptions.builder(data).terminationGrace(Duration.ofSeconds(5)).build();
    ContainerEngine engine = new ContainerEngine(o);
    ContainerLauncher dead = new ContainerLauncher(o, engine, new FreePorts("127.0.0.1"));
    Revision rev = LocalRuntimeIT.revision("orphan-00001", Map.of());
    rev.spec.container().command = null;
    rev.spec.container().image = image.reference();
    rev.status = new Revision.RevisionStatus();
    rev.status.containerStatuses =
        List.of(new ContainerStatus("user-container", engine.resolve(image.reference(), null)));
    Launched run =
        dead.launch(new InstanceLauncher.Spec("orphan-00001-abcde", RevisionTemplate.of(rev, o)));
    String name = dead.containerName("orphan-00001-abcde");
    await().until(() -> exists(name));
    // the platform dies: nothing of it runs any more, its podman client is killed, the container
    // goes on
    dead.close();
    Optional<ProcessHandle> client = ProcessHandle.of(((ContainerLauncher.Run) run).clientPid());
    client.ifPresent(ProcessHandle::destroyForcibly);
    if (client.isPresent()) {
      client.get().onExit().get(30, TimeUnit.SECONDS);
    }
    assertThat(exists(name)).isTrue();

    ContainerLauncher next = new ContainerLauncher(o, engine, new FreePorts("127.0.0.1"));
    assertThat(next.containerName("x")).isEqualTo(dead.containerName("x")); // same platform id
    assertThat(next.reapOrphans()).isEqualTo(1);
    assertThat(exists(name)).isFalse();
    // a client killed this early leaves podman's port forward (every time in 4 runs here without
    // the clean-up): then nothing could be reached on the port again
    int port = ((ContainerLauncher.Run) run).port();
    assertThat(forwardsTo(port)).isEmpty();
    // and may leave its conmon with a runc init waiting forever: none is left
    assertThat(monitorsOf(name)).isEmpty();
    assertThat(next.reapOrphans()).isZero();
    next.close();
  }

  @Test
  void aPortForwardPodmanLeftForAContainerThatIsGoneIsRemovedAndTheLiveOnesKept() throws Exception {
    needPodman();
    assumeTrue(!natRules().isEmpty(), "root podman with iptables port forwards");
    LocalRuntime rt = runtime(b -> {}, Map.of());
    Revision rev = revision(rt, "forwards-00001", Map.of());
    rt.scale(rev, 1);
    int live = awaitReady(rt, NamespacedName.of(rev), 1).get(0).port();
    List<String> liveRules = forwardsTo(live);
    assertThat(liveRules).hasSize(1);
    String chain = liveRules.get(0).replaceAll(".* -j (NETAVARK-DN-\\S+).*", "$1");

    // what podman 4.3 leaves when a client is stopped while its container is being created: a
    // forward of a host port to an address no container has, for a container id that is gone
    try (java.net.ServerSocket app = new java.net.ServerSocket(0, 50, loopback())) {
      int port = app.getLocalPort();
      String dport = "--dport " + port;
      try {
        iptables(
            "-A",
            StalePortForwards.CHAIN,
            "-p",
            "tcp",
            "-m",
            "tcp",
            "--dport",
            String.valueOf(port),
            "-m",
            "comment",
            "--comment",
            "dnat name: podman id: " + "2".repeat(64),
            "-j",
            chain);
        iptables(
            "-A",
            chain,
            "-d",
            "127.0.0.1/32",
            "-p",
            "tcp",
            "-m",
            "tcp",
            "--dport",
            String.valueOf(port),
            "-j",
            "DNAT",
            "--to-destination",
            "10.88.255.254:8080");
        assertThat(canConnect(port))
            .as("the stale forward takes the port from its listener")
            .isFalse();

        ContainerEngine engine =
            new ContainerEngine(LocalRuntimeOptions.builder(tmp.resolve("data")).build());
        assertThat(engine.info().available()).isTrue();
        StalePortForwards forwards = new StalePortForwards(engine, Duration.ofSeconds(30));
        // only the host ports it is given: another's stale forward is not Coldbrew's to judge
        assertThat(forwards.sweep(java.util.Set.of(live))).isZero();
        assertThat(canConnect(port)).isFalse();
        assertThat(forwards.sweep(java.util.Set.of(port, live))).isEqualTo(1);

        assertThat(natRules()).noneMatch(r -> r.contains(dport + " "));
        assertThat(canConnect(port)).isTrue();
        assertThat(forwardsTo(live)).isEqualTo(liveRules);
        assertThat(get(rt.instances(NamespacedName.of(rev)).ready().get(0), "/")).isNotEmpty();
      } finally {
        deleteRulesOf(dport); // whatever the outcome: the port must not stay taken for later tests
      }
    }
  }

  /** Deletes every nat rule that matches {@code dport}, as {@code -S} prints them. */
  private static void deleteRulesOf(String dport) throws Exception {
    for (String line : natRules()) {
      StalePortForwards.Rule r = StalePortForwards.rule(line);
      if (r != null && r.spec().contains(dport + " ")) {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-t", "nat", "-D", r.chain()));
        cmd.addAll(StalePortForwards.unquote(List.of(r.spec().split(" "))));
        new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor();
      }
    }
  }

  @Test
  void withoutPodmanContainerRevisionsFailAndProcessesStillRun() throws Exception {
    LocalRuntime rt = runtime(b -> b.podman("/nonexistent/podman"), Map.of());
    Revision rev = LocalRuntimeIT.revision("nopodman-00001", Map.of());
    rev.spec.container().command = null;
    rev.spec.container().image = "localhost/anything:1";
    assertThatThrownBy(() -> rt.resolveImage(rev).get(60, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            ImageResolutionException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("ContainerEngineMissing");
              assertThat(e.getMessage()).contains("apt-get install -y podman");
            });
    assertThat(rt.checkContainerEngine().get(60, TimeUnit.SECONDS))
        .contains("podman is not installed");
    // a revision already resolved elsewhere still cannot start here
    rev.status = new Revision.RevisionStatus();
    rev.status.containerStatuses =
        List.of(
            new ContainerStatus("user-container", "localhost/anything@sha256:" + "0".repeat(64)));
    NamespacedName key = NamespacedName.of(rev);
    rt.scale(rev, 1);
    await().until(() -> !rt.instances(key).health().healthy());
    assertThat(rt.instances(key).health().reason()).isEqualTo("ContainerEngineMissing");

    Revision proc = LocalRuntimeIT.revision("proc-00001", Map.of());
    assertThat(rt.engine(proc)).isEqualTo(Engine.PROCESS);
    rt.scale(proc, 1);
    await().until(() -> rt.instances(NamespacedName.of(proc)).ready().size() == 1);
  }

  // ---- helpers ----

  /** {@code iptables -t nat -S}, or nothing where it cannot be read (no root, no iptables). */
  private static List<String> natRules() {
    try {
      Process p =
          new ProcessBuilder("iptables", "-t", "nat", "-S").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      return p.waitFor() == 0 ? out.lines().toList() : List.of();
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** The live {@code conmon} processes of a container, by the name on their command line. */
  private static List<ProcessHandle> monitorsOf(String container) {
    return ProcessTree.running("conmon", args -> args.contains(container));
  }

  /** podman's hostport forwards of {@code port}. */
  private static List<String> forwardsTo(int port) {
    return natRules().stream()
        .filter(r -> r.startsWith("-A " + StalePortForwards.CHAIN + " "))
        .filter(r -> r.contains("--dport " + port + " "))
        .toList();
  }

  private static void iptables(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-t", "nat"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private static java.net.InetAddress loopback() throws IOException {
    return java.net.InetAddress.getByName("127.0.0.1");
  }

  private static boolean canConnect(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 3000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean exists(String container) {
    return TestImage.run(List.of("podman", "container", "exists", container)) == 0;
  }

  private LocalRuntime runtime(
      Consumer<LocalRuntimeOptions.Builder> options, Map<String, String> extraPlatformEnv) {
    LocalRuntimeOptions.Builder b =
        LocalRuntimeOptions.builder(tmp.resolve("data")).terminationGrace(Duration.ofSeconds(5));
    options.accept(b);
    LocalRuntimeOptions o = b.build();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(extraPlatformEnv);
    ContainerEngine engine = new ContainerEngine(o, env);
    FreePorts ports = new FreePorts(o.bindHost());
    LocalRuntime rt =
        new LocalRuntime(
            o,
            new EngineLaunchers(
                new ProcessLauncher(o, new OrphanRecord(o.dataDir()), ports),
                new ContainerLauncher(o, engine, ports)));
    runtimes.add(rt);
    return rt;
  }

  /** A container revision of the test image, its image resolved as the controller would. */
  private Revision revision(LocalRuntime rt, String name, Map<String, String> env)
      throws Exception {
    return revision(rt, name, env, image.reference());
  }

  private Revision revision(LocalRuntime rt, String name, Map<String, String> env, String ref)
      throws Exception {
    Revision r = LocalRuntimeIT.revision(name, env);
    Container c = r.spec.container();
    c.command = null;
    c.image = ref;
    assertThat(rt.engine(r)).isEqualTo(Engine.CONTAINER);
    r.status = new Revision.RevisionStatus();
    r.status.containerStatuses =
        List.of(
            new ContainerStatus("user-container", rt.resolveImage(r).get(60, TimeUnit.SECONDS)));
    assertThat(r.status.imageDigest())
        .startsWith(ref.substring(0, ref.lastIndexOf(':')) + "@sha256:");
    return r;
  }

  private static List<Instance> awaitReady(LocalRuntime rt, NamespacedName key, int n) {
    await().until(() -> rt.instances(key).ready().size() == n);
    return rt.instances(key).ready();
  }

  private static ConditionFactory await() {
    return org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50));
  }

  private static String get(Instance i, String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + i.address() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
