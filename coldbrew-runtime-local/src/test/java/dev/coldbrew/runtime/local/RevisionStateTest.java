package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which instances a scale-down stops, and the snapshot published: no process. */
class RevisionStateTest {
  @TempDir Path data;

  private final InstanceLife.Census census = new InstanceLife.Census();
  private LocalRuntimeOptions options;
  private RevisionState rev;

  @Test
  void scaleDownStopsTheNotReadyFirstThenTheNewest() {
    setUp();
    LocalInstance a = add("a", true, 9001);
    LocalInstance b = add("b", false, 9002);
    LocalInstance c = add("c", true, 9003);
    LocalInstance d = add("d", false, 9004);
    rev.desired = 4;
    assertThat(rev.surplus()).isEmpty();
    rev.desired = 3;
    assertThat(rev.surplus()).containsExactly(d);
    rev.desired = 2;
    assertThat(rev.surplus()).containsExactly(d, b);
    rev.desired = 1;
    assertThat(rev.surplus()).containsExactly(d, b, c);
    rev.desired = 0;
    assertThat(rev.surplus()).containsExactly(d, b, c, a);
  }

  @Test
  void theSnapshotListsTheReadyInstancesInStartOrderAtTheAddressTheirRunGave() {
    setUp();
    add("a", true, 9001);
    add("b", false, 9002);
    add("c", true, 9003);
    rev.health = ContainerHealth.failing("ExitCode3", "boom");
    RevisionInstances s = rev.snapshot();
    assertThat(s.revision()).isEqualTo(rev.key);
    assertThat(s.ready())
        .containsExactly(
            new Instance("rev-00001-a", "10.0.0.7", 9001),
            new Instance("rev-00001-c", "10.0.0.7", 9003));
    assertThat(s.total()).isEqualTo(3);
    assertThat(s.health()).isEqualTo(ContainerHealth.failing("ExitCode3", "boom"));
  }

  private void setUp() {
    options = LocalRuntimeOptions.builder(data).build();
    dev.coldbrew.api.model.Revision r =
        LocalRuntimeIT.revision("rev-00001", Map.of()); // a template only: nothing is started
    rev = new RevisionState(RevisionTemplate.of(r, options));
    assertThat(rev.key).isEqualTo(new NamespacedName("default", "rev-00001"));
  }

  private LocalInstance add(String suffix, boolean ready, int port) {
    String id = "rev-00001-" + suffix;
    LocalInstance i =
        new LocalInstance(
            rev,
            id,
            new LogFile(data.resolve(id + ".log"), 1 << 20),
            new InstanceLife(census, options));
    i.life.nextRun();
    i.life.launched(0);
    if (ready) {
      i.life.startupAttempt(true, 1, 1);
    }
    i.run = new Address("10.0.0.7", port);
    rev.instances.add(i);
    return i;
  }

  /** A run that is only an address. */
  private record Address(String host, int port) implements Launched {
    @Override
    public InputStream output() {
      return InputStream.nullInputStream();
    }

    @Override
    public CompletableFuture<Integer> exited() {
      return new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<Void> terminate() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void kill() {}

    @Override
    public ProcessBuilder probeCommand(java.util.List<String> command) {
      throw new UnsupportedOperationException("an address runs nothing");
    }
  }
}
