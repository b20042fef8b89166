package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that was started must end up watched or killed, whatever fails after the fork, and a
 * stop that comes while a launch is under way ends what the launch started. Real processes (the
 * {@link TestApp} JVM), each tagged with a marker argument so the test can find every process of
 * its own among this JVM's descendants.
 */
@Timeout(120)
class LaunchSafetyIT {
  @TempDir Path tmp;
  private final String marker = "marker-" + UUID.randomUUID();
  private final List<RevisionInstances> seen = new CopyOnWriteArrayList<>();
  private LocalRuntime rt;

  @AfterEach
  void tearDown() {
    if (rt != null) {
      rt.close();
    }
    assertThat(ours()).as("processes left after close").isEmpty();
  }

  @Test
  void aProcessThatCannotBeRecordedIsKilledAndTheInstanceStartsOnceItCanBe() throws Exception {
    rt = runtime(new ProcessLauncher(options()));
    Path pids = new OrphanRecord(tmp.resolve("data")).file();
    Files.deleteIfExists(pids);
    Files.createDirectory(pids); // the pid record cannot be written
    Revision rev = revision("unrecorded-00001");
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> "StartError".equals(rt.instances(key).health().reason()));
    String message = rt.instances(key).health().message();
    Matcher m =
        Pattern.compile("as pid (\\d+), then cannot write .*instances.pids").matcher(message);
    assertThat(m.find()).as(message).isTrue();
    long pid = Long.parseLong(m.group(1));
    await().until(() -> !alive(pid));
    assertThat(rt.instances(key).ready()).isEmpty();

    Files.delete(pids); // the record can be written again: the retry starts it
    await().until(() -> rt.instances(key).ready().size() == 1);
    List<OrphanRecord.Entry> recorded = new OrphanRecord(tmp.resolve("data")).read();
    assertThat(recorded).hasSize(1);
    // every process started while the record failed is gone; the one running is recorded
    assertThat(ours()).containsExactly(recorded.get(0).pid());
  }

  @Test
  void aRunTheRuntimeCannotWatchIsKilledAndTheInstanceRestarted() {
    ProcessLauncher processes = new ProcessLauncher(options());
    List<Long> launched = new CopyOnWriteArrayList<>();
    AtomicInteger faults = new AtomicInteger(1);
    rt =
        runtime(
            new Wrapper(processes) {
              @Override
              public Launched launch(Spec spec) throws LaunchException {
                Launched run = processes.launch(spec);
                launched.add(((ProcessLauncher.Run) run).pid());
                return faults.getAndDecrement() > 0 ? new OutputFails(run) : run;
              }
            });
    Revision rev = revision("unwatched-00001");
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> launched.size() == 2 && rt.instances(key).ready().size() == 1);
    assertThat(alive(launched.get(0))).isFalse();
    assertThat(seen)
        .anyMatch(s -> s.revision().equals(key) && "StartError".equals(s.health().reason()));
    assertThat(ours()).containsExactly(launched.get(1));
    assertThat(
            Files.exists(
                rt.logs()
                    .instanceLog("default", key.name(), rt.instances(key).ready().get(0).id())))
        .isTrue();
    assertThat(logText(key)).contains("[coldbrew] cannot watch the new run");
  }

  @Test
  void theLinesARunWritesAreKeptWhenItsOutputIsCopiedOnlyAfterItEnded() {
    ProcessLauncher processes = new ProcessLauncher(options());
    rt =
        runtime(
            new Wrapper(processes) {
              @Override
              public Launched launch(Spec spec) throws LaunchException {
                return new OutputAfterExit(processes.launch(spec));
              }
            });
    Revision rev = revision("late-00001");
    NamespacedName key = NamespacedName.of(rev);

    rt.scale(rev, 1);
    await().until(() -> rt.instances(key).ready().size() == 1);
    rt.scale(rev, 0);
    await().until(() -> rt.instances(key).total() == 0 && ours().isEmpty());
    // a loaded machine's log pump can fall behind the process; the log is closed only once it
    // has copied everything (here it copies nothing before the process has ended). The app's
    // first line is looked for: it is written before its port opens, so before it is ready
    await().until(() -> logText(key).contains("start pid="));
  }

  @Test
  void aScaleDownDuringTheLaunchEndsTheProcessTheLaunchStarted() throws Exception {
    Gate gate = new Gate(new ProcessLauncher(options()));
    rt = runtime(gate);
    Revision rev = revision("raced-00001");
    NamespacedName key = NamespacedName.of(rev);

    // a process's first instance is spawned on the scaling thread: that call returns after the
    // launch
    CompletableFuture<Void> scaledUp = CompletableFuture.runAsync(() -> rt.scale(rev, 1));
    assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
    rt.scale(rev, 0); // the launch is under way, outside the runtime's lock
    assertThat(rt.instances(key).total()).isZero();
    gate.release.countDown();
    scaledUp.get(30, TimeUnit.SECONDS);
    await().until(() -> !gate.launched.isEmpty());
    long pid = gate.launched.get(0);
    await().until(() -> !alive(pid));
    await().until(() -> new OrphanRecord(tmp.resolve("data")).read().isEmpty());
    assertThat(rt.instances(key).total()).isZero();
  }

  @Test
  void closeDuringTheLaunchReturnsOnlyOnceTheLaunchedProcessIsGone() throws Exception {
    Gate gate = new Gate(new ProcessLauncher(options()));
    rt = runtime(gate);
    CompletableFuture<Void> scaledUp =
        CompletableFuture.runAsync(() -> rt.scale(revision("closing-00001"), 1));
    assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(rt::close);
    gate.release.countDown();
    closed.get(60, TimeUnit.SECONDS);
    scaledUp.get(30, TimeUnit.SECONDS);
    assertThat(gate.launched).hasSize(1);
    assertThat(alive(gate.launched.get(0))).isFalse(); // not eventually: when close returns
    assertThat(new OrphanRecord(tmp.resolve("data")).read()).isEmpty();
  }

  // ---- helpers ----

  /** Holds every launch until released. */
  private static final class Gate extends Wrapper {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<Long> launched = new CopyOnWriteArrayList<>();

    Gate(ProcessLauncher delegate) {
      super(delegate);
    }

    @Override
    public Launched launch(Spec spec) throws LaunchException {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      Launched run = delegate.launch(spec);
      launched.add(((ProcessLauncher.Run) run).pid());
      return run;
    }
  }

  private static class Wrapper implements InstanceLauncher {
    final ProcessLauncher delegate;

    Wrapper(ProcessLauncher delegate) {
      this.delegate = delegate;
    }

    @Override
    public Launched launch(Spec spec) throws LaunchException {
      return delegate.launch(spec);
    }

    @Override
    public int reapOrphans() {
      return delegate.reapOrphans();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** A run that is {@code run} but for its output. */
  private abstract static class OtherOutput implements Launched {
    final Launched run;

    OtherOutput(Launched run) {
      this.run = run;
    }

    @Override
    public String host() {
      return run.host();
    }

    @Override
    public int port() {
      return run.port();
    }

    @Override
    public CompletableFuture<Integer> exited() {
      return run.exited();
    }

    @Override
    public CompletableFuture<Void> terminate() {
      return run.terminate();
    }

    @Override
    public void kill() {
      run.kill();
    }

    @Override
    public ProcessBuilder probeCommand(List<String> command) {
      return run.probeCommand(command);
    }
  }

  /** A run whose output can be read only once it has ended, as from a pump that fell behind. */
  private static final class OutputAfterExit extends OtherOutput {
    OutputAfterExit(Launched run) {
      super(run);
    }

    @Override
    public InputStream output() {
      return new java.io.FilterInputStream(run.output()) {
        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
          run.exited().join();
          return super.read(b, off, len);
        }
      };
    }
  }

  /** A run whose output cannot be read: the runtime fails right after the launch returned. */
  private static final class OutputFails extends OtherOutput {
    OutputFails(Launched run) {
      super(run);
    }

    @Override
    public InputStream output() {
      throw new IllegalStateException("injected: no output");
    }
  }

  private LocalRuntimeOptions options() {
    return LocalRuntimeOptions.builder(tmp.resolve("data"))
        .terminationGrace(Duration.ofSeconds(5))
        .restartBackoffInitial(Duration.ofMillis(50))
        .restartBackoffMax(Duration.ofMillis(500))
        .build();
  }

  private LocalRuntime runtime(InstanceLauncher launcher) {
    LocalRuntime r = new LocalRuntime(options(), launcher);
    r.subscribe(seen::add);
    return r;
  }

  private Revision revision(String name) {
    Revision rev = LocalRuntimeIT.revision(name, Map.of());
    rev.spec.container().args = List.of(marker);
    return rev;
  }

  /** The live processes under this JVM started for this test. */
  private List<Long> ours() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(marker)).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  private String logText(NamespacedName key) {
    return String.join(
        "\n",
        rt.logs().tail("default", "svc", key.name(), 1000).stream().map(LogLine::text).toList());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static ConditionFactory await() {
    return org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20));
  }
}
